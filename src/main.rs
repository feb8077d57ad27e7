//! The `gasledger` binary: parse arguments, call the library, print, choose the exit status.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
