//! Splitting SQL files into statements, the way PostgreSQL reads them.
//!
//! temporal-sql-tool splits on every `;`, which breaks on a `;` inside a
//! string, a comment or a dollar-quoted body. This splitter understands `--`
//! and nested `/* */` comments, '…' and E'…' strings, "…" identifiers and
//! `$tag$…$tag$` bodies, and splits only at a `;` outside parentheses. Each
//! statement keeps the line/column of its first token (for messages) and the
//! list of its words (for the checks below), so nothing downstream re-lexes.

/// One statement of a SQL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// From the first token to the last, without the terminating `;`.
    pub text: String,
    /// 1-based line of the first token.
    pub line: usize,
    /// 1-based column (in characters) of the first token.
    pub column: usize,
    words: Vec<Word>,
}

/// A bare word or a punctuation mark outside strings and comments.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    /// Upper-cased for bare words; the character itself for punctuation.
    upper: String,
    /// Parenthesis depth the word is at.
    depth: usize,
    /// Byte range in the statement's `text`.
    start: usize,
    end: usize,
    line: usize,
    column: usize,
}

/// A file that cannot be split (an unterminated literal or comment).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: unterminated {what} (close it, or remove the stray quote)")]
pub struct SplitError {
    pub what: &'static str,
    pub line: usize,
}

/// Splits `text` into statements; empty statements (`;;`, comments only) are dropped.
pub fn split(text: &str) -> Result<Vec<Statement>, SplitError> {
    Lexer::new(text).run()
}

impl Statement {
    /// The first word, upper-cased (`CREATE`, `INSERT`, …).
    pub fn first_keyword(&self) -> &str {
        self.words.first().map(|w| w.upper.as_str()).unwrap_or("")
    }

    /// Where a second statement starts inside this one, if it looks like a
    /// missing `;` or a statement with embedded DDL (`CREATE SCHEMA s CREATE
    /// TABLE …`): DSQL runs one DDL per transaction, and PostgreSQL would run
    /// such text as one statement (or fail on it with a confusing message).
    /// Returns (line, column, keyword) of the second statement's first word.
    ///
    /// Heuristic, at parenthesis depth 0 only: `CREATE` anywhere after the
    /// first word (except after GRANT/REVOKE/`,`, as in privilege lists);
    /// `ALTER`/`DROP` followed by an object kind (`TABLE`, `INDEX`, …) — which
    /// ALTER TABLE's own sub-commands (`DROP COLUMN`, `ALTER COLUMN`) never are;
    /// `INSERT INTO`.
    pub fn embedded_statement(&self) -> Option<(usize, usize, String)> {
        const OBJECTS: &[&str] = &[
            "TABLE",
            "INDEX",
            "SCHEMA",
            "SEQUENCE",
            "VIEW",
            "TYPE",
            "FUNCTION",
            "DATABASE",
            "EXTENSION",
            "TRIGGER",
            "DOMAIN",
            "ROLE",
            "MATERIALIZED",
        ];
        if !matches!(self.first_keyword(), "CREATE" | "ALTER" | "DROP" | "INSERT") {
            return None;
        }
        let top: Vec<&Word> = self.words.iter().filter(|w| w.depth == 0).collect();
        for i in 1..top.len() {
            let word = top[i].upper.as_str();
            let prev = top[i - 1].upper.as_str();
            let next = top.get(i + 1).map(|w| w.upper.as_str()).unwrap_or("");
            let starts_statement = match word {
                "CREATE" => !matches!(prev, "GRANT" | "REVOKE" | ","),
                "ALTER" | "DROP" => OBJECTS.contains(&next),
                "INSERT" => next == "INTO",
                _ => false,
            };
            if starts_statement {
                return Some((top[i].line, top[i].column, top[i].upper.clone()));
            }
        }
        None
    }

    /// True for `CREATE [UNIQUE] INDEX ASYNC …`.
    pub fn is_async_index(&self) -> bool {
        self.async_word().is_some()
    }

    /// The statement with `ASYNC` removed from `CREATE [UNIQUE] INDEX ASYNC`,
    /// for PostgreSQL, which builds the index synchronously instead.
    pub fn without_async(&self) -> String {
        match self.async_word() {
            Some(w) => {
                let mut out = String::with_capacity(self.text.len());
                out.push_str(self.text[..w.start].trim_end());
                out.push(' ');
                out.push_str(self.text[w.end..].trim_start());
                out
            }
            None => self.text.clone(),
        }
    }

