//! The binary encoding of stored records. Hand-written rather than serde-derived: blocks of a
//! thousand transactions are decoded on every `verify` and `--as-of`, and the layout is part of
//! the store's schema (a change here is a schema version change).
//!
//! Integers are LEB128 varints, strings are a varint length and UTF-8 bytes, decimals are the
//! 16 bytes of `Decimal::serialize` (not order-preserving: never used inside a key).

use rust_decimal::Decimal;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("stored record is damaged: {0}")]
pub struct CodecError(pub String);

fn damaged(what: &str) -> CodecError {
    CodecError(what.to_string())
}

#[derive(Default)]
pub struct Enc {
    pub buf: Vec<u8>,
}

impl Enc {
    pub fn with_capacity(n: usize) -> Enc {
        Enc {
            buf: Vec::with_capacity(n),
        }
    }
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn var(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }
    pub fn str(&mut self, s: &str) {
        self.var(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }
    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
    pub fn dec(&mut self, d: Decimal) {
        self.buf.extend_from_slice(&d.serialize());
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    pub fn u32_le(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
}

pub struct Dec<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    pub fn new(buf: &'a [u8]) -> Dec<'a> {
        Dec { buf, pos: 0 }
    }
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
    pub fn pos(&self) -> usize {
        self.pos
    }
    pub fn u8(&mut self) -> Result<u8, CodecError> {
        let b = *self.buf.get(self.pos).ok_or_else(|| damaged("truncated"))?;
        self.pos += 1;
        Ok(b)
    }
    pub fn var(&mut self) -> Result<u64, CodecError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            // The tenth byte holds the 64th bit only: anything more is not a varint we wrote.
            if shift == 63 && b > 1 {
                return Err(damaged("varint out of range"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(damaged("varint too long"))
    }
    pub fn var32(&mut self) -> Result<u32, CodecError> {
        u32::try_from(self.var()?).map_err(|_| damaged("number out of range"))
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| damaged("truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn str(&mut self) -> Result<&'a str, CodecError> {
        let n = usize::try_from(self.var()?).map_err(|_| damaged("length out of range"))?;
        std::str::from_utf8(self.take(n)?).map_err(|_| damaged("invalid UTF-8"))
    }
    pub fn opt_str(&mut self) -> Result<Option<&'a str>, CodecError> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.str()?)),
            _ => Err(damaged("bad option tag")),
        }
    }
    pub fn dec(&mut self) -> Result<Decimal, CodecError> {
        let b: [u8; 16] = self
            .take(16)?
            .try_into()
            .map_err(|_| damaged("truncated decimal"))?;
        // The flags word holds the scale in bits 16..24 and the sign in bit 31; anything
        // else set, or a scale over 28, is not a decimal we wrote.
        let flags = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        if flags & 0x7F00_FFFF != 0 || (flags >> 16) & 0xFF > 28 {
            return Err(damaged("invalid decimal"));
        }
        Ok(Decimal::deserialize(b))
    }
    pub fn hash(&mut self) -> Result<[u8; 32], CodecError> {
        self.take(32)?
            .try_into()
            .map_err(|_| damaged("truncated hash"))
    }
    pub fn u32_le(&mut self) -> Result<u32, CodecError> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| damaged("truncated"))?;
        Ok(u32::from_le_bytes(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn round_trip() {
        let mut e = Enc::default();
        e.var(0);
        e.var(300);
        e.var(u64::MAX);
        e.str("Sarakhs");
        e.opt_str(None);
        e.opt_str(Some("x"));
        e.dec(Decimal::from_str("-1600000000.00").unwrap());
        let mut d = Dec::new(&e.buf);
        assert_eq!(d.var().unwrap(), 0);
        assert_eq!(d.var().unwrap(), 300);
        assert_eq!(d.var().unwrap(), u64::MAX);
        assert_eq!(d.str().unwrap(), "Sarakhs");
        assert_eq!(d.opt_str().unwrap(), None);
        assert_eq!(d.opt_str().unwrap(), Some("x"));
        assert_eq!(d.dec().unwrap().to_string(), "-1600000000.00");
        assert!(d.is_empty());
        assert!(d.u8().is_err());
    }

    #[test]
    fn overlong_varint_is_refused() {
        let mut bytes = vec![0xff; 9];
        bytes.push(0x01);
        assert_eq!(Dec::new(&bytes).var().unwrap(), u64::MAX);
        let mut bytes = vec![0xff; 9];
        bytes.push(0x03);
        assert!(Dec::new(&bytes).var().is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut d = Dec::new(&[0xff; 20]);
        assert!(d.var().is_err());
        let mut d = Dec::new(&[0xff; 16]);
        assert!(d.dec().is_err());
        let mut d = Dec::new(&[5, b'a']);
        assert!(d.str().is_err());
    }
}
