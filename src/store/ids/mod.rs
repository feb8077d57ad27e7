//! The id index: ids hashed into `ID_BUCKETS` buckets of (hash, sequence number) entries,
//! and the two ways a writer checks the ids it adds — each as it comes, in a table of its own
//! (`fresh`), or all at the commit from sorted runs (`deferred`, an import's).

pub(super) mod deferred;
pub(super) mod fresh;

use super::codec::{CodecError, Dec, Enc};
use super::{record, ID_BUCKETS};

pub(super) use super::keys::bucket_key;

/// The hash of an id, which picks its bucket: FNV-1a, 64 bits. Stable across builds and
/// platforms (it is stored); collisions are resolved by comparing the ids themselves.
pub fn id_hash(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

pub(super) fn bucket_of(hash: u64) -> u16 {
    (hash % ID_BUCKETS) as u16
}

/// One entry of the id index: which transaction has an id with this hash. Whether a repeated
/// id comes with the same content is decided from the transaction itself (see `Writer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdEntry {
    pub hash: u64,
    pub seq: u64,
}

/// Version 1 buckets also held each transaction's 16-byte idempotency hash (29 bytes an
/// entry); version 2 holds the hash as a difference from the one before and the sequence
/// number (about 10 bytes an entry), which makes the commit of a large import write a third.
pub(super) const BUCKET_VERSION: u8 = 2;

pub(super) fn decode_bucket(v: &[u8]) -> Result<Vec<IdEntry>, CodecError> {
    let mut d = Dec::new(v);
    let version = d.u8()?;
    if version != record::RECORD_VERSION && version != BUCKET_VERSION {
        return Err(CodecError("unknown id bucket version".into()));
    }
    let n = d.var()? as usize;
    let mut out = Vec::with_capacity(n.min(1 << 20));
    let mut hash = 0u64;
    for _ in 0..n {
        if version == BUCKET_VERSION {
            hash = hash.wrapping_add(d.var()?);
            out.push(IdEntry {
                hash,
                seq: d.var()?,
            });
        } else {
            let entry = IdEntry {
                hash: d.var()?,
                seq: d.var()?,
            };
            d.take(16)?;
            out.push(entry);
        }
    }
    Ok(out)
}

/// Entries in (hash, seq) order encode shortest; any order decodes back as it was.
pub(super) fn encode_bucket(entries: &[IdEntry]) -> Vec<u8> {
    let mut e = Enc::with_capacity(entries.len() * 12 + 8);
    e.u8(BUCKET_VERSION);
    e.var(entries.len() as u64);
    let mut prev = 0u64;
    for x in entries {
        e.var(x.hash.wrapping_sub(prev));
        e.var(x.seq);
        prev = x.hash;
    }
    e.buf
}
