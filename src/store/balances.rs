//! The running balances: as stored, as of a date (stored balances less the later blocks' net
//! changes, or a replay), and the balances view that lets a report skip sled.

use super::*;

impl Store {
    /// Stored running balances, keyed by (account id, commodity id). O(accounts).
    pub(super) fn raw_balances(&self) -> Result<BTreeMap<(u32, u32), Decimal>, StoreError> {
        let mut out = BTreeMap::new();
        for kv in self.db.scan_prefix(b"b")? {
            let (k, v) = kv?;
            if k.len() != 9 {
                return Err(StoreError::Damaged("balance key".into()));
            }
            let a = u32::from_be_bytes([k[1], k[2], k[3], k[4]]);
            let c = u32::from_be_bytes([k[5], k[6], k[7], k[8]]);
            let mut d = Dec::new(&v);
            if d.u8()? != record::RECORD_VERSION {
                return Err(StoreError::Damaged("balance version".into()));
            }
            out.insert((a, c), d.dec()?);
        }
        Ok(out)
    }

    pub(super) fn named(&self, raw: BTreeMap<(u32, u32), Decimal>) -> Result<Balances, StoreError> {
        let mut out = Balances::new();
        for ((a, c), v) in raw {
            if !v.is_zero() {
                out.insert(
                    (
                        self.names.account(a)?.to_string(),
                        self.names.commodity(c)?.to_string(),
                    ),
                    v,
                );
            }
        }
        Ok(out)
    }

    /// The committed balances and chart of the store at `path`, from the balances view when
    /// it is current (no sled opened: see `view.rs`), else from the store itself (which then
    /// leaves a current view behind).
    /// An interrupted commit that opening the store found is returned beside it (see
    /// [`Store::recovered`]).
    pub fn balances_view(
        path: &Path,
        lock_timeout: Duration,
    ) -> Result<(view::View, Option<Recovered>), StoreError> {
        if let Some(v) = view::read_current(path) {
            return Ok((v, None));
        }
        let store = Store::open(path, Access::Read, lock_timeout)?;
        let v = view::View {
            head: store.head,
            chart: store.chart.clone(),
            balances: store.balances()?,
        };
        Ok((v, store.recovered))
    }

    /// Leave a current balances view behind: only if sled, the anchor and this handle agree
    /// on the head (a failed commit leaves them apart), and only once sled is closed.
    pub(super) fn publish_view(&mut self) -> Result<(), StoreError> {
        let v = self
            .db
            .get(KEY_HEAD)?
            .ok_or_else(|| StoreError::Damaged("the head record is missing".into()))?;
        if Head::from_value(&v)? != self.head || anchor::read(&self.path)? != Some(self.head) {
            return Ok(());
        }
        let balances = self.balances()?;
        self.db.close()?;
        super::faults::pass(super::faults::Point::BeforeView);
        view::write(&self.path, &self.head, &self.chart, &balances)
    }

    /// Current balances, non-zero only: read from the running balances, O(accounts).
    pub fn balances(&self) -> Result<Balances, StoreError> {
        self.named(self.raw_balances()?)
    }

    /// Balances at the end of `date`: whole blocks are added from their summaries, only
    /// blocks whose date range straddles `date` are read.
    pub fn balances_as_of(&self, date: Date) -> Result<Balances, StoreError> {
        let cut = date.packed();
        let mut sums: BTreeMap<(u32, u32), Decimal> = BTreeMap::new();
        let add = |sums: &mut BTreeMap<(u32, u32), Decimal>,
                   a,
                   c,
                   v: Decimal|
         -> Result<(), StoreError> {
            let slot = sums.entry((a, c)).or_default();
            *slot = crate::model::amount::exact_add(*slot, v, String::new).map_err(|_| {
                StoreError::Damaged("a balance leaves the exact range on replay".into())
            })?;
            Ok(())
        };
        for i in 0..self.block_count() {
            let v = self
                .db
                .get(summary_key(i))?
                .ok_or_else(|| StoreError::Damaged(format!("summary of block {i} is missing")))?;
            self.db.scanned(v.len())?;
            let s = Summary::from_value(&v)?;
            if s.max_date <= cut {
                for (a, c, v) in s.deltas {
                    add(&mut sums, a, c, v)?;
                }
            } else if s.min_date <= cut {
                for t in self.block_txns(i)? {
                    let (_, t) = t;
                    if t.date <= cut {
                        for p in &t.postings {
                            add(&mut sums, p.account, p.commodity, p.value)?;
                        }
                    }
                }
            }
        }
        self.named(sums)
    }
}
