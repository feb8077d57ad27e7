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
use crate::store::{Added, Checked, CommitReport, IdCheck, Store, StoreError, Writer};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use thiserror::Error;

mod pipeline;
use pipeline::{apply_files, Applied};

/// For sizing up front the table of new ids of a writer that checks each id (an import's run
/// again): a transaction with an id takes a little over 100 bytes of journal (the generated one
/// 116). The guess may be low: the table has room for twice the guess, rounded up to a power of
/// two, before it grows. A file with fewer ids costs only address space (see `store/ids/fresh.rs`).
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
/// (`store/ids/deferred.rs`). Where that finds a repeated id, where a sampled id (the 1st, 2nd,
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
    let (fingerprints, outcome) = with_fingerprints(paths, |ready| {
        apply_files(store, paths, ready, check.clone(), progress)
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
    let wanted: Box<dyn Fn(&crate::model::transaction::Transaction) -> bool> = match &e {
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
        StoreError::Reversal { id, .. } => {
            let id = id.clone();
            Box::new(move |t| t.tag("reverses") == Some(id.as_str()))
        }
        _ => return e.into(),
    };
    // The first such transaction for a payment; the last offset under the agreement, which
    // took the total past its limit; the last reversal of a transaction (a second reversal is
    // the one refused).
    let last = matches!(&e, StoreError::Rule(_) | StoreError::Reversal { .. });
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

/// Run `apply` while the files' fingerprints are taken on a thread beside it; `apply` sees
/// them as soon as they are all taken (through the `OnceLock`), to look at between batches: a
/// file imported before stops the import there, not at its end.
fn with_fingerprints<T>(
    paths: &[PathBuf],
    apply: impl FnOnce(&OnceLock<Vec<[u8; 32]>>) -> T,
) -> (Result<Vec<[u8; 32]>, ImportError>, T) {
    let ready: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    std::thread::scope(|scope| {
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
        let outcome = apply(&ready);
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
    })
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
        Directive::Price(f) => w.add_fixing(f).map(|_| ()),
        Directive::Transaction(t) => w.append(t).map(|_: Added| ()),
    }
}
