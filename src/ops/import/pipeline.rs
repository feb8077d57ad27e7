//! The import's two stages on two threads. The parser thread reads, parses, and prepares
//! each transaction (checks it against the chart and encodes it, and digests it while the
//! writer has batches waiting: `PreparedBatch::prepare`), keeping its own copy of the chart,
//! changed by the file's declarations exactly as the writer changes its own, so both assign
//! the same ids. The calling thread then applies the batches in order: what needs the running
//! state (ids seen, balances, assertions, floors, the hash chain). A bounded channel keeps
//! memory flat; an error on either side stops both (the parser's send fails once the receiver
//! is gone), and the first error in file order is the one reported.

use super::{apply, sort_out, ImportError, Progress, BYTES_PER_ID_GUESS, IDS_GUESS_MAX};
use crate::journal::{self, Directive, Located, Location};
use crate::model::chart::Chart;
use crate::model::terms::AgreementRules;
use crate::store::record::Names;
use crate::store::{
    declare_account, declare_commodity, declare_party, IdCheck, PreparedBatch, Store, StoreError,
    Writer,
};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, OnceLock};

/// Directives parsed per batch handed from the parser thread to the writer.
const PARSE_BATCH: usize = 4096;
/// Batches the parser may run ahead of the writer.
const PARSE_QUEUE: usize = 4;
/// Batches waiting for the writer from which the parser thread takes the digests itself.
const DIGESTS_HERE_WAITING: usize = 2;

/// How far [`apply_files`] got.
pub(super) enum Applied<'s> {
    /// Everything, into this writer, not committed.
    All(Box<Writer<'s>>),
    /// The fingerprints, once ready, showed a file imported before (or given twice): the
    /// import must start again without it.
    SeenBefore,
    /// A transaction failed where an id checked only at the commit may have been a repeat,
    /// or a sampled id is stored already (a repeat the commit would find): the import must run
    /// again checking each id.
    Again,
}

/// Everything of `files` into a writer that checks ids as `check` says.
pub(super) fn apply_files<'s>(
    store: &'s mut Store,
    files: &[PathBuf],
    ready: &OnceLock<Vec<[u8; 32]>>,
    check: IdCheck,
    progress: &mut dyn FnMut(Progress),
) -> Result<Applied<'s>, ImportError> {
    let total = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let again = check == IdCheck::Each;
    let mut w = store.writer_checking(check)?;
    w.reserve_ids(
        usize::try_from(total / BYTES_PER_ID_GUESS).map_or(IDS_GUESS_MAX, |n| n.min(IDS_GUESS_MAX)),
    );
    let bytes_read = Arc::new(AtomicU64::new(0));
    // Batches sent and not yet taken by the writer: while some wait, the parser thread takes
    // the digests itself (see `PreparedBatch::set_digests_here`).
    let waiting = Arc::new(AtomicUsize::new(0));
    let stopped = std::thread::scope(|scope| -> Result<Option<Applied<'s>>, ImportError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Parsed, ImportError>>(PARSE_QUEUE);
        // Spent batches go back to the parser to be filled again: their buffers are allocated
        // once, on one thread.
        let (back_tx, back_rx) = std::sync::mpsc::channel::<Parsed>();
        let parser = Parser {
            files,
            chart: w.chart().clone(),
            names: w.names().clone(),
            rules: w.rulebook().clone_box(),
            tx,
            back_rx,
            bytes_read: bytes_read.clone(),
            waiting: waiting.clone(),
        };
        if let Err(e) = std::thread::Builder::new()
            .name("parser".into())
            .spawn_scoped(scope, move || parser.run())
        {
            return Err(ImportError::File {
                path: PathBuf::from("(parser thread)"),
                message: format!("cannot start: {e}"),
            });
        }
        let mut examined = false;
        for batch in rx {
            waiting.fetch_sub(1, Ordering::Relaxed);
            if !examined && seen_before(files, ready, &w, &mut examined)? {
                return Ok(Some(Applied::SeenBefore));
            }
            let mut batch = batch?;
            if !apply_batch(&mut w, &mut batch)? {
                return Ok(Some(Applied::Again));
            }
            batch.prepared.clear();
            // The parser may have finished: then the batch is simply dropped.
            let _ = back_tx.send(batch);
            progress(Progress {
                bytes: bytes_read.load(Ordering::Relaxed),
                total,
                again,
            });
        }
        Ok(None)
    })?;
    Ok(stopped.unwrap_or_else(|| Applied::All(Box::new(w))))
}

