//! `#[stackless::inspect(budget = N)]`: a build error when a future outgrows its budget.
//!
//! The check is a `const` evaluated when the function is instantiated, so it fires in
//! `cargo build` (and `cargo test`), not in `cargo check`: the size of a future is only known
//! after monomorphisation. A `const` panic can only print a `&str`, so the message, with its
//! numbers, is written into a fixed buffer first.

const CAPACITY: usize = 384;

/// Fails const evaluation with a readable message when `size` exceeds `budget`.
pub(crate) const fn check(name: &str, location: &str, size: usize, budget: usize) {
    if size <= budget {
        return;
    }
    let mut message = Message::new();
    message.push("the future of `");
    message.push(name);
    message.push("` (");
    message.push(location);
    message.push(") is ");
    message.push_number(size);
    message.push(" bytes, over its budget of ");
    message.push_number(budget);
    message.push(" bytes (`#[stackless::inspect(budget = ");
    message.push_number(budget);
    message.push(")]`); shrink what it holds across `.await`s, box a large awaited future with `Box::pin`, or raise the budget");
    panic!("{}", message.as_str());
}

struct Message {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message {
            bytes: [0; CAPACITY],
            len: 0,
        }
    }

    /// Appends `text`, dropping what does not fit (only whole characters are kept).
    const fn push(&mut self, text: &str) {
        let text = text.as_bytes();
        let mut i = 0;
        while i < text.len() && self.len < CAPACITY {
            // Stop before a multi-byte character that would be cut.
            if text[i] >= 0xC0 {
                let width = if text[i] >= 0xF0 {
                    4
                } else if text[i] >= 0xE0 {
                    3
                } else {
                    2
                };
                if self.len + width > CAPACITY {
                    return;
                }
            }
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
    }

    const fn push_number(&mut self, mut n: usize) {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 && self.len < CAPACITY {
            count -= 1;
            self.bytes[self.len] = digits[count];
            self.len += 1;
        }
    }

    const fn as_str(&self) -> &str {
        let (text, _) = self.bytes.split_at(self.len);
        match std::str::from_utf8(text) {
            Ok(text) => text,
            Err(_) => "a future is over its budget",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_for(name: &str, size: usize, budget: usize) -> String {
        let result = std::panic::catch_unwind(|| check(name, "src/lib.rs:3:10", size, budget));
        let payload = result.expect_err("over budget must panic");
        payload
            .downcast_ref::<String>()
            .cloned()
            .expect("a formatted message")
    }

    #[test]
    fn within_budget_passes() {
        check("f", "", 4096, 4096);
        check("f", "", 1, usize::MAX);
    }

    #[test]
    fn over_budget_names_function_size_and_budget() {
        let message = message_for("fetch", 4160, 4096);
        assert!(
            message
                .starts_with("the future of `fetch` (src/lib.rs:3:10) is 4160 bytes, over its budget of 4096 bytes"),
            "{message}"
        );
    }

    #[test]
    fn long_names_are_cut_on_character_boundaries() {
        let name = "é".repeat(300);
        let message = message_for(&name, 10, 1);
        assert!(message.len() <= CAPACITY);
        assert!(message.starts_with("the future of `éé"));
    }

    #[test]
    fn numbers_print_in_full() {
        let mut message = Message::new();
        message.push_number(0);
        message.push(" ");
        message.push_number(usize::MAX);
        assert_eq!(message.as_str(), format!("0 {}", usize::MAX));
    }
}
