//! Why the same poll loop can cost nanoseconds more on one x86-64 CPU than on another for the
//! same instructions (`overhead/README.md`, on `method` by hand):
//!
//! ```sh
//! cargo run --release -p stackless-overhead --example byte_register
//! ```
//!
//! Each loop loads a byte, derives a value from it as a jump table's target is derived from a
//! state machine's discriminant, then stores a constant back to the byte through a byte
//! register. In the first, the byte register is the low byte of the register holding the
//! derived value: a CPU that makes a byte write wait for the rest of its register then chains
//! each iteration to the one before (store, load, derive, write, store). In the second, the byte
//! register belongs to a register that holds nothing slow. The compiler chooses between the two
//! by register allocation, not by anything in the source.

#[cfg(target_arch = "x86_64")]
mod loops {
    use std::arch::asm;

    /// A loop that stores the constant back through the byte register `$byte`.
    macro_rules! store_through {
        ($(#[$doc:meta])* $name:ident, $byte:literal) => {
            $(#[$doc])*
            #[inline(never)]
            pub fn $name(iterations: u64, state: &mut u8) {
                // SAFETY: reads and writes only `*state`, through the pointer passed in; reads
                // the four-entry table it defines; clobbers only the registers it declares.
                unsafe {
                    asm!(
                        "2:",
                        "movzx edx, byte ptr [{state}]",
                        "lea rdi, [rip + 3f]",
                        "movsxd rdx, dword ptr [rdi + rdx*4]",
                        "add rdx, rdi",
                        concat!("mov ", $byte, ", 3"),
                        concat!("mov byte ptr [{state}], ", $byte),
                        "dec {n}",
                        "jnz 2b",
                        "jmp 4f",
                        "3: .long 0, 0, 0, 0",
                        "4:",
                        state = in(reg) state as *mut u8,
                        n = inout(reg) iterations => _,
                        out("rdx") _,
                        out("rdi") _,
                        out("rsi") _,
                    );
                }
            }
        };
    }

    store_through!(
        /// Through `dl`, whose `rdx` holds the value derived from the load.
        merged,
        "dl"
    );
    store_through!(
        /// Through `sil`, whose `rsi` holds nothing.
        unrelated,
        "sil"
    );
}

#[cfg(target_arch = "x86_64")]
fn main() {
    use std::time::Instant;

    /// The fastest of five timings of 50 million iterations, in ns per iteration.
    fn time(iterations_of: fn(u64, &mut u8)) -> f64 {
        const ITERATIONS: u64 = 50_000_000;
        let mut state = 3;
        (0..5)
            .map(|_| {
                let start = Instant::now();
                iterations_of(ITERATIONS, &mut state);
                start.elapsed().as_nanos() as f64 / ITERATIONS as f64
            })
            .fold(f64::INFINITY, f64::min)
    }

    let merged = time(loops::merged);
    let unrelated = time(loops::unrelated);
    println!("byte register of the derived value (dl): {merged:.2} ns per iteration");
    println!("byte register of nothing slow (sil):     {unrelated:.2} ns per iteration");
    println!("ratio: x{:.1}", merged / unrelated);
}

#[cfg(not(target_arch = "x86_64"))]
fn main() {
    println!("this example is x86-64 assembly; there is nothing to measure on this target");
}