/// Whether one of `files` was imported before, once their fingerprints are ready (which sets
/// `examined`): the writer looks between batches, so that such a file stops the import early.
fn seen_before(
    files: &[PathBuf],
    ready: &OnceLock<Vec<[u8; 32]>>,
    w: &Writer,
    examined: &mut bool,
) -> Result<bool, ImportError> {
    let Some(fps) = ready.get() else {
        return Ok(false);
    };
    *examined = true;
    let (_, _, seen) = sort_out(files, fps.clone(), |fp| w.file_imported(fp))?;
    Ok(!seen.is_empty())
}

/// Apply one batch in file order. Returns false where the import must run again checking
/// each id (a failure at or after an id not yet checked, or a stored id repeated).
fn apply_batch(w: &mut Writer, batch: &mut Parsed) -> Result<bool, ImportError> {
    let mut next = 0;
    for item in batch.items.drain(..) {
        match item {
            Item::Prepared(at) => {
                let Some(p) = batch.prepared.get(next) else {
                    return Err(ImportError::At {
                        at,
                        source: StoreError::Damaged(
                            "a prepared transaction is missing from its batch".into(),
                        ),
                    });
                };
                next += 1;
                if let Err(source) = w.append_prepared(p) {
                    if w.ids_unchecked() {
                        return Ok(false);
                    }
                    return Err(ImportError::At { at, source });
                }
            }
            Item::Directive(d) => {
                let at = d.at;
                check_terms(w, &d.item).map_err(|source| ImportError::Terms {
                    at: at.clone(),
                    source,
                })?;
                apply(w, d.item).map_err(|source| ImportError::At { at, source })?;
            }
        }
    }
    Ok(!w.repeats_stored())
}

/// The parser thread: its own copy of the chart, names and rules, the channel to the writer
/// and the one that brings spent batches back, and the counters it shares with the writer.
struct Parser<'f> {
    files: &'f [PathBuf],
    chart: Chart,
    names: Names,
    rules: Box<dyn AgreementRules>,
    tx: SyncSender<Result<Parsed, ImportError>>,
    back_rx: Receiver<Parsed>,
    bytes_read: Arc<AtomicU64>,
    waiting: Arc<AtomicUsize>,
}

