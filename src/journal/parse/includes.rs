//! [`Journal`]: a source and, recursively, the files it includes, `include PATH` resolved
//! relative to the including file's folder, with cycles and depth refused; [`open`] and
//! [`open_counting`] for a file, [`parse_str`] for a text.

use super::lex::split_comment;
use super::reader::Parser;
use super::{Ctx, Item};
use crate::journal::{Directive, ErrorKind, JournalError, Located, Location, INCLUDE_DEPTH_MAX};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Size of the read buffer of a journal file.
const READ_BUF_SIZE: usize = 64 * 1024;

/// `include PATH`, relative to the including file's folder.
pub(super) fn include_directive(ctx: &Ctx, rest: &str) -> Result<Item, JournalError> {
    let (body, _) = split_comment(rest);
    let path = body.trim();
    if path.is_empty() {
        return Err(ctx.err(
            rest,
            "expected a file name after \"include\", found nothing",
        ));
    }
    if path.contains(['*', '?', '[']) {
        return Err(ctx.err(
            path,
            format!("include globs are not supported: expected one file name, found {path:?}"),
        ));
    }
    Ok(Item::Include {
        at: ctx.loc(path),
        path: path.to_string(),
    })
}

/// The directives of a journal and, recursively, of the files it includes, in reading order.
/// Stops after the first error.
pub struct Journal<R: BufRead = BufReader<File>> {
    root: Parser<R>,
    root_dir: PathBuf,
    /// The root's canonical path, when it is a file, for detecting include cycles.
    root_canonical: Option<PathBuf>,
    /// Included files being read, innermost last.
    includes: Vec<Frame>,
    failed: bool,
}

struct Frame {
    parser: Parser<BufReader<File>>,
    dir: PathBuf,
    canonical: PathBuf,
}

impl<R: BufRead> Journal<R> {
    /// A journal read from `reader`, named `name` in errors; includes are resolved relative to
    /// the folder of `name`.
    pub fn from_reader(name: &str, reader: R) -> Journal<R> {
        Journal {
            root: Parser::new(name, reader),
            root_dir: Path::new(name)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            root_canonical: None,
            includes: Vec::new(),
            failed: false,
        }
    }

    fn include(&mut self, at: Location, path: &str) -> Result<(), JournalError> {
        let dir = self.includes.last().map_or(&self.root_dir, |f| &f.dir);
        let full = dir.join(path);
        let name = full.display().to_string();
        if self.includes.len() >= INCLUDE_DEPTH_MAX {
            return Err(JournalError {
                at,
                kind: ErrorKind::Include,
                message: format!(
                    "cannot include {name}: includes are nested more than {INCLUDE_DEPTH_MAX} deep"
                ),
            });
        }
        let io_error = |e: std::io::Error| JournalError {
            at: at.clone(),
            kind: ErrorKind::Io(e.kind()),
            message: format!("cannot open included file {name}: {e}"),
        };
        let file = File::open(&full).map_err(io_error)?;
        let canonical = full.canonicalize().map_err(io_error)?;
        let open: Vec<(&Arc<str>, &PathBuf)> = self
            .root_canonical
            .as_ref()
            .map(|c| (self.root.file(), c))
            .into_iter()
            .chain(
                self.includes
                    .iter()
                    .map(|f| (f.parser.file(), &f.canonical)),
            )
            .collect();
        if let Some(first) = open.iter().position(|(_, c)| **c == canonical) {
            let chain: Vec<&str> = open[first..]
                .iter()
                .map(|(n, _)| &***n)
                .chain(std::iter::once(name.as_str()))
                .collect();
            return Err(JournalError {
                at,
                kind: ErrorKind::Include,
                message: format!("include cycle: {}", chain.join(" includes ")),
            });
        }
        let dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
        self.includes.push(Frame {
            parser: Parser::new(name, BufReader::with_capacity(READ_BUF_SIZE, file)),
            dir,
            canonical,
        });
        Ok(())
    }
}

impl<R: BufRead> Iterator for Journal<R> {
    type Item = Result<Located<Directive>, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            let next = match self.includes.last_mut() {
                Some(f) => f.parser.next_item(),
                None => self.root.next_item(),
            };
            match next {
                None => {
                    self.includes.pop()?;
                }
                Some(Ok(Item::Directive(d))) => return Some(Ok(d)),
                Some(Ok(Item::Include { at, path })) => {
                    if let Err(e) = self.include(at, &path) {
                        self.failed = true;
                        return Some(Err(e));
                    }
                }
                Some(Err(e)) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Open a journal file for streaming: its directives and those of the files it includes.
pub fn open(path: &Path) -> Result<Journal, JournalError> {
    open_with(path, |f| f)
}

/// A reader that counts the bytes read through it, for progress reporting.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// [`open`], adding the bytes read of the root file to `count` as parsing goes.
pub fn open_counting(
    path: &Path,
    count: Arc<AtomicU64>,
) -> Result<Journal<BufReader<Counting<File>>>, JournalError> {
    open_with(path, |inner| Counting { inner, count })
}

fn open_with<R: Read>(
    path: &Path,
    wrap: impl FnOnce(File) -> R,
) -> Result<Journal<BufReader<R>>, JournalError> {
    let name = path.display().to_string();
    let io_error = |e: std::io::Error| JournalError {
        at: Location {
            file: name.as_str().into(),
            line: 0,
            column: 0,
        },
        kind: ErrorKind::Io(e.kind()),
        message: format!("cannot open journal: {e}"),
    };
    let file = File::open(path).map_err(io_error)?;
    let canonical = path.canonicalize().map_err(io_error)?;
    let mut journal =
        Journal::from_reader(&name, BufReader::with_capacity(READ_BUF_SIZE, wrap(file)));
    journal.root_canonical = Some(canonical);
    Ok(journal)
}

/// Parse a whole text (for tests and small inputs). Includes are resolved relative to the
/// folder of `name`.
pub fn parse_str(name: &str, text: &str) -> Result<Vec<Located<Directive>>, JournalError> {
    Journal::from_reader(name, text.as_bytes()).collect()
}
