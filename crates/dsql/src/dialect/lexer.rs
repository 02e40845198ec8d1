//! A PostgreSQL-compatible lexer that only finds token boundaries.
//!
//! It knows exactly what PostgreSQL's scanner (`scan.l`) and psql's splitter
//! know about quoting — `'…'` (with `''`), `E'…'` (backslash escapes),
//! `B'…'`/`X'…'`/`N'…'`/`U&'…'`, `"…"` and `U&"…"` identifiers,
//! `$tag$…$tag$` dollar quotes, `--` and nested `/* */` comments — because a
//! semicolon or keyword inside any of those must never be taken for
//! structure. It does not decode values (see [`string_value`]) and allocates
//! nothing but the token vector the caller hands in.

/// What a token is. Keywords are plain [`Tok::Word`]s: PostgreSQL keywords
/// are unreserved enough that the rules decide by position, not by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Unquoted identifier or keyword (case-insensitive).
    Word,
    /// `"…"` identifier (case-sensitive, never a keyword).
    QuotedIdent,
    /// Any string constant, including dollar-quoted and prefixed forms.
    Str,
    Number,
    /// `$1`, `$2`, … (extended-protocol parameters).
    Param,
    /// One of `( ) [ ] , ; . :` — or `::` (stored as b':').
    Punct(u8),
    /// A run of operator characters (`=`, `<>`, `->>`, …).
    Op,
}

/// One token: its class and byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

/// Tokenizes `sql` into `out` (cleared first). Returns false when the text
/// ends inside a quote or comment; the unterminated part becomes one token
/// (a string) so splitting still terminates.
pub(crate) fn lex(sql: &str, out: &mut Vec<Token>) -> bool {
    out.clear();
    let b = sql.as_bytes();
    let mut i = 0;
    let mut complete = true;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let (kind, end) = match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = line_end(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match block_comment_end(b, i) {
                    Some(e) => i = e,
                    None => {
                        complete = false;
                        i = b.len();
                    }
                }
                continue;
            }
            b'\'' => quoted(b, i + 1, b'\'', false, &mut complete, Tok::Str),
            b'"' => quoted(b, i + 1, b'"', false, &mut complete, Tok::QuotedIdent),
            b'$' => dollar(b, i, &mut complete),
            b'0'..=b'9' => (Tok::Number, number_end(b, i)),
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => (Tok::Number, number_end(b, i)),
            b':' if b.get(i + 1) == Some(&b':') => (Tok::Punct(b':'), i + 2),
            b'(' | b')' | b'[' | b']' | b',' | b';' | b'.' | b':' => (Tok::Punct(c), i + 1),
            _ if is_ident_start(c) => prefixed_or_word(b, i, &mut complete),
            _ if is_op_char(c) => (Tok::Op, op_end(b, i)),
            // Anything else (stray bytes): a one-byte operator keeps us moving.
            _ => (Tok::Op, next_char_boundary(sql, i)),
        };
        out.push(Token { kind, start, end });
        i = end;
    }
    complete
}

fn line_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] != b'\n' {
        i += 1;
    }
    i
}

/// End (exclusive) of a `/* … */` comment starting at `i`; they nest.
fn block_comment_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Scans to the closing `quote` from `i` (just after the opening one).
/// Doubled quotes escape; with `backslash`, `\x` escapes too (E'' strings).
fn quoted(b: &[u8], mut i: usize, quote: u8, backslash: bool, complete: &mut bool, kind: Tok) -> (Tok, usize) {
    while i < b.len() {
        let c = b[i];
        if backslash && c == b'\\' {
            i += 2;
            continue;
        }
        if c == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return (kind, i + 1);
        }
        i += 1;
    }
    *complete = false;
    (kind, b.len())
}

