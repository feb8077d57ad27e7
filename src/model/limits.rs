//! The limits of what one transaction, name or store may hold, so that one bad line cannot make
//! anything unbounded. The messages that name them are `LedgerError`'s.

/// Postings per transaction: a limit so that one bad line cannot make a transaction unbounded.
pub const POSTINGS_MAX: usize = 1_000;
/// Longest description accepted.
pub const DESCRIPTION_LEN_MAX: usize = 1_000;
/// Longest account name accepted, in characters.
pub const ACCOUNT_LEN_MAX: usize = 200;
/// Longest party code accepted, in characters (a party code is an account's first segment).
pub const PARTY_CODE_LEN_MAX: usize = 32;
/// Longest transaction id.
pub const ID_LEN_MAX: usize = 200;
/// Tags per transaction.
pub const TAGS_MAX: usize = 64;
/// Accounts in one store: account ids are `u32`, and the chart is held in memory.
pub const ACCOUNTS_MAX: usize = 1_000_000;
/// Longest amount as a line holds it besides its commodity code: 29 digits, a sign, a point.
pub(super) const AMOUNT_TEXT_LEN_MAX: usize = 32;
