//! Stored transactions: accounts and commodities by numeric id, encoded with `codec`, grouped in
//! blocks. The chain hash of a transaction covers the previous hash and its encoded content.

use super::codec::{CodecError, Dec, Enc};
use crate::model::amount::Amount;
use crate::model::date::Date;
use crate::model::transaction::{Posting, Price, Status, Transaction};
use rust_decimal::Decimal;

/// Version byte at the front of every block and summary value.
pub const RECORD_VERSION: u8 = 1;

pub use crate::model::balance::PriceKind;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawPosting {
    pub account: u32,
    pub commodity: u32,
    pub value: Decimal,
    pub price: Option<(PriceKind, u32, Decimal)>,
    pub assertion: Option<(u32, Decimal)>,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawTxn {
    pub date: u32,
    pub status: Status,
    pub code: Option<String>,
    pub description: String,
    pub id: Option<String>,
    pub tags: Vec<(String, String)>,
    pub postings: Vec<RawPosting>,
}

/// Name ↔ id tables of the chart, for turning model transactions into stored ones and back.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub accounts: Vec<String>,
    pub commodities: Vec<String>,
    pub account_ids: rustc_hash::FxHashMap<String, u32>,
    pub commodity_ids: rustc_hash::FxHashMap<String, u32>,
}

impl Names {
    pub fn add_account(&mut self, name: &str) -> u32 {
        let id = self.accounts.len() as u32;
        self.accounts.push(name.to_string());
        self.account_ids.insert(name.to_string(), id);
        id
    }
    pub fn add_commodity(&mut self, code: &str) -> u32 {
        let id = self.commodities.len() as u32;
        self.commodities.push(code.to_string());
        self.commodity_ids.insert(code.to_string(), id);
        id
    }
    pub fn account(&self, id: u32) -> Result<&str, CodecError> {
        self.accounts
            .get(id as usize)
            .map(String::as_str)
            .ok_or_else(|| CodecError(format!("unknown account id {id}")))
    }
    pub fn commodity(&self, id: u32) -> Result<&str, CodecError> {
        self.commodities
            .get(id as usize)
            .map(String::as_str)
            .ok_or_else(|| CodecError(format!("unknown commodity id {id}")))
    }
    fn account_id(&self, name: &str) -> Result<u32, CodecError> {
        self.account_ids
            .get(name)
            .copied()
            .ok_or_else(|| CodecError(format!("account {name} has no id")))
    }
    fn commodity_id(&self, code: &str) -> Result<u32, CodecError> {
        self.commodity_ids
            .get(code)
            .copied()
            .ok_or_else(|| CodecError(format!("commodity {code} has no id")))
    }

    /// A completed model transaction (every amount present) in stored form. Takes the
    /// transaction so that its strings move rather than copy (the import's hot path).
    pub fn to_raw(&self, t: Transaction) -> Result<RawTxn, CodecError> {
        let mut postings = Vec::with_capacity(t.postings.len());
        for p in t.postings {
            let a = p
                .amount
                .as_ref()
                .ok_or_else(|| CodecError("posting without amount".into()))?;
            let price = match &p.price {
                None => None,
                Some(Price::Unit(pa)) => {
                    Some((PriceKind::Unit, self.commodity_id(&pa.commodity)?, pa.value))
                }
                Some(Price::Total(pa)) => Some((
                    PriceKind::Total,
                    self.commodity_id(&pa.commodity)?,
                    pa.value,
                )),
            };
            let assertion = match &p.assertion {
                None => None,
                Some(x) => Some((self.commodity_id(&x.commodity)?, x.value)),
            };
            postings.push(RawPosting {
                account: self.account_id(&p.account)?,
                commodity: self.commodity_id(&a.commodity)?,
                value: a.value,
                price,
                assertion,
                tags: p.tags,
            });
        }
        Ok(RawTxn {
            date: t.date.packed(),
            status: t.status,
            code: t.code,
            description: t.description,
            id: t.id,
            tags: t.tags,
            postings,
        })
    }