/// `$1` parameter, `$tag$…$tag$` string, or a lone `$` (an operator to us).
fn dollar(b: &[u8], i: usize, complete: &mut bool) -> (Tok, usize) {
    let mut j = i + 1;
    if b.get(j).is_some_and(u8::is_ascii_digit) {
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        return (Tok::Param, j);
    }
    // A tag is an identifier without `$` (PostgreSQL's dolq_start/dolq_cont).
    if b.get(j).is_some_and(|&c| is_ident_start(c)) {
        j += 1;
        while b.get(j).is_some_and(|&c| is_ident_start(c) || c.is_ascii_digit()) {
            j += 1;
        }
    }
    if b.get(j) != Some(&b'$') {
        return (Tok::Op, i + 1);
    }
    let tag = &b[i..=j];
    let body = j + 1;
    match find(&b[body..], tag) {
        Some(k) => (Tok::Str, body + k + tag.len()),
        None => {
            *complete = false;
            (Tok::Str, b.len())
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A word, or a string with a one-letter prefix (`E'`, `B'`, `X'`, `N'`,
/// `U&'`, `U&"`): PostgreSQL only treats the letter as a prefix when the
/// quote follows it immediately.
fn prefixed_or_word(b: &[u8], i: usize, complete: &mut bool) -> (Tok, usize) {
    let c = b[i].to_ascii_lowercase();
    let next = b.get(i + 1).copied();
    match (c, next) {
        (b'e', Some(b'\'')) => return quoted(b, i + 2, b'\'', true, complete, Tok::Str),
        (b'b' | b'x' | b'n', Some(b'\'')) => return quoted(b, i + 2, b'\'', false, complete, Tok::Str),
        (b'u', Some(b'&')) => match b.get(i + 2) {
            Some(b'\'') => return quoted(b, i + 3, b'\'', false, complete, Tok::Str),
            Some(b'"') => return quoted(b, i + 3, b'"', false, complete, Tok::QuotedIdent),
            _ => {}
        },
        _ => {}
    }
    let mut j = i + 1;
    while b.get(j).is_some_and(|&c| is_ident_start(c) || c.is_ascii_digit() || c == b'$') {
        j += 1;
    }
    (Tok::Word, j)
}

fn number_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        let c = b[i];
        let exponent_sign =
            (c == b'+' || c == b'-') && i > 0 && (b[i - 1] | 0x20) == b'e' && b[i - 1].is_ascii_alphabetic();
        let decimal_point = c == b'.' && b.get(i + 1) != Some(&b'.');
        if c.is_ascii_alphanumeric() || c == b'_' || exponent_sign || decimal_point {
            i += 1;
        } else {
            break;
        }
    }
    i
}

fn op_end(b: &[u8], mut i: usize) -> usize {
    let start = i;
    while i < b.len() && is_op_char(b[i]) {
        // A comment start ends the operator (scan.l does the same).
        if i > start && ((b[i] == b'-' && b.get(i + 1) == Some(&b'-')) || (b[i] == b'/' && b.get(i + 1) == Some(&b'*')))
        {
            break;
        }
        i += 1;
    }
    i
}

fn next_char_boundary(s: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() && !s.is_char_boundary(j) {
        j += 1;
    }
    j
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_op_char(c: u8) -> bool {
    matches!(
        c,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

/// The value of a string token: quotes removed, `''` undoubled, E'' escapes
/// for `\'` and `\\` resolved. Borrowed when nothing needed decoding.
pub(crate) fn string_value(text: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if let Some(after_dollar) = text.strip_prefix('$') {
        let tag_end = after_dollar.find('$').map_or(0, |k| k + 2);
        let body_end = text.len().saturating_sub(tag_end).max(tag_end);
        return Cow::Borrowed(&text[tag_end..body_end]);
    }
    let escaped = text.starts_with(['e', 'E']);
    let Some(open) = text.find('\'') else { return Cow::Borrowed(text) };
    let inner = &text[open + 1..text.len().saturating_sub(1).max(open + 1)];
    if !inner.contains('\'') && (!escaped || !inner.contains('\\')) {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                chars.next();
                out.push('\'');
            }
            '\\' if escaped => out.extend(chars.next()),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Tok, &str)> {
        let mut v = Vec::new();
        lex(sql, &mut v);
        v.iter().map(|t| (t.kind, &sql[t.start..t.end])).collect()
    }

    #[test]
    fn quoting_forms_are_single_tokens() {
        let toks = kinds(r#"SELECT 'a;''b', E'x\';y', $f$ ; $f$, "q;""x", U&'d;' -- c;"#);
        let texts: Vec<&str> = toks.iter().map(|t| t.1).collect();
        assert_eq!(texts, ["SELECT", "'a;''b'", ",", r"E'x\';y'", ",", "$f$ ; $f$", ",", r#""q;""x""#, ",", "U&'d;'"]);
    }

    #[test]
    fn nested_comments_and_params() {
        let toks = kinds("a /* x /* y; */ z; */ $1::int");
        let texts: Vec<&str> = toks.iter().map(|t| t.1).collect();
        assert_eq!(texts, ["a", "$1", "::", "int"]);
    }

    #[test]
    fn identifiers_may_contain_dollars() {
        assert_eq!(kinds("a$$b$$")[0], (Tok::Word, "a$$b$$"));
    }

    #[test]
    fn unterminated_input_is_reported() {
        let mut v = Vec::new();
        assert!(!lex("SELECT 'abc", &mut v));
        assert!(!lex("SELECT $$abc", &mut v));
        assert!(!lex("/* open", &mut v));
        assert!(lex("SELECT 1", &mut v));
    }

    #[test]
    fn string_values_decode() {
        assert_eq!(string_value("'it''s'"), "it's");
        assert_eq!(string_value(r"E'a\'b'"), "a'b");
        assert_eq!(string_value("$x$body$x$"), "body");
        assert_eq!(string_value("'plpgsql'"), "plpgsql");
    }
}