    /// The index or table name a CREATE statement creates, for progress output.
    pub fn object_name(&self) -> Option<&str> {
        let top: Vec<&Word> = self.words.iter().filter(|w| w.depth == 0).collect();
        let kind = top.iter().position(|w| w.upper == "TABLE" || w.upper == "INDEX")?;
        let mut i = kind + 1;
        let word = |i: usize| top.get(i).map(|w| w.upper.as_str());
        if top[kind].upper == "INDEX" && matches!(word(i), Some("ASYNC" | "CONCURRENTLY")) {
            i += 1;
        }
        if word(i) == Some("IF") && word(i + 1) == Some("NOT") && word(i + 2) == Some("EXISTS") {
            i += 3;
        }
        top.get(i).filter(|w| w.upper != "ON" && w.upper != "(").map(|w| &self.text[w.start..w.end])
    }

    fn async_word(&self) -> Option<&Word> {
        let w = &self.words;
        if w.len() < 3 || w[0].upper != "CREATE" {
            return None;
        }
        let at = if w[1].upper == "UNIQUE" { 2 } else { 1 };
        (w.get(at)?.upper == "INDEX" && w.get(at + 1)?.upper == "ASYNC").then(|| &w[at + 1])
    }
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    out: Vec<Statement>,
    // the statement being collected
    start: Option<(usize, usize, usize)>,
    words: Vec<Word>,
    depth: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
            out: Vec::new(),
            start: None,
            words: Vec::new(),
            depth: 0,
        }
    }

    fn column(&self, at: usize) -> usize {
        self.src[self.line_start..at].chars().count() + 1
    }

    /// Advances over `n` bytes, counting newlines.
    fn advance_to(&mut self, end: usize) {
        for (i, b) in self.bytes[self.pos..end].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = end;
    }

    fn mark_start(&mut self) {
        if self.start.is_none() {
            self.start = Some((self.pos, self.line, self.column(self.pos)));
        }
    }

    fn finish_statement(&mut self, end: usize) {
        if let Some((start, line, column)) = self.start.take() {
            let text = self.src[start..end].trim_end().to_string();
            let words = std::mem::take(&mut self.words)
                .into_iter()
                .map(|mut w| {
                    w.start -= start;
                    w.end -= start;
                    w
                })
                .collect();
            self.out.push(Statement { text, line, column, words });
        }
        self.words.clear();
        self.depth = 0;
    }

    fn run(mut self) -> Result<Vec<Statement>, SplitError> {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            let rest = &self.src[self.pos..];
            if rest.starts_with("--") {
                let end = rest.find('\n').map(|i| self.pos + i).unwrap_or(self.bytes.len());
                self.advance_to(end);
            } else if rest.starts_with("/*") {
                let end = self.block_comment_end()?;
                self.advance_to(end);
            } else if b == b';' && self.depth == 0 {
                self.finish_statement(self.pos);
                self.advance_to(self.pos + 1);
            } else if b.is_ascii_whitespace() {
                self.advance_to(self.pos + 1);
            } else {
                self.mark_start();
                self.token(b)?;
            }
        }
        self.finish_statement(self.bytes.len());
        Ok(self.out)
    }

    fn token(&mut self, b: u8) -> Result<(), SplitError> {
        let here = self.pos;
        let end = match b {
            b'\'' => self.quoted_end(here, b'\'', false, "string")?,
            b'"' => self.quoted_end(here, b'"', false, "quoted identifier")?,
            b'E' | b'e' if self.bytes.get(here + 1) == Some(&b'\'') => {
                self.quoted_end(here + 1, b'\'', true, "string")?
            }
            b'$' => match self.dollar_tag(here) {
                Some(tag) => {
                    let body = here + tag.len();
                    match self.src[body..].find(tag.as_str()) {
                        Some(i) => body + i + tag.len(),
                        None => return Err(self.unterminated("dollar-quoted body")),
                    }
                }
                None => here + 1, // a parameter like $1
            },
            b'(' | b')' | b',' => {
                if b == b'(' {
                    self.push_word(here, here + 1, self.depth);
                    self.depth += 1;
                } else {
                    self.depth = self.depth.saturating_sub(if b == b')' { 1 } else { 0 });
                    self.push_word(here, here + 1, self.depth);
                }
                here + 1
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let len = self.src[here..]
                    .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '$'))
                    .unwrap_or(self.src.len() - here);
                self.push_word(here, here + len, self.depth);
                here + len
            }
            _ => here + self.src[here..].chars().next().map(char::len_utf8).unwrap_or(1),
        };
        self.advance_to(end);
        Ok(())
    }

    fn push_word(&mut self, start: usize, end: usize, depth: usize) {
        let column = self.column(start);
        self.words.push(Word {
            upper: self.src[start..end].to_ascii_uppercase(),
            depth,
            start,
            end,
            line: self.line,
            column,
        });
    }

    /// End (exclusive) of a quoted token whose opening quote is at `open`.
    fn quoted_end(&self, open: usize, quote: u8, backslash: bool, what: &'static str) -> Result<usize, SplitError> {
        let mut i = open + 1;
        while i < self.bytes.len() {
            let c = self.bytes[i];
            if backslash && c == b'\\' {
                i += 2;
            } else if c == quote {
                if self.bytes.get(i + 1) == Some(&quote) {
                    i += 2; // doubled quote stands for itself
                } else {
                    return Ok(i + 1);
                }
            } else {
                i += 1;
            }
        }
        Err(self.unterminated(what))
    }

    /// `$tag$` starting at `at`, if that is a dollar-quote opener.
    fn dollar_tag(&self, at: usize) -> Option<String> {
        let rest = &self.src[at + 1..];
        let close = rest.find('$')?;
        let tag = &rest[..close];
        let valid =
            tag.chars().all(|c| c.is_alphanumeric() || c == '_') && !tag.starts_with(|c: char| c.is_ascii_digit());
        valid.then(|| format!("${tag}$"))
    }

    fn block_comment_end(&self) -> Result<usize, SplitError> {
        let mut depth = 0usize;
        let mut i = self.pos;
        while i + 1 < self.bytes.len() {
            match (self.bytes[i], self.bytes[i + 1]) {
                (b'/', b'*') => {
                    depth += 1;
                    i += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => i += 1,
            }
        }
        Err(self.unterminated("/* comment"))
    }

    fn unterminated(&self, what: &'static str) -> SplitError {
        SplitError { what, line: self.line }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        split(sql).unwrap().into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn splits_on_semicolons_outside_literals_and_comments() {
        let sql = "-- a; comment\nCREATE TABLE a (x text DEFAULT ';');\n/* b; /* nested; */ */\n\
                   INSERT INTO a VALUES (E'it\\'s;'), ('x'';y');\nSELECT \"we;ird\" FROM a";
        assert_eq!(
            texts(sql),
            vec![
                "CREATE TABLE a (x text DEFAULT ';')",
                "INSERT INTO a VALUES (E'it\\'s;'), ('x'';y')",
                "SELECT \"we;ird\" FROM a",
            ]
        );
    }

    #[test]
    fn dollar_quotes_keep_their_semicolons() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; SELECT 2; $body$ LANGUAGE sql;\n\
                   SELECT $1, $$a;b$$;";
        let got = texts(sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("LANGUAGE sql"));
        assert_eq!(got[1], "SELECT $1, $$a;b$$");
    }

    #[test]
    fn positions_point_at_the_first_token() {
        let got = split("\n\n  -- lead\n   CREATE TABLE t (x int);\n  DROP TABLE t;").unwrap();
        assert_eq!((got[0].line, got[0].column), (4, 4));
        assert_eq!((got[1].line, got[1].column), (5, 3));
        assert_eq!(got[1].first_keyword(), "DROP");
    }

    #[test]
    fn unterminated_literals_are_errors_with_a_line() {
        assert_eq!(split("SELECT 'abc;\n\n").unwrap_err().what, "string");
        assert_eq!(split("SELECT 1;\n/* open").unwrap_err().what, "/* comment");
        assert_eq!(split("SELECT $x$ never closed").unwrap_err().what, "dollar-quoted body");
    }

    #[test]
    fn finds_a_second_statement_after_a_missing_semicolon() {
        let s = &split("CREATE TABLE a (x int)\nCREATE TABLE b (y int);").unwrap()[0];
        assert_eq!(s.embedded_statement(), Some((2, 1, "CREATE".to_string())));
        let s = &split("CREATE SCHEMA s CREATE TABLE t (x int)").unwrap()[0];
        assert_eq!(s.embedded_statement().map(|e| e.2), Some("CREATE".to_string()));
        let s = &split("CREATE TABLE a (x int)\n  DROP TABLE b").unwrap()[0];
        assert_eq!(s.embedded_statement().map(|e| (e.0, e.2)), Some((2, "DROP".to_string())));
    }

    #[test]
    fn alter_table_subcommands_are_one_statement() {
        for sql in [
            "ALTER TABLE t\n  DROP COLUMN a,\n  ALTER COLUMN b TYPE text",
            "ALTER TABLE t DROP CONSTRAINT c",
            "CREATE TABLE t (a int CHECK (a > 0), b text DEFAULT 'CREATE TABLE x')",
            "INSERT INTO t VALUES (1) ON CONFLICT (a) DO NOTHING",
        ] {
            let s = &split(sql).unwrap()[0];
            assert_eq!(s.embedded_statement(), None, "{sql}");
        }
    }

    #[test]
    fn async_is_dropped_only_from_create_index_async() {
        let s = &split("CREATE UNIQUE INDEX ASYNC IF NOT EXISTS i ON t (a)").unwrap()[0];
        assert!(s.is_async_index());
        assert_eq!(s.without_async(), "CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a)");
        assert_eq!(s.object_name(), Some("i"));
        let s = &split("CREATE TABLE async (a int)").unwrap()[0];
        assert!(!s.is_async_index());
        assert_eq!(s.without_async(), "CREATE TABLE async (a int)");
        assert_eq!(s.object_name(), Some("async"));
    }
}
