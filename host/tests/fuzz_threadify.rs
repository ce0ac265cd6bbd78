//! A bounded fuzz run of threadify on mutations of a real guest module (the demo guest before
//! patching): random byte flips, overwrites with boundary values, truncations and spliced
//! copies of its own bytes. Threadify must never panic, must never produce a module that does
//! not validate (`Error::Invalid` is reserved for that bug), and a module it accepts must
//! validate. `FUZZ_CASES=N` runs more (the long run is a documented command in the README).

use wthreads_threadify::{Error, patch, validate};

/// xorshift64*: a small deterministic generator, so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n as u64).max(1)) as usize
    }
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut m = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 => {
                let i = rng.below(m.len());
                m[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(m.len());
                m[i] = [0x00, 0x7f, 0x80, 0xff, 0x01, 0x40][rng.below(6)];
            }
            2 => m.truncate(8 + rng.below(m.len() - 8)),
            3 => {
                // Copy a run of the module over another place of it.
                let len = (1 + rng.below(64)).min(m.len());
                let (from, to) = (rng.below(m.len().saturating_sub(len)), rng.below(m.len().saturating_sub(len)));
                let run = m[from..from + len].to_vec();
                m[to..to + len].copy_from_slice(&run);
            }
            _ => {
                // A LEB128 length or index made huge.
                let i = 8 + rng.below(m.len() - 8);
                m.splice(i..i, [0xff, 0xff, 0xff, 0xff, 0x0f]);
            }
        }
    }
    m
}

#[test]
fn threadify_survives_mutated_modules() {
    let seed = std::fs::read(wthreads_guest_tests::MANDELBROT_UNPATCHED).unwrap();
    assert!(patch(&seed).is_ok(), "the unmutated seed must patch");
    let cases: u64 = std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(3_000);
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..cases {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (case + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9));
        let input = mutate(&seed, &mut rng);
        let result = std::panic::catch_unwind(|| patch(&input));
        match result {
            Err(_) => panic!("threadify panicked on case {case}"),
            Ok(Ok(out)) => {
                validate(&out).unwrap_or_else(|e| panic!("case {case}: accepted output does not validate: {e}"));
                accepted += 1;
            }
            Ok(Err(Error::Invalid(e))) => panic!("case {case}: threadify produced an invalid module: {e}"),
            Ok(Err(e)) => {
                assert!(!e.to_string().is_empty());
                refused += 1;
            }
        }
    }
    println!("{cases} mutated modules: {accepted} patched and valid, {refused} refused with an error");
    assert!(accepted > 0 && refused > 0, "the mutations never exercised one of the outcomes");
}
