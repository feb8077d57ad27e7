//! One file per command (a command group that is one noun shares a file): its arguments and
//! its `run`.

pub mod account;
pub mod agreement;
pub mod commodity;
pub mod debt;
pub mod deliver;
pub mod export;
pub mod import;
pub mod init;
pub mod interest;
pub mod net;
pub mod offset;
pub mod party;
pub mod pay;
pub mod price;
pub mod reconcile;
pub mod record;
pub mod report;
pub mod reverse;
pub mod statement;
pub mod swap;
pub mod verify;
