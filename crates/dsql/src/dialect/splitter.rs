//! Splits a token stream into statements the way psql does.
//!
//! A `;` ends a statement only outside parentheses and outside the
//! `BEGIN ATOMIC … END` body of a SQL-standard `CREATE FUNCTION/PROCEDURE`
//! (psql counts BEGIN/CASE against END in exactly those statements; we copy
//! that so a function body's inner semicolons never split it).

use super::lexer::{Tok, Token};

/// One statement: its token range (into the lexed vector) and byte span
/// (first token start .. last token end, without the `;`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    pub tokens: std::ops::Range<usize>,
    pub span: std::ops::Range<usize>,
}

/// Splits `tokens` of `sql` into pieces; empty statements (`;;`, comments
/// only) produce none.
pub(crate) fn split(sql: &str, tokens: &[Token], out: &mut Vec<Piece>) {
    out.clear();
    let mut first = 0;
    let mut parens = 0usize;
    let mut atomic_depth = 0usize;
    let mut is_routine = false;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Tok::Punct(b'(') | Tok::Punct(b'[') => parens += 1,
            Tok::Punct(b')') | Tok::Punct(b']') => parens = parens.saturating_sub(1),
            Tok::Punct(b';') if parens == 0 && atomic_depth == 0 => {
                push(tokens, first..i, out);
                first = i + 1;
                is_routine = false;
                continue;
            }
            Tok::Word => {
                if i - first < 4 && !is_routine {
                    is_routine = starts_routine(sql, &tokens[first..=i]);
                }
                if is_routine {
                    let w = &sql[t.start..t.end];
                    if w.eq_ignore_ascii_case("begin") || w.eq_ignore_ascii_case("case") {
                        atomic_depth += 1;
                    } else if w.eq_ignore_ascii_case("end") {
                        atomic_depth = atomic_depth.saturating_sub(1);
                    }
                }
            }
            _ => {}
        }
    }
    push(tokens, first..tokens.len(), out);
}

fn push(tokens: &[Token], range: std::ops::Range<usize>, out: &mut Vec<Piece>) {
    if range.is_empty() {
        return;
    }
    let span = tokens[range.start].start..tokens[range.end - 1].end;
    out.push(Piece { tokens: range, span });
}

/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE` — the statements psql scans for
/// `BEGIN ATOMIC` bodies.
fn starts_routine(sql: &str, toks: &[Token]) -> bool {
    let word = |k: usize| toks.get(k).filter(|t| t.kind == Tok::Word).map(|t| &sql[t.start..t.end]);
    let is = |k: usize, kw: &str| word(k).is_some_and(|w| w.eq_ignore_ascii_case(kw));
    let routine = |k: usize| is(k, "function") || is(k, "procedure");
    is(0, "create") && (routine(1) || (is(1, "or") && is(2, "replace") && routine(3)))
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn pieces(sql: &str) -> Vec<&str> {
        let mut toks = Vec::new();
        lex(sql, &mut toks);
        let mut out = Vec::new();
        split(sql, &toks, &mut out);
        out.iter().map(|p| &sql[p.span.clone()]).collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_only() {
        assert_eq!(pieces("SELECT 1; SELECT (2;3) ;;  -- x;\n"), ["SELECT 1", "SELECT (2;3)"]);
    }

    #[test]
    fn begin_atomic_bodies_stay_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END; SELECT 3";
        let got = pieces(sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("SELECT 2; END"));
        assert_eq!(got[1], "SELECT 3");
    }

    #[test]
    fn plain_begin_end_split() {
        assert_eq!(pieces("BEGIN; CREATE TABLE t (a int); END;"), ["BEGIN", "CREATE TABLE t (a int)", "END"]);
    }
}
