//! Splitting a simple-Query string into statements at top-level semicolons,
//! skipping those inside quotes, dollar quotes, identifiers and comments.
//! A lexer, not a parser: it only has to find boundaries, and when a string
//! is malformed (unterminated quote) the rest is one statement and the
//! upstream reports the error.

/// Byte ranges of the non-empty statements of `sql`, trimmed, without `;`.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let b = sql.as_bytes();
    if !b.contains(&b';') {
        let t = sql.trim();
        return if t.is_empty() { Vec::new() } else { vec![t] };
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' => {
                // E'...' strings allow backslash escapes.
                let escapes = i > 0 && matches!(b[i - 1], b'e' | b'E') && (i < 2 || !is_ident(b[i - 2]));
                i = skip_quoted(b, i + 1, b'\'', escapes);
            }
            b'"' => i = skip_quoted(b, i + 1, b'"', false),
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| i + p + 1);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_block_comment(b, i + 2),
            b'$' if i == 0 || !is_ident(b[i - 1]) => i = skip_dollar(sql, i),
            b';' => {
                push(&mut out, &sql[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push(&mut out, &sql[start.min(sql.len())..]);
    out
}

fn push<'a>(out: &mut Vec<&'a str>, s: &'a str) {
    let t = s.trim();
    if !t.is_empty() {
        out.push(t);
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn skip_quoted(b: &[u8], mut i: usize, quote: u8, escapes: bool) -> usize {
    while i < b.len() {
        if escapes && b[i] == b'\\' {
            i += 2;
        } else if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 1;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// `$tag$ ... $tag$`; a `$` that does not open a valid tag (e.g. `$1`) is skipped.
fn skip_dollar(sql: &str, i: usize) -> usize {
    let b = sql.as_bytes();
    let mut j = i + 1;
    while j < b.len() && (is_ident(b[j]) && !(j == i + 1 && b[j].is_ascii_digit())) {
        j += 1;
    }
    if j >= b.len() || b[j] != b'$' {
        return i + 1;
    }
    let tag = &sql[i..=j];
    match sql[j + 1..].find(tag) {
        Some(p) => j + 1 + p + tag.len(),
        None => b.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::split_statements as s;

    #[test]
    fn splits_on_top_level_semicolons_only() {
        assert_eq!(s("select 1"), vec!["select 1"]);
        assert_eq!(s("  ;; "), Vec::<&str>::new());
        assert_eq!(s("begin; select 1;commit;"), vec!["begin", "select 1", "commit"]);
        assert_eq!(s("select ';'; select 2"), vec!["select ';'", "select 2"]);
        assert_eq!(s("select 'it''s;'; x"), vec!["select 'it''s;'", "x"]);
        assert_eq!(s(r"select E'a\';b'; y"), vec![r"select E'a\';b'", "y"]);
        assert_eq!(s(r#"select ";" from t; z"#), vec![r#"select ";" from t"#, "z"]);
        assert_eq!(s("select 1 -- ; no\n; w"), vec!["select 1 -- ; no", "w"]);
        assert_eq!(s("select /* ; /* ; */ */ 1; v"), vec!["select /* ; /* ; */ */ 1", "v"]);
        assert_eq!(s("do $f$ begin; end $f$; u"), vec!["do $f$ begin; end $f$", "u"]);
        assert_eq!(s("do $$ a; b $$; t"), vec!["do $$ a; b $$", "t"]);
        assert_eq!(s("select $1; s"), vec!["select $1", "s"]);
        assert_eq!(s("select 'unterminated; x"), vec!["select 'unterminated; x"]);
    }
}
