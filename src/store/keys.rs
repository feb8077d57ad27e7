//! The keys of the sled tree (the layout is drawn at the top of `store/mod.rs`): one byte of
//! prefix, then the item's number or name.

pub(super) const KEY_SCHEMA: &[u8] = b"v";
pub(super) const KEY_HEAD: &[u8] = b"h";
/// The id buckets written ahead by a commit that has not moved the head yet: see `write/commit.rs`.
pub(super) const KEY_AHEAD: &[u8] = b"w";

pub(super) fn block_key(i: u64) -> [u8; 9] {
    let mut k = [b'B'; 9];
    k[1..].copy_from_slice(&i.to_be_bytes());
    k
}
pub(super) fn summary_key(i: u64) -> [u8; 9] {
    let mut k = [b'S'; 9];
    k[1..].copy_from_slice(&i.to_be_bytes());
    k
}
pub(super) fn bucket_key(b: u16) -> [u8; 3] {
    let [x, y] = b.to_be_bytes();
    [b'I', x, y]
}
pub(super) fn balance_key(account: u32, commodity: u32) -> [u8; 9] {
    let mut k = [b'b'; 9];
    k[1..5].copy_from_slice(&account.to_be_bytes());
    k[5..].copy_from_slice(&commodity.to_be_bytes());
    k
}
pub(super) fn statement_key(i: u64) -> [u8; 9] {
    let mut k = [b't'; 9];
    k[1..].copy_from_slice(&i.to_be_bytes());
    k
}
pub(super) fn file_key(fingerprint: &[u8; 32]) -> [u8; 33] {
    let mut k = [b'f'; 33];
    k[1..].copy_from_slice(fingerprint);
    k
}
pub(super) fn prefixed(p: u8, s: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(s.len() + 1);
    k.push(p);
    k.extend_from_slice(s.as_bytes());
    k
}
/// `x` code, a blank, the quote's code, a blank, the date: a fixing.
pub(super) fn fixing_key(f: &crate::model::fixing::Fixing) -> Vec<u8> {
    prefixed(
        b'x',
        &format!("{} {} {}", f.commodity, f.rate.commodity, f.date),
    )
}
