//! Read-only view over one statement's tokens with the keyword helpers the
//! classifier and rules share. Indexes are statement-relative; out-of-range
//! reads answer "no" instead of panicking, so malformed input is harmless.

use super::lexer::{Tok, Token, string_value};
use std::borrow::Cow;

#[derive(Clone, Copy)]
pub(crate) struct Cursor<'a> {
    pub sql: &'a str,
    pub toks: &'a [Token],
}

impl<'a> Cursor<'a> {
    pub fn new(sql: &'a str, toks: &'a [Token]) -> Self {
        Cursor { sql, toks }
    }

    pub fn len(&self) -> usize {
        self.toks.len()
    }

    pub fn text(&self, i: usize) -> &'a str {
        self.toks.get(i).map_or("", |t| &self.sql[t.start..t.end])
    }

    pub fn kind(&self, i: usize) -> Option<Tok> {
        self.toks.get(i).map(|t| t.kind)
    }

    /// The token as an unquoted word (keyword or identifier).
    pub fn word(&self, i: usize) -> Option<&'a str> {
        (self.kind(i) == Some(Tok::Word)).then(|| self.text(i))
    }

    /// The word at `i` in lower case, written into `buf` (no allocation);
    /// None for non-words and words longer than the buffer (no keyword is).
    pub fn lower<'b>(&self, i: usize, buf: &'b mut [u8; 32]) -> Option<&'b str> {
        let w = self.word(i)?.as_bytes();
        let out = buf.get_mut(..w.len())?;
        for (o, c) in out.iter_mut().zip(w) {
            *o = c.to_ascii_lowercase();
        }
        std::str::from_utf8(out).ok()
    }

    /// True when token `i` is the (unquoted) keyword `kw`.
    pub fn is(&self, i: usize, kw: &str) -> bool {
        self.word(i).is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    /// True when the words starting at `i` are exactly `kws`.
    pub fn seq(&self, i: usize, kws: &[&str]) -> bool {
        kws.iter().enumerate().all(|(k, kw)| self.is(i + k, kw))
    }

    pub fn punct(&self, i: usize, c: u8) -> bool {
        self.kind(i) == Some(Tok::Punct(c))
    }

    /// Index just past the bracket group opened at `i` (`(` or `[`);
    /// `len()` when it never closes.
    pub fn skip_group(&self, i: usize) -> usize {
        let mut depth = 0usize;
        for k in i..self.len() {
            match self.kind(k) {
                Some(Tok::Punct(b'(') | Tok::Punct(b'[')) => depth += 1,
                Some(Tok::Punct(b')') | Tok::Punct(b']')) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return k + 1;
                    }
                }
                _ => {}
            }
        }
        self.len()
    }

    /// Indexes of tokens in `from..to` at bracket depth 0 (relative to `from`).
    pub fn top_level(&self, from: usize, to: usize) -> TopLevel<'a> {
        TopLevel { cur: *self, next: from, end: to.min(self.len()) }
    }

    /// First top-level occurrence of keyword `kw` in `from..to`.
    pub fn find_top(&self, from: usize, to: usize, kw: &str) -> Option<usize> {
        self.top_level(from, to).find(|&k| self.is(k, kw))
    }

    /// Splits `from..to` at top-level commas into sub-ranges.
    pub fn comma_list(&self, from: usize, to: usize) -> Vec<std::ops::Range<usize>> {
        let mut parts = Vec::new();
        let mut start = from;
        for k in self.top_level(from, to) {
            if self.punct(k, b',') {
                parts.push(start..k);
                start = k + 1;
            }
        }
        parts.push(start..to.min(self.len()));
        parts
    }

    /// An identifier's name as PostgreSQL folds it: unquoted → lower case,
    /// quoted → as written (with `""` undoubled).
    pub fn ident(&self, i: usize) -> Option<Cow<'a, str>> {
        match self.kind(i)? {
            Tok::Word => {
                let w = self.text(i);
                Some(if w.bytes().any(|c| c.is_ascii_uppercase()) {
                    Cow::Owned(w.to_ascii_lowercase())
                } else {
                    Cow::Borrowed(w)
                })
            }
            Tok::QuotedIdent => {
                let t = self.text(i);
                let open = t.find('"').unwrap_or(0);
                let inner = t.get(open + 1..t.len().saturating_sub(1)).unwrap_or("");
                Some(if inner.contains("\"\"") {
                    Cow::Owned(inner.replace("\"\"", "\""))
                } else {
                    Cow::Borrowed(inner)
                })
            }
            _ => None,
        }
    }

    /// The value of a string-constant token.
    pub fn string(&self, i: usize) -> Option<Cow<'a, str>> {
        (self.kind(i) == Some(Tok::Str)).then(|| string_value(self.text(i)))
    }

    /// Index past a possibly schema-qualified name starting at `i`.
    pub fn skip_name(&self, mut i: usize) -> usize {
        if self.ident(i).is_none() {
            return i;
        }
        i += 1;
        while self.punct(i, b'.') && self.ident(i + 1).is_some() {
            i += 2;
        }
        i
    }
}

/// Iterator over top-level token indexes (see [`Cursor::top_level`]).
pub(crate) struct TopLevel<'a> {
    cur: Cursor<'a>,
    next: usize,
    end: usize,
}

impl Iterator for TopLevel<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.next >= self.end {
            return None;
        }
        let k = self.next;
        self.next = match self.cur.kind(k) {
            Some(Tok::Punct(b'(') | Tok::Punct(b'[')) => self.cur.skip_group(k),
            _ => k + 1,
        };
        Some(k)
    }
}