impl Parser<'_> {
    /// Parse and prepare every file, handing batches over, until the end or the first error.
    fn run(mut self) {
        let mut done = 0u64;
        let mut batch = Parsed::default();
        for path in self.files {
            let count = Arc::new(AtomicU64::new(0));
            let journal = match journal::open_counting(path, count.clone()) {
                Ok(j) => j,
                Err(e) => return self.stop(batch, Some(e.into())),
            };
            for d in journal {
                let Located { at, item } = match d {
                    Ok(d) => d,
                    Err(e) => return self.stop(batch, Some(e.into())),
                };
                match self.take(&mut batch, at, item) {
                    Ok(true) => {}
                    Ok(false) => return self.stop(batch, None),
                    Err(e) => return self.stop(batch, Some(e)),
                }
                if batch.items.len() == PARSE_BATCH {
                    let read = done + count.load(Ordering::Relaxed);
                    self.bytes_read.store(read, Ordering::Relaxed);
                    if !self.hand_over(&mut batch) {
                        return;
                    }
                }
            }
            done += count.load(Ordering::Relaxed);
            self.bytes_read.store(done, Ordering::Relaxed);
        }
        self.stop(batch, None);
    }

    /// One directive into the batch: a transaction prepared, anything else declared on the
    /// parser's chart too. Returns false after a declaration the writer will refuse (the
    /// writer stops there, with its own error).
    fn take(
        &mut self,
        batch: &mut Parsed,
        at: Location,
        item: Directive,
    ) -> Result<bool, ImportError> {
        if let Directive::Transaction(t) = item {
            batch
                .prepared
                .prepare(t, &self.chart, &self.names, self.rules.as_ref())
                .map_err(|source| ImportError::At {
                    at: at.clone(),
                    source,
                })?;
            batch.items.push(Item::Prepared(at));
            return Ok(true);
        }
        let declared = declare_ahead(&mut self.chart, &mut self.names, &mut self.rules, &item);
        batch.items.push(Item::Directive(Located { at, item }));
        Ok(declared)
    }

    /// Send a full batch, taking a spent one back to fill. Returns false once the writer has
    /// stopped.
    fn hand_over(&self, batch: &mut Parsed) -> bool {
        let mut next: Parsed = self.back_rx.try_recv().unwrap_or_default();
        let behind = self.waiting.fetch_add(1, Ordering::Relaxed) + 1;
        next.prepared
            .set_digests_here(behind >= DIGESTS_HERE_WAITING);
        self.tx.send(Ok(std::mem::replace(batch, next))).is_ok()
    }

    /// Hand over what is parsed so far, then the error that stopped the parser, if any.
    fn stop(&self, batch: Parsed, e: Option<ImportError>) {
        if !batch.items.is_empty() {
            self.waiting.fetch_add(1, Ordering::Relaxed);
            let _ = self.tx.send(Ok(batch));
        }
        if let Some(e) = e {
            self.waiting.fetch_add(1, Ordering::Relaxed);
            let _ = self.tx.send(Err(e));
        }
    }
}

/// An agreement is validated, before it is stored, by the module that gives its kind a meaning
/// (a swap's terms by `swap`, an offset's by `settle`).
fn check_terms(w: &Writer, d: &Directive) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if let Directive::Agreement(a) = d {
        crate::ops::rulebook::check_agreement(a, w.chart())?;
    }
    Ok(())
}

/// What the parser thread hands to the writer at a time: directives in file order, and the
/// transactions among them prepared into one shared batch.
#[derive(Default)]
struct Parsed {
    items: Vec<Item>,
    prepared: PreparedBatch,
}

/// A declaration (or agreement, statement) to apply, or the batch's next prepared transaction
/// (prepared against the chart as it stands at that point of the file), with where it came from.
enum Item {
    Directive(Located<Directive>),
    Prepared(Location),
}

/// A declaration applied to the parser thread's copy of the chart, with the rules of [`apply`]
/// (an identical re-declaration changes nothing). Returns false where the writer will refuse
/// the declaration.
fn declare_ahead(
    chart: &mut Chart,
    names: &mut Names,
    rules: &mut Box<dyn AgreementRules>,
    d: &Directive,
) -> bool {
    match d {
        Directive::Commodity(c) => {
            chart.commodities.get(&c.code) == Some(c)
                || declare_commodity(chart, names, c.clone()).is_ok()
        }
        Directive::Party(p) => {
            chart.parties.get(&p.code) == Some(p) || declare_party(chart, p.clone()).is_ok()
        }
        Directive::Account(a) => {
            chart.accounts.get(&a.name) == Some(a)
                || declare_account(chart, names, a.clone()).is_ok()
        }
        Directive::Agreement(a) => {
            rules.learn(a, chart);
            true
        }
        Directive::Price(f) => f.check(chart).is_ok() && rules.learn_fixing(f, chart),
        Directive::Statement(_) | Directive::Transaction(_) => true,
    }
}
