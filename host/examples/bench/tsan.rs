//! ThreadSanitizer's cost on the workloads of the `check` table, for comparison in the same run:
//! `tsan_loops.c` (the same loops in C with pthreads) built by the system's C compiler (`CC`, or
//! `cc`) with and without `-fsanitize=thread`, the two run alternately, the ratio of their
//! medians. ThreadSanitizer's published 5–15× is for whole programs; this says what it costs on
//! loops that do nothing but synchronise or allocate.

use std::path::PathBuf;
use std::process::Command;

/// The C program's source, built into the benchmark.
const SOURCE: &str = include_str!("tsan_loops.c");

/// The C program built both ways, in a directory removed when this is dropped.
pub struct Baseline {
    dir: PathBuf,
}

impl Baseline {
    /// Builds the program with and without ThreadSanitizer.
    ///
    /// # Errors
    /// Why it cannot: no C compiler, or no ThreadSanitizer runtime for it.
    pub fn build() -> Result<Baseline, String> {
        let dir = std::env::temp_dir().join(format!("wthreads-bench-tsan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let baseline = Baseline { dir };
        let source = baseline.dir.join("tsan_loops.c");
        std::fs::write(&source, SOURCE).map_err(|e| format!("cannot write {}: {e}", source.display()))?;
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        for (out, flags) in [("plain", &[][..]), ("tsan", &["-fsanitize=thread"][..])] {
            let built = Command::new(&cc)
                .args(["-O2", "-pthread"])
                .args(flags)
                .arg(&source)
                .arg("-o")
                .arg(baseline.dir.join(out))
                .output()
                .map_err(|e| format!("`{cc}` not found ({e})"))?;
            if !built.status.success() {
                let why = String::from_utf8_lossy(&built.stderr);
                return Err(format!("`{cc} {}` failed: {}", flags.join(" "), why.lines().next().unwrap_or("")));
            }
        }
        Ok(baseline)
    }

    /// `tsan ÷ plain` for workload `export(args)`, medians of `runs` alternating runs; `None` if
    /// the C program has no such workload.
    ///
    /// # Errors
    /// If a run fails.
    pub fn ratio(&self, export: &str, args: &[i32], runs: usize) -> Result<Option<f64>, String> {
        let mut times = [Vec::new(), Vec::new()];
        for _ in 0..runs {
            for (i, program) in ["plain", "tsan"].iter().enumerate() {
                let out = Command::new(self.dir.join(program))
                    .arg(export)
                    .args(args.iter().map(i32::to_string))
                    .output()
                    .map_err(|e| format!("{program} {export}: {e}"))?;
                if out.status.code() == Some(2) {
                    return Ok(None);
                }
                let text = String::from_utf8_lossy(&out.stdout);
                let ns: f64 = text.trim().parse().map_err(|_| format!("{program} {export}: {text}{:?}", out.status))?;
                times[i].push(ns);
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let [plain, tsan] = &mut times;
        Ok(Some(median(tsan) / median(plain)))
    }
}

impl Drop for Baseline {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}
