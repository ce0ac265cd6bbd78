//! The `patch` command line, shared by `wthreads patch` and `wthreads-patch`.

use std::path::PathBuf;

/// `IN.wasm -o OUT.wasm [--no-stack-check] [--host-wait]`: patch a module built for wthreads.
#[derive(Debug, clap::Args)]
pub struct PatchArgs {
    /// The module to patch (as linked by lld for wasm32-unknown-unknown with shared memory).
    #[arg(value_name = "IN.wasm")]
    pub input: PathBuf,
    /// Where to write the patched module.
    #[arg(short = 'o', long = "output", value_name = "OUT.wasm")]
    pub output: PathBuf,
    /// Leave out the stack-overflow check of every shadow-stack frame.
    #[arg(long)]
    pub no_stack_check: bool,
    /// Keep wait/wake as calls of the host's imports instead of wasm instructions.
    #[arg(long)]
    pub host_wait: bool,
}

impl PatchArgs {
    /// Reads the input, patches it and writes the output.
    ///
    /// # Errors
    /// A message naming the file and the problem.
    pub fn run(&self) -> Result<(), String> {
        let options = crate::Options {
            stack_check: !self.no_stack_check,
            inline_wait: !self.host_wait,
            ..crate::Options::default()
        };
        let input = self.input.display();
        let bytes = std::fs::read(&self.input).map_err(|e| format!("{input}: {e}"))?;
        let patched = crate::patch_with(&bytes, &options).map_err(|e| format!("{input}: {e}"))?;
        std::fs::write(&self.output, patched).map_err(|e| format!("{}: {e}", self.output.display()))
    }
}