    /// A stored transaction back in model form.
    pub fn to_model(&self, r: &RawTxn) -> Result<Transaction, CodecError> {
        let mut t = Transaction {
            date: Date::from_packed(r.date).map_err(|e| CodecError(e.to_string()))?,
            status: r.status,
            code: None,
            description: String::new(),
            tags: Vec::new(),
            id: None,
            postings: Vec::new(),
        };
        self.fill_model(r, &mut t)?;
        Ok(t)
    }

    /// A stored transaction back in model form, into `t`: its strings and vectors are
    /// refilled, so a scan that lends one transaction after another allocates nothing once
    /// they have grown to fit.
    pub fn fill_model(&self, r: &RawTxn, t: &mut Transaction) -> Result<(), CodecError> {
        t.date = Date::from_packed(r.date).map_err(|e| CodecError(e.to_string()))?;
        t.status = r.status;
        set_opt_str(&mut t.code, r.code.as_deref());
        set_str(&mut t.description, &r.description);
        set_tags(
            &mut t.tags,
            r.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        set_opt_str(&mut t.id, r.id.as_deref());
        t.postings.truncate(r.postings.len());
        for (i, p) in r.postings.iter().enumerate() {
            if i == t.postings.len() {
                t.postings.push(Posting::new("", None));
            }
            self.fill_posting(p, &mut t.postings[i])?;
        }
        Ok(())
    }

    fn fill_posting(&self, p: &RawPosting, to: &mut Posting) -> Result<(), CodecError> {
        set_str(&mut to.account, self.account(p.account)?);
        set_amount(&mut to.amount, p.value, self.commodity(p.commodity)?);
        to.price = match p.price {
            None => None,
            Some((kind, c, v)) => {
                let a = Amount::new(v, self.commodity(c)?);
                Some(match kind {
                    PriceKind::Unit => Price::Unit(a),
                    PriceKind::Total => Price::Total(a),
                })
            }
        };
        match p.assertion {
            None => to.assertion = None,
            Some((c, v)) => set_amount(&mut to.assertion, v, self.commodity(c)?),
        }
        set_tags(
            &mut to.tags,
            p.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        Ok(())
    }
}

/// `slot` holds `s`, in the allocation it has.
fn set_str(slot: &mut String, s: &str) {
    slot.clear();
    slot.push_str(s);
}

fn set_opt_str(slot: &mut Option<String>, s: Option<&str>) {
    match (slot.as_mut(), s) {
        (Some(held), Some(s)) => set_str(held, s),
        (None, Some(s)) => *slot = Some(s.to_string()),
        (_, None) => *slot = None,
    }
}

fn set_amount(slot: &mut Option<Amount>, value: Decimal, commodity: &str) {
    match slot {
        Some(a) => {
            a.value = value;
            set_str(&mut a.commodity, commodity);
        }
        None => *slot = Some(Amount::new(value, commodity)),
    }
}

/// `slot` holds `tags`, reusing the strings it has.
fn set_tags<'a>(
    slot: &mut Vec<(String, String)>,
    tags: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
) {
    slot.truncate(tags.len());
    for (i, (k, v)) in tags.enumerate() {
        match slot.get_mut(i) {
            Some((held_k, held_v)) => {
                set_str(held_k, k);
                set_str(held_v, v);
            }
            None => slot.push((k.to_string(), v.to_string())),
        }
    }
}

fn enc_tags(e: &mut Enc, tags: &[(String, String)]) {
    e.var(tags.len() as u64);
    for (k, v) in tags {
        e.str(k);
        e.str(v);
    }
}

/// Tags read into `slot`, reusing the strings it has.
fn dec_tags_into(d: &mut Dec, slot: &mut Vec<(String, String)>) -> Result<(), CodecError> {
    let n = d.var()? as usize;
    slot.truncate(n);
    for i in 0..n {
        let (k, v) = (d.str()?, d.str()?);
        match slot.get_mut(i) {
            Some((held_k, held_v)) => {
                set_str(held_k, k);
                set_str(held_v, v);
            }
            None => slot.push((k.to_string(), v.to_string())),
        }
    }
    Ok(())
}

/// The content bytes of a transaction: what the chain hash and the idempotency hash cover.
pub fn encode_txn(e: &mut Enc, t: &RawTxn) {
    e.var(u64::from(t.date));
    e.u8(match t.status {
        Status::Unmarked => 0,
        Status::Pending => 1,
        Status::Cleared => 2,
    });
    e.opt_str(t.code.as_deref());
    e.str(&t.description);
    e.opt_str(t.id.as_deref());
    enc_tags(e, &t.tags);
    e.var(t.postings.len() as u64);
    for p in &t.postings {
        e.var(u64::from(p.account));
        e.var(u64::from(p.commodity));
        e.dec(p.value);
        match p.price {
            None => e.u8(0),
            Some((kind, c, v)) => {
                e.u8(match kind {
                    PriceKind::Unit => 1,
                    PriceKind::Total => 2,
                });
                e.var(u64::from(c));
                e.dec(v);
            }
        }
        match p.assertion {
            None => e.u8(0),
            Some((c, v)) => {
                e.u8(1);
                e.var(u64::from(c));
                e.dec(v);
            }
        }
        enc_tags(e, &p.tags);
    }
}

pub fn decode_txn(d: &mut Dec) -> Result<RawTxn, CodecError> {
    let mut t = RawTxn::default();
    decode_txn_into(d, &mut t)?;
    Ok(t)
}

/// [`decode_txn`] into `t`, reusing its strings and vectors.
pub fn decode_txn_into(d: &mut Dec, t: &mut RawTxn) -> Result<(), CodecError> {
    t.date = d.var32()?;
    t.status = match d.u8()? {
        0 => Status::Unmarked,
        1 => Status::Pending,
        2 => Status::Cleared,
        _ => return Err(CodecError("bad status".into())),
    };
    set_opt_str(&mut t.code, d.opt_str()?);
    set_str(&mut t.description, d.str()?);
    set_opt_str(&mut t.id, d.opt_str()?);
    dec_tags_into(d, &mut t.tags)?;
    let n = d.var()? as usize;
    t.postings.truncate(n);
    for i in 0..n {
        if i == t.postings.len() {
            t.postings.push(RawPosting::default());
        }
        decode_posting(d, &mut t.postings[i])?;
    }
    Ok(())
}

fn decode_posting(d: &mut Dec, p: &mut RawPosting) -> Result<(), CodecError> {
    p.account = d.var32()?;
    p.commodity = d.var32()?;
    p.value = d.dec()?;
    p.price = match d.u8()? {
        0 => None,
        k @ (1 | 2) => Some((
            if k == 1 {
                PriceKind::Unit
            } else {
                PriceKind::Total
            },
            d.var32()?,
            d.dec()?,
        )),
        _ => return Err(CodecError("bad price tag".into())),
    };
    p.assertion = match d.u8()? {
        0 => None,
        1 => Some((d.var32()?, d.dec()?)),
        _ => return Err(CodecError("bad assertion tag".into())),
    };
    dec_tags_into(d, &mut p.tags)
}

/// The digest of a transaction's content bytes: its first 16 bytes are the idempotency hash,
/// and the chain hash covers it.
pub fn digest(content: &[u8]) -> [u8; 32] {
    *blake3::hash(content).as_bytes()
}

/// The chain hash from the previous one and a transaction's digest: one compression block.
pub fn link(prev: &[u8; 32], digest: &[u8; 32]) -> [u8; 32] {
    // blake3 of the two side by side: the one-shot hash of 64 bytes, without a `Hasher` (a
    // 1.9 KB state set up for every transaction of an import).
    let mut both = [0u8; 64];
    both[..32].copy_from_slice(prev);
    both[32..].copy_from_slice(digest);
    *blake3::hash(&both).as_bytes()
}

/// The idempotency hash within a digest.
pub fn idempotency(digest: &[u8; 32]) -> [u8; 16] {
    let mut idem = [0u8; 16];
    idem.copy_from_slice(&digest[..16]);
    idem
}

/// The chain hash of a transaction and its idempotency hash, from one digest of its content:
/// `digest = blake3(content)`, `chain = blake3(previous chain hash ‖ digest)`, and the
/// idempotency hash is the digest's first 16 bytes.
pub fn chain_link(prev: &[u8; 32], content: &[u8]) -> ([u8; 32], [u8; 16]) {
    let d = digest(content);
    (link(prev, &d), idempotency(&d))
}

/// The chain hash: covers the previous transaction's hash and this one's content.
pub fn chain_hash(prev: &[u8; 32], content: &[u8]) -> [u8; 32] {
    chain_link(prev, content).0
}

/// The idempotency hash of a transaction's content (its id included).
pub fn content_hash(content: &[u8]) -> [u8; 16] {
    chain_link(&[0; 32], content).1
}

/// A block: up to `BLOCK_TXNS` transactions, each as (content length, content, chain hash).
/// Appending to a block is appending bytes; the count at the front is rewritten.
#[derive(Debug, Clone, Default)]
pub struct BlockBuf {
    pub count: u32,
    pub body: Vec<u8>,
}

impl BlockBuf {
    pub fn push(&mut self, content: &[u8], hash: &[u8; 32]) {
        let mut e = Enc {
            buf: std::mem::take(&mut self.body),
        };
        e.var(content.len() as u64);
        e.bytes(content);
        e.bytes(hash);
        self.body = e.buf;
        self.count += 1;
    }

