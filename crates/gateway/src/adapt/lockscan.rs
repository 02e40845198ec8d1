//! Finds `FOR SHARE` and `FOR NO KEY UPDATE` clauses in SQL text and
//! replaces exactly those bytes with `FOR UPDATE`. A small lexer skips what
//! can contain the same words without being a clause: string literals
//! (`'…'`, `E'…'`), quoted identifiers, dollar-quoted bodies and comments.

use super::AdaptRules;

/// How many clauses of each kind were rewritten.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RewriteCounts {
    pub for_share: u64,
    pub for_no_key_update: u64,
}

/// A word token's byte range.
type Word = (usize, usize);

/// Rewrites the enabled clauses; returns the new text and what changed.
pub fn rewrite_locks(sql: &str, rules: AdaptRules) -> (String, RewriteCounts) {
    let words = words(sql);
    let word = |i: usize| words.get(i).map(|&(s, e)| &sql[s..e]);
    let is = |i: usize, w: &str| word(i).is_some_and(|x| x.eq_ignore_ascii_case(w));
    let mut edits: Vec<(usize, usize)> = Vec::new();
    let mut counts = RewriteCounts::default();
    let mut i = 0;
    while i < words.len() {
        if is(i, "for") {
            if rules.for_share_to_for_update && is(i + 1, "share") {
                edits.push((words[i].0, words[i + 1].1));
                counts.for_share += 1;
                i += 2;
                continue;
            }
            if rules.for_no_key_update_to_for_update && is(i + 1, "no") && is(i + 2, "key") && is(i + 3, "update") {
                edits.push((words[i].0, words[i + 3].1));
                counts.for_no_key_update += 1;
                i += 4;
                continue;
            }
        }
        i += 1;
    }
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (start, end) in edits {
        out.push_str(&sql[at..start]);
        out.push_str("FOR UPDATE");
        at = end;
    }
    out.push_str(&sql[at..]);
    (out, counts)
}

/// Unquoted words (identifiers/keywords) with their positions; everything
/// else (literals, quoted names, comments, punctuation) separates words.
/// A quoted identifier or literal counts as a non-word token, so
/// `FOR "share"` is not a clause.
fn words(sql: &str) -> Vec<Word> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let word_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    while i < b.len() {
        let c = b[i];
        match c {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'\'' | b'"' => {
                // E'…' allows backslash escapes; a doubled quote is an escape in all forms.
                let escapes = c == b'\'' && i > 0 && b[i - 1].eq_ignore_ascii_case(&b'e');
                i += 1;
                while i < b.len() {
                    if escapes && b[i] == b'\\' {
                        i += 2;
                    } else if b[i] == c {
                        if b.get(i + 1) == Some(&c) {
                            i += 2;
                        } else {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                i += 1;
                out.push((i.min(b.len()), i.min(b.len()))); // a non-word token
            }
            b'$' => {
                // $tag$ … $tag$ (tag may be empty); a bare $1 is a parameter.
                let tag_end =
                    b[i + 1..].iter().position(|&x| !(x.is_ascii_alphanumeric() || x == b'_')).map(|p| i + 1 + p);
                match tag_end {
                    Some(e) if b[e] == b'$' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                        let tag = &b[i..=e];
                        let body = e + 1;
                        let close = b[body..].windows(tag.len()).position(|w| w == tag);
                        i = close.map_or(b.len(), |p| body + p + tag.len());
                        out.push((i, i));
                    }
                    _ => {
                        let start = i;
                        i += 1;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                        out.push((start, start)); // parameter: a non-word token
                    }
                }
            }
            _ if word_byte(c) && !c.is_ascii_digit() => {
                let start = i;
                while i < b.len() && word_byte(b[i]) {
                    i += 1;
                }
                out.push((start, i));
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                out.push((i, i));
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(sql: &str) -> String {
        rewrite_locks(sql, AdaptRules::default()).0
    }

    #[test]
    fn rewrites_only_the_clause_bytes() {
        assert_eq!(rw("SELECT * FROM t WHERE id = $1 FOR SHARE"), "SELECT * FROM t WHERE id = $1 FOR UPDATE");
        assert_eq!(rw("select 1 from t for  no\n key update of t nowait"), "select 1 from t FOR UPDATE of t nowait");
        assert_eq!(
            rw("SELECT 1 FROM a, b FOR UPDATE OF a FOR SHARE OF b SKIP LOCKED"),
            "SELECT 1 FROM a, b FOR UPDATE OF a FOR UPDATE OF b SKIP LOCKED"
        );
        assert_eq!(rw("SELECT 1 FROM t FOR /* c */ SHARE"), "SELECT 1 FROM t FOR UPDATE");
    }

    #[test]
    fn leaves_accepted_clauses_and_lookalikes_alone() {
        for sql in [
            "SELECT * FROM t FOR KEY SHARE",
            "SELECT * FROM t FOR UPDATE",
            "SELECT 'for share' FROM t",
            "SELECT \"for\" share FROM t",
            "SELECT $$ for share $$",
            "SELECT $q$ for no key update $q$ FROM t",
            "SELECT 1 -- for share\nFROM t",
            "SELECT E'it\\'s for share' FROM t",
        ] {
            assert_eq!(rw(sql), sql);
        }
    }

    #[test]
    fn rules_can_be_switched_off_separately() {
        let only_share = AdaptRules { for_no_key_update_to_for_update: false, ..AdaptRules::default() };
        let (text, counts) = rewrite_locks("SELECT 1 FROM a FOR NO KEY UPDATE OF a FOR SHARE OF b", only_share);
        assert_eq!(text, "SELECT 1 FROM a FOR NO KEY UPDATE OF a FOR UPDATE OF b");
        assert_eq!(counts, RewriteCounts { for_share: 1, for_no_key_update: 0 });
    }
}
