//! Loading journal files into the store: every file given, all or nothing.
//!
//! Directives stream from the parser into one store [`Writer`]; the first error (syntax, model
//! or store) abandons the writer, so nothing of any file is committed. Declarations that are
//! already in the store with the same content are skipped, and transactions whose id is already
//! recorded with the same content are no-ops, so importing a file twice adds nothing (the ids
//! are checked at the commit, and an import that repeats one runs again: see
//! `import_files`). A file whose exact bytes were imported before is refused as a whole
//! unless it is harmless: its id-less transactions would otherwise be recorded twice.

use crate::journal::{self, Directive, JournalError, Located, Location};
use crate::model::ledger::Chart;
use crate::model::terms::AgreementRules;
use crate::store::record::Names;
use crate::store::{
    declare_account, declare_commodity, declare_party, Added, Checked, CommitReport, IdCheck,
    PreparedBatch, Store, StoreError, Writer,
};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use thiserror::Error;

/// Directives parsed per batch handed from the parser thread to the writer.
const PARSE_BATCH: usize = 4096;
/// Batches the parser may run ahead of the writer.
const PARSE_QUEUE: usize = 4;
/// Batches waiting for the writer from which the parser thread takes the digests itself.
const DIGESTS_HERE_WAITING: usize = 2;
/// For sizing up front the table of new ids of a writer that checks each id (an import's run
/// again): a transaction with an id takes a little over 100 bytes of journal (the generated one
/// 116). The guess may be low: the table has room for twice the guess, rounded up to a power of
/// two, before it grows. A file with fewer ids costs only address space (see `store/fresh.rs`).
const BYTES_PER_ID_GUESS: u64 = 128;
const IDS_GUESS_MAX: usize = 1 << 24;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A directive the model or the store refused, with where it came from.
    #[error("{at}: {source}")]
    At {
        at: Location,
        #[source]
        source: StoreError,
    },
    /// An agreement whose terms the module that gives its kind a meaning refused.
    #[error("{at}: {source}")]
    Terms {
        at: Location,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

/// What an import added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub files: Vec<PathBuf>,
    /// Files whose exact bytes had been imported before, and were skipped whole.
    pub seen_before: Vec<PathBuf>,
    pub added: CommitReport,
}

/// How far an import has read: bytes of the files given (includes not counted), and their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub bytes: u64,
    pub total: u64,
    /// Whether this is the import's run again, checking each id, after its first run found an
    /// id repeated or failed (see `import_files`): `bytes` starts from 0 again.
    pub again: bool,
}

/// Import `paths` into `store` atomically. `progress` is called every few thousand directives.
pub fn import(
    store: &mut Store,
    paths: &[PathBuf],
    mut progress: impl FnMut(Progress),
) -> Result<ImportReport, ImportError> {
    import_files(store, paths, Vec::new(), IdCheck::AtCommit, &mut progress)
}