    pub fn to_value(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.body.len() + 5);
        v.push(RECORD_VERSION);
        v.extend_from_slice(&self.count.to_le_bytes());
        v.extend_from_slice(&self.body);
        v
    }

    pub fn from_value(v: &[u8]) -> Result<BlockBuf, CodecError> {
        let mut d = Dec::new(v);
        if d.u8()? != RECORD_VERSION {
            return Err(CodecError("unknown block version".into()));
        }
        let count = d.u32_le()?;
        Ok(BlockBuf {
            count,
            body: v[d.pos()..].to_vec(),
        })
    }
}

/// One stored transaction of a block: its content bytes and its stored chain hash.
pub type Entry<'a> = (&'a [u8], [u8; 32]);

/// Iterate a block's value: (content bytes, stored chain hash) for each transaction.
pub fn block_entries(v: &[u8]) -> Result<Vec<Entry<'_>>, CodecError> {
    let mut d = Dec::new(v);
    if d.u8()? != RECORD_VERSION {
        return Err(CodecError("unknown block version".into()));
    }
    let count = d.u32_le()? as usize;
    let mut out = Vec::with_capacity(count.min(super::BLOCK_TXNS));
    for _ in 0..count {
        let n = usize::try_from(d.var()?).map_err(|_| CodecError("length".into()))?;
        let content = d.take(n)?;
        let hash = d.hash()?;
        out.push((content, hash));
    }
    if !d.is_empty() {
        return Err(CodecError(
            "trailing bytes after the last transaction".into(),
        ));
    }
    Ok(out)
}

/// What a block changes, for `--as-of` without reading the block: its date range and the net
/// change per (account, commodity).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub min_date: u32,
    pub max_date: u32,
    pub deltas: Vec<(u32, u32, Decimal)>,
}

impl Summary {
    pub fn to_value(&self) -> Vec<u8> {
        let mut e = Enc::with_capacity(16 + self.deltas.len() * 20);
        e.u8(RECORD_VERSION);
        e.var(u64::from(self.min_date));
        e.var(u64::from(self.max_date));
        e.var(self.deltas.len() as u64);
        for (a, c, v) in &self.deltas {
            e.var(u64::from(*a));
            e.var(u64::from(*c));
            e.dec(*v);
        }
        e.buf
    }

    pub fn from_value(v: &[u8]) -> Result<Summary, CodecError> {
        let mut d = Dec::new(v);
        if d.u8()? != RECORD_VERSION {
            return Err(CodecError("unknown summary version".into()));
        }
        let min_date = d.var32()?;
        let max_date = d.var32()?;
        let n = d.var()? as usize;
        let mut deltas = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            deltas.push((d.var32()?, d.var32()?, d.dec()?));
        }
        Ok(Summary {
            min_date,
            max_date,
            deltas,
        })
    }
}
