//! The `gasledger` binary: parse arguments, call the library, print, choose the exit status.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = cli::main();
    // A test build: how many times each fault point was passed, if a test asked (see
    // `store/faults.rs`); nothing in a release build.
    gasledger::store::write_fault_counts();
    code
}