/// The import of `paths`, `seen_before` having been skipped already, its ids checked as
/// `check` says.
///
/// The first run checks ids at the commit, in memory that does not grow with them
/// (`store/deferred.rs`). Where that finds a repeated id, where a sampled id (the 1st, 2nd,
/// 4th... given), looked up as it comes, is stored already (`Writer::repeats_stored`: a file
/// that has grown since it was imported stops within its first batch), or where the run fails
/// at or after a transaction with an id (the failure may come from a repeat not yet
/// recognised), nothing is committed and the import runs again checking each id as it comes:
/// that run skips repeats, and reports exactly what a user must fix.
///
/// Each file's fingerprint (blake3 of its bytes, to skip a file imported before) is taken on a
/// thread of its own while the import runs (for the 116 MB journal, 26 ms that were spent
/// before anything else started). Only then is it known whether a file was imported before,
/// which is rare: the import, not committed, is then dropped and run again without it.
fn import_files(
    store: &mut Store,
    paths: &[PathBuf],
    mut seen_before: Vec<PathBuf>,
    check: IdCheck,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportReport, ImportError> {
    // The fingerprints as soon as they are all taken, for the writer to look at between
    // batches: a file imported before stops the import there, not at its end.
    let ready: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    let (fingerprints, outcome) = std::thread::scope(|scope| {
        let fingerprints = std::thread::Builder::new()
            .name("fingerprint".into())
            .spawn_scoped(scope, || {
                let fps = paths
                    .iter()
                    .map(|p| fingerprint(p))
                    .collect::<Result<Vec<_>, _>>()?;
                let _ = ready.set(fps.clone());
                Ok(fps)
            });
        let outcome = apply_files(store, paths, &ready, check.clone(), progress);
        let fingerprints = match fingerprints {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(ImportError::File {
                    path: PathBuf::from("(fingerprint thread)"),
                    message: "stopped unexpectedly".into(),
                })
            }),
            Err(e) => Err(ImportError::File {
                path: PathBuf::from("(fingerprint thread)"),
                message: format!("cannot start: {e}"),
            }),
        };
        (fingerprints, outcome)
    });
    let fingerprints = fingerprints?;
    let failed = match outcome {
        Ok(Applied::All(w)) => Ok(*w),
        Ok(Applied::SeenBefore) => Err(None),
        Ok(Applied::Again) => {
            return import_files(store, paths, seen_before, IdCheck::Each, progress);
        }
        Err(e) => Err(Some(e)),
    };
    let mut w = match failed {
        Ok(w) => w,
        Err(error) => {
            // A file imported before may also be what failed: without it, all may pass.
            let (kept, _, seen) = sort_out(paths, fingerprints, |fp| store.file_imported(fp))?;
            if seen.is_empty() {
                return Err(error.unwrap_or_else(|| {
                    StoreError::Damaged(
                        "an import stopped for a file imported before, and none was".into(),
                    )
                    .into()
                }));
            }
            seen_before.extend(seen);
            return import_files(store, &kept, seen_before, check, progress);
        }
    };
    let (kept, kept_fps, seen) = sort_out(paths, fingerprints, |fp| w.file_imported(fp))?;
    if !seen.is_empty() {
        drop(w);
        seen_before.extend(seen);
        return import_files(store, &kept, seen_before, check, progress);
    }
    for fp in kept_fps {
        w.mark_file_imported(fp);
    }
    let checked = match w.commit_checked() {
        Ok(c) => c,
        Err(e) => return Err(located(&kept, e)),
    };
    match checked {
        Checked::Committed(added) => Ok(ImportReport {
            files: kept,
            seen_before,
            added,
        }),
        Checked::Again => import_files(store, &kept, seen_before, IdCheck::Each, progress),
    }
}

/// An error that the commit found (the rules that need the whole journal are checked there),
/// with the place in the files of the transaction it names, where one can be found: the
/// files are read again for it, on this error path only.
fn located(files: &[PathBuf], e: StoreError) -> ImportError {
    let wanted: Box<dyn Fn(&crate::model::ledger::Transaction) -> bool> = match &e {
        StoreError::NotOwed(n) => {
            let (id, description, date) = (n.id.clone(), n.description.clone(), n.date.clone());
            Box::new(move |t| match &id {
                Some(id) => t.id.as_deref() == Some(id.as_str()),
                None => t.description == description && t.date.to_string() == date,
            })
        }
        StoreError::Rule(r) => match r.as_ref() {
            crate::model::terms::RuleError::OffsetLimit { agreement, .. } => {
                let agreement = agreement.clone();
                Box::new(move |t| t.tag("agreement") == Some(agreement.as_str()))
            }
            _ => return e.into(),
        },
        _ => return e.into(),
    };
    // The first such transaction for a payment; the last offset under the agreement, which
    // took the total past its limit.
    let last = matches!(&e, StoreError::Rule(_));
    let mut at = None;
    'files: for path in files {
        let Ok(journal) = journal::open(path) else {
            continue;
        };
        for d in journal {
            let Ok(Located { at: here, item }) = d else {
                continue 'files;
            };
            if let Directive::Transaction(t) = item {
                if wanted(&t) {
                    at = Some(here);
                    if !last {
                        break 'files;
                    }
                }
            }
        }
    }
    match at {
        Some(at) => ImportError::At { at, source: e },
        None => e.into(),
    }
}

