//! Chapter 4, "Await points and states": a connection handler with three awaits,
//! what each of its states keeps, and ten live connections parked at different
//! awaits.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

// ANCHOR: handle_connection
/// Serves one client: for every key it receives, it takes a database connection
/// from the pool, looks the key up, and sends the row back.
#[stackless::inspect]
pub async fn handle_connection(
    mut requests: mpsc::Receiver<String>,
    pool: Arc<Semaphore>,
    replies: mpsc::Sender<String>,
) -> usize {
    let mut served = 0;
    while let Some(key) = requests.recv().await {
        let connection = pool.acquire().await.expect("the pool stays open");
        let row = lookup(&key);
        drop(connection);
        replies.send(row).await.expect("the client is listening");
        served += 1;
    }
    served
}
// ANCHOR_END: handle_connection

/// The database query, without the database.
fn lookup(key: &str) -> String {
    format!("{key}: {} bytes", key.len())
}

/// The client ends of the channels of [`ten_connections`]' handlers. Dropping them
/// closes the channels, and the handlers return.
pub struct Clients {
    pub requests: Vec<mpsc::Sender<String>>,
    pub replies: Vec<mpsc::Receiver<String>>,
}

// ANCHOR: ten_connections
/// Spawns ten handlers and leaves them where they will wait: four with no request
/// yet, three with a request but an empty pool, and three whose client has not read
/// its last reply.
pub async fn ten_connections() -> Clients {
    let empty_pool = Arc::new(Semaphore::new(0));
    let open_pool = Arc::new(Semaphore::new(10));
    let mut clients = Clients {
        requests: Vec::new(),
        replies: Vec::new(),
    };
    for id in 0..10 {
        let (request_sender, requests) = mpsc::channel(1);
        let (replies, reply_receiver) = mpsc::channel(1);
        let pool = if id < 7 { &empty_pool } else { &open_pool };
        if id >= 4 {
            request_sender.send(format!("user:{id}")).await.unwrap();
        }
        if id >= 7 {
            replies.send("an unread reply".to_owned()).await.unwrap();
        }
        tokio::spawn(handle_connection(requests, pool.clone(), replies));
        clients.requests.push(request_sender);
        clients.replies.push(reply_receiver);
    }
    // Let every handler run until it waits (tokio's current-thread scheduler runs
    // them in turn).
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    clients
}
// ANCHOR_END: ten_connections
