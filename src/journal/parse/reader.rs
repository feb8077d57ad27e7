//! [`Parser`], the streaming reader of one source: each line read into a buffer it reuses
//! (without its line ending, a byte-order mark on the first line skipped), refused when it is
//! longer than [`LINE_LEN_MAX`] or not UTF-8, and handed to [`State::line`], which skips comment
//! blocks and blank lines, gives an indented line to the open block and a line in column 1 to
//! the directives, emitting the open block when a line ends it.

use super::block::{finish, indented, Block};
use super::directives::{top_level, Top};
use super::exports::OWN_EXPORT_HEADERS;
use super::{Ctx, Item};
use crate::journal::{Directive, ErrorKind, JournalError, Located, Location, LINE_LEN_MAX};
use std::io::{BufRead, Read};
use std::sync::Arc;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A streaming parser of one journal source. As an iterator it yields the directives in file
/// order and stops after the first error. It cannot follow `include` (it does not know where
/// its text lives): use [`open`](super::open) or [`Journal`](super::Journal) for that.
pub struct Parser<R> {
    reader: R,
    /// The current line, reused from line to line.
    buf: Vec<u8>,
    /// The line in `buf` ended a block and still has to be parsed itself.
    replay: bool,
    done: bool,
    st: State,
}

/// Everything but the reader and the line buffer, so that a line borrowed from the buffer can
/// be handed to it.
pub(super) struct State {
    file: Arc<str>,
    line_no: u32,
    pub(super) block: Option<Block>,
    in_comment_block: bool,
    /// The file is one of gasledger's own hledger or ledger-cli exports (its first line says
    /// so), whose `agreement` and `statement` directives are written as comments for the peer.
    own_export: bool,
    /// The open block was read from such a commented directive: its `;`-prefixed indented
    /// lines are its body.
    pub(super) commented_block: bool,
    /// The last line was blank: an indented line now gets a hint that blank lines end blocks.
    after_blank: bool,
}

enum Step {
    Continue,
    Emit(Item),
    /// Emit, then parse the same line again (it closed the block that is emitted).
    EmitThenReplay(Item),
}

impl<R: BufRead> Parser<R> {
    /// A parser of `reader`, whose errors name `file`.
    pub fn new(file: impl Into<Arc<str>>, reader: R) -> Parser<R> {
        Parser {
            reader,
            buf: Vec::with_capacity(256),
            replay: false,
            done: false,
            st: State {
                file: file.into(),
                line_no: 0,
                block: None,
                in_comment_block: false,
                own_export: false,
                commented_block: false,
                after_blank: false,
            },
        }
    }

    /// The name errors give this source.
    pub fn file(&self) -> &Arc<str> {
        &self.st.file
    }

    pub(super) fn next_item(&mut self) -> Option<Result<Item, JournalError>> {
        if self.done {
            return None;
        }
        let next = self.step();
        if !matches!(next, Some(Ok(_))) {
            // After an error or the end, nothing more: an import is all or nothing.
            self.done = true;
        }
        next
    }

    fn step(&mut self) -> Option<Result<Item, JournalError>> {
        loop {
            if self.replay {
                self.replay = false;
            } else {
                match self.read_line() {
                    Err(e) => return Some(Err(e)),
                    Ok(false) => {
                        return self.st.block.take().map(|b| finish(b).map(Item::Directive))
                    }
                    Ok(true) => {}
                }
            }
            let skip = if self.st.line_no == 1 && self.buf.starts_with(BOM) {
                BOM.len()
            } else {
                0
            };
            let bytes = &self.buf[skip..];
            let line = match std::str::from_utf8(bytes) {
                Ok(line) => line,
                Err(e) => return Some(Err(self.st.utf8_error(bytes, e))),
            };
            match self.st.line(line) {
                Ok(Step::Continue) => {}
                Ok(Step::Emit(item)) => return Some(Ok(item)),
                Ok(Step::EmitThenReplay(item)) => {
                    self.replay = true;
                    return Some(Ok(item));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Read the next line into `buf`, without its line ending. `Ok(false)` at the end.
    fn read_line(&mut self) -> Result<bool, JournalError> {
        self.buf.clear();
        // Read at most one byte more than a longest line with "\r\n", so that an overlong line
        // is detected without buffering it whole.
        let limit = LINE_LEN_MAX as u64 + 3;
        let line_no = self.st.line_no.saturating_add(1);
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| JournalError {
                at: Location {
                    file: self.st.file.clone(),
                    line: line_no,
                    column: 1,
                },
                kind: ErrorKind::Io(e.kind()),
                message: format!("cannot read: {e}"),
            })?;
        if n == 0 {
            return Ok(false);
        }
        self.st.line_no = line_no;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.buf.len() > LINE_LEN_MAX {
            return Err(JournalError {
                at: Location {
                    file: self.st.file.clone(),
                    line: line_no,
                    column: 1,
                },
                kind: ErrorKind::Syntax,
                message: format!("line is longer than {LINE_LEN_MAX} bytes"),
            });
        }
        Ok(true)
    }
}

impl<R: BufRead> Iterator for Parser<R> {
    type Item = Result<Located<Directive>, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_item()? {
            Ok(Item::Directive(d)) => Some(Ok(d)),
            Ok(Item::Include { at, .. }) => {
                self.done = true;
                Some(Err(JournalError {
                    at,
                    kind: ErrorKind::Include,
                    message: "include is only followed in a journal read from a file \
                              (journal::open)"
                        .into(),
                }))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

impl State {
    fn utf8_error(&self, bytes: &[u8], e: std::str::Utf8Error) -> JournalError {
        let valid = &bytes[..e.valid_up_to()];
        let column = std::str::from_utf8(valid).map_or(1, |s| s.chars().count() + 1);
        JournalError {
            at: Location {
                file: self.file.clone(),
                line: self.line_no,
                column: u32::try_from(column).unwrap_or(u32::MAX),
            },
            kind: ErrorKind::Encoding,
            message: format!(
                "invalid UTF-8 (byte 0x{:02x}): expected UTF-8 text",
                bytes[e.valid_up_to()]
            ),
        }
    }

    fn line(&mut self, line: &str) -> Result<Step, JournalError> {
        if self.line_no == 1 && OWN_EXPORT_HEADERS.contains(&line.trim_end()) {
            self.own_export = true;
        }
        let line = if self.own_export && !self.in_comment_block {
            self.uncomment(line)
        } else {
            line
        };
        let ctx = Ctx {
            file: &self.file,
            line_no: self.line_no,
            line,
        };
        if self.in_comment_block {
            if line.trim_end() == "end comment" {
                self.in_comment_block = false;
            }
            return Ok(Step::Continue);
        }
        let content = line.trim_start_matches([' ', '\t']);
        if content.trim_end().is_empty() {
            self.after_blank = true;
            return Ok(match self.block.take() {
                Some(b) => Step::Emit(Item::Directive(finish(b)?)),
                None => Step::Continue,
            });
        }
        if content.len() != line.len() {
            indented(&ctx, &mut self.block, content, self.after_blank)?;
            return Ok(Step::Continue);
        }
        if let Some(b) = self.block.take() {
            return Ok(Step::EmitThenReplay(Item::Directive(finish(b)?)));
        }
        self.after_blank = false;
        Ok(match top_level(&ctx, line)? {
            Top::Skip => Step::Continue,
            Top::CommentBlock => {
                self.in_comment_block = true;
                Step::Continue
            }
            Top::Open(b) => {
                self.block = Some(b);
                Step::Continue
            }
            Top::Include(item) => Step::Emit(item),
        })
    }
}