/// How far [`apply_files`] got.
enum Applied<'s> {
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

/// The files to import, with their fingerprints, and those to skip: imported by an earlier
/// commit, or given twice.
#[allow(clippy::type_complexity)]
fn sort_out(
    paths: &[PathBuf],
    fingerprints: Vec<[u8; 32]>,
    imported: impl Fn(&[u8; 32]) -> Result<bool, StoreError>,
) -> Result<(Vec<PathBuf>, Vec<[u8; 32]>, Vec<PathBuf>), StoreError> {
    let (mut kept, mut kept_fps, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    for (path, fp) in paths.iter().zip(fingerprints) {
        if imported(&fp)? || kept_fps.contains(&fp) {
            seen.push(path.clone());
        } else {
            kept.push(path.clone());
            kept_fps.push(fp);
        }
    }
    Ok((kept, kept_fps, seen))
}

/// Everything of `files` into a writer that checks ids as `check` says.
fn apply_files<'s>(
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
    // Two stages on two threads. The parser thread reads, parses, and prepares each
    // transaction (checks it against the chart and encodes it, and digests it while the
    // writer has batches waiting: `PreparedBatch::prepare`),
    // keeping its own copy of the chart, changed by the file's declarations exactly as the
    // writer changes its own, so both assign the same ids. This thread then applies the
    // batches in order: what needs the running state (ids seen, balances, assertions, floors,
    // the hash chain). A bounded channel keeps memory flat; an error on either side stops both
    // (the parser's send fails once the receiver is gone), and the first error in file order
    // is the one reported.
    let bytes_read = Arc::new(AtomicU64::new(0));
    // Batches sent and not yet taken by the writer: while some wait, the parser thread takes
    // the digests itself (see `PreparedBatch::set_digests_here`).
    let waiting = Arc::new(AtomicUsize::new(0));
    let waiting_parser = waiting.clone();
    let counter = bytes_read.clone();
    let (mut chart, mut names, mut rules) = (
        w.chart().clone(),
        w.names().clone(),
        w.rulebook().clone_box(),
    );
    let mut examined = false;
    // What stopped the writer early, if anything did.
    let stopped = std::thread::scope(|scope| -> Result<Option<Applied<'s>>, ImportError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Parsed, ImportError>>(PARSE_QUEUE);
        // Spent batches go back to the parser to be filled again: their buffers are allocated
        // once, on one thread.
        let (back_tx, back_rx) = std::sync::mpsc::channel::<Parsed>();
        let parser = std::thread::Builder::new()
            .name("parser".into())
            .spawn_scoped(scope, move || {
                let mut done = 0u64;
                let mut batch = Parsed::default();
                // Hands over what is parsed so far and stops at the first error.
                let stop = |batch: Parsed, e: Option<ImportError>| {
                    if !batch.items.is_empty() {
                        waiting_parser.fetch_add(1, Ordering::Relaxed);
                        let _ = tx.send(Ok(batch));
                    }
                    if let Some(e) = e {
                        waiting_parser.fetch_add(1, Ordering::Relaxed);
                        let _ = tx.send(Err(e));
                    }
                };
                for path in files {
                    let count = Arc::new(AtomicU64::new(0));
                    let journal = match journal::open_counting(path, count.clone()) {
                        Ok(j) => j,
                        Err(e) => return stop(batch, Some(e.into())),
                    };
                    for d in journal {
                        let Located { at, item } = match d {
                            Ok(d) => d,
                            Err(e) => return stop(batch, Some(e.into())),
                        };
                        match item {
                            Directive::Transaction(t) => {
                                match batch.prepared.prepare(t, &chart, &names, rules.as_ref()) {
                                    Ok(_) => batch.items.push(Item::Prepared(at)),
                                    Err(source) => {
                                        return stop(batch, Some(ImportError::At { at, source }))
                                    }
                                }
                            }
                            other => {
                                let declared =
                                    declare_ahead(&mut chart, &mut names, &mut rules, &other);
                                batch
                                    .items
                                    .push(Item::Directive(Located { at, item: other }));
                                if !declared {
                                    // The writer refuses this declaration too, and stops there.
                                    return stop(batch, None);
                                }
                            }
                        }
                        if batch.items.len() == PARSE_BATCH {
                            counter.store(done + count.load(Ordering::Relaxed), Ordering::Relaxed);
                            let mut next: Parsed = back_rx.try_recv().unwrap_or_default();
                            let behind = waiting_parser.fetch_add(1, Ordering::Relaxed) + 1;
                            next.prepared
                                .set_digests_here(behind >= DIGESTS_HERE_WAITING);
                            if tx.send(Ok(std::mem::replace(&mut batch, next))).is_err() {
                                return;
                            }
                        }
                    }
                    done += count.load(Ordering::Relaxed);
                    counter.store(done, Ordering::Relaxed);
                }
                stop(batch, None);
            });
        if let Err(e) = parser {
            return Err(ImportError::File {
                path: PathBuf::from("(parser thread)"),
                message: format!("cannot start: {e}"),
            });
        }
        for batch in rx {
            waiting.fetch_sub(1, Ordering::Relaxed);
            if !examined {
                if let Some(fps) = ready.get() {
                    examined = true;
                    if !sort_out(files, fps.clone(), |fp| w.file_imported(fp))?
                        .2
                        .is_empty()
                    {
                        return Ok(Some(Applied::SeenBefore));
                    }
                }
            }
            let mut batch = batch?;
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
                                return Ok(Some(Applied::Again));
                            }
                            return Err(ImportError::At { at, source });
                        }
                    }
                    Item::Directive(d) => {
                        let at = d.at;
                        check_terms(&w, &d.item).map_err(|source| ImportError::Terms {
                            at: at.clone(),
                            source,
                        })?;
                        apply(&mut w, d.item).map_err(|source| ImportError::At { at, source })?;
                    }
                }
            }
            if w.repeats_stored() {
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

/// blake3 of a file's bytes, streamed.
fn fingerprint(path: &Path) -> Result<[u8; 32], ImportError> {
    let file_err = |e: std::io::Error| ImportError::File {
        path: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    };
    let mut f = std::fs::File::open(path).map_err(file_err)?;
    let mut h = blake3::Hasher::new();
    // Large reads: with `io::copy`'s 8 KiB the system calls took as long as the hashing
    // (116 MB: 38 ms, 18 ms with 1 MiB).
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                h.update(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(file_err(e)),
        }
    }
    Ok(*h.finalize().as_bytes())
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
        Directive::Statement(_) | Directive::Transaction(_) => true,
    }
}

/// One directive into the writer. Re-declaring something with identical content is a no-op.
pub fn apply(w: &mut Writer, d: Directive) -> Result<(), StoreError> {
    match d {
        Directive::Commodity(c) => match w.chart().commodities.get(&c.code) {
            Some(old) if *old == c => Ok(()),
            _ => w.add_commodity(c),
        },
        Directive::Party(p) => match w.chart().parties.get(&p.code) {
            Some(old) if *old == p => Ok(()),
            _ => w.add_party(p),
        },
        Directive::Account(a) => match w.chart().accounts.get(&a.name) {
            Some(old) if *old == a => Ok(()),
            _ => w.add_account(a),
        },
        Directive::Agreement(a) => w.add_agreement(a).map(|_| ()),
        Directive::Statement(s) => w.add_statement(s).map(|_| ()),
        Directive::Transaction(t) => w.append(t).map(|_: Added| ()),
    }
}
