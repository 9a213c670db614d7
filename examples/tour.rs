use std::time::Duration;

#[stackless::inspect]
async fn fetch(url: &str, delay: u64) -> Result<usize, String> {
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let mut buf = [0u8; 4096];
    buf[0] = url.len() as u8;
    tokio::task::yield_now().await;
    let n: Result<usize, String> = Ok(buf[0] as usize);
    let v = n?;
    println!("got {}", async { v }.await);
    Ok(v)
}

struct Client {
    name: String,
}
impl Client {
    #[stackless::inspect(budget = 8192)]
    async fn get(&self, path: &str) -> String {
        tokio::task::yield_now().await;
        format!("{}{}", self.name, path)
    }
}

#[tokio::main]
async fn main() {
    let c = Client { name: "x".into() };
    println!("{:?}", fetch("hello", 10).await);
    println!("{}", c.get("/p").await);
    println!("{}", stackless::layout(fetch("a", 1)));
    println!("{}", stackless::report());
}
