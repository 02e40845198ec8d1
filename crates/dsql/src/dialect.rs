//! Statement analysis: what kind each SQL statement is and what DSQL would
//! answer to it. Shared by `schema lint` (static) and the emulator (runtime).
//!
//! INTERFACE CONTRACT (owned by the dialect work; others build against it):
//! `analyze(sql)` splits `sql` into statements and returns one
//! [`Statement`] per statement. It never fails: text it cannot parse comes
//! back as `Kind::Unknown` with no refusal, so callers forward it.
//!
//! How: a PostgreSQL-exact lexer ([`lexer`]) and psql's splitting rules
//! ([`splitter`]), then keyword-position rules over the tokens
//! ([`classify`], [`rules`]). Why tokens and not `sqlparser`'s AST: DSQL has
//! syntax no parser knows (`CREATE INDEX ASYNC`, `ALTER TABLE ASYNC`,
//! `AWS IAM GRANT`), refusals must name types the way PostgreSQL prints them
//! (which the AST has already normalised away), and the emulator runs this
//! on every new statement text, so it must be fast and allocation-light.
//! A refusal is only given when the rule recognised its construct
//! positively; anything we do not recognise is forwarded, never refused.
//! `sqlparser` is used where a real parse adds certainty and speed does not
//! matter: the lint's join-under-`FOR UPDATE` check.
//!
//! Message texts are those recorded on a real cluster
//! (`reference/dsql-conformance/*.json`), else DSQL-FACTS §2; the few
//! guesses are marked in [`messages`].

pub(crate) mod classify;
pub(crate) mod cursor;
pub(crate) mod lexer;
pub mod messages;
mod rules;
pub(crate) mod splitter;
pub(crate) mod table;
pub(crate) mod types;

pub use messages::{Rule, txn};

use std::borrow::Cow;
use std::ops::Range;

/// One statement of the input and what DSQL makes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Byte range of the statement in the analysed text: first token to
    /// last token, without leading comments or the terminating `;`.
    pub span: Range<usize>,
    pub kind: Kind,
    /// Some when DSQL refuses this statement.
    pub refusal: Option<Refusal>,
    /// Row-locking clause (`FOR UPDATE`, …) anywhere in the statement.
    pub lock: Option<Lock>,
    /// DSQL's asynchronous DDL (`CREATE [UNIQUE] INDEX ASYNC`,
    /// `ALTER TABLE ASYNC`), which plain PostgreSQL does not know.
    /// See [`postgres_text`].
    pub async_ddl: Option<AsyncDdl>,
}

/// Where and what DSQL's `ASYNC` keyword is in a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncDdl {
    pub form: AsyncForm,
    /// Byte range of the `ASYNC` keyword in the analysed text.
    pub keyword: Range<usize>,
    /// Index form: the index name as PostgreSQL folds it (None when the
    /// server picks it: `CREATE INDEX ASYNC ON t (a)`).
    pub index_name: Option<String>,
    /// The table, as written (possibly schema-qualified and quoted, so it
    /// can be passed to `::regclass`).
    pub table: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AsyncForm {
    /// `CREATE [UNIQUE] INDEX ASYNC`: DSQL answers one `job_id` row.
    Index,
    /// `ALTER TABLE ASYNC … VALIDATE CONSTRAINT …`.
    AlterTable,
}

/// Statement classes that DSQL's transaction rules care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// CREATE/ALTER/DROP/COMMENT/GRANT/REVOKE/AWS IAM … (one per
    /// transaction, never mixed with DML).
    Ddl,
    /// INSERT/UPDATE/DELETE/MERGE/TRUNCATE, `COPY … FROM`, `EXPLAIN
    /// ANALYZE` of those, and `WITH` statements containing one of them.
    Dml,
    /// SELECT, SHOW, VALUES, TABLE, EXPLAIN (without ANALYZE of DML), `COPY … TO`.
    /// `SELECT … FOR UPDATE` is a Query with [`Statement::lock`] set.
    Query,
    /// BEGIN / START TRANSACTION.
    Begin,
    /// COMMIT / END.
    Commit,
    /// ROLLBACK / ABORT (not `ROLLBACK TO SAVEPOINT`: that is [`Kind::Savepoint`]).
    Rollback,
    /// SAVEPOINT, RELEASE [SAVEPOINT], ROLLBACK TO [SAVEPOINT] (DSQL refuses all).
    Savepoint,
    /// SET / RESET / SET TRANSACTION / DISCARD / PREPARE / DEALLOCATE /
    /// LISTEN-family / VACUUM / ANALYZE and other commands that change no table data.
    Session,
    /// Parsed nothing we classify, or could not parse: forward unchanged.
    Unknown,
}

/// A row-locking clause. DSQL accepts [`Lock::Update`] and
/// [`Lock::KeyShare`] (both join the commit-time conflict check) and refuses
/// the other two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lock {
    Update,
    NoKeyUpdate,
    Share,
    KeyShare,
}

/// DSQL's answer to a statement it does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// SQLSTATE, e.g. "0A000".
    pub sqlstate: &'static str,
    /// DSQL's message text, exactly as a real cluster words it.
    pub message: String,
    /// How to change the statement so DSQL accepts it.
    pub fix: &'static str,
    /// Which rule refused (stable identifier for tests and tooling).
    pub rule: Rule,
}

impl Statement {
    /// The statement's text within the analysed `sql`.
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        sql.get(self.span.clone()).unwrap_or("")
    }

    pub fn is_ddl(&self) -> bool {
        self.kind == Kind::Ddl
    }

    pub fn is_dml(&self) -> bool {
        self.kind == Kind::Dml
    }

    /// `SELECT … FOR UPDATE` / `FOR KEY SHARE`: rows read this way join the
    /// commit-time write-conflict check (DSQL-FACTS §3).
    pub fn is_locking_read(&self) -> bool {
        matches!(self.lock, Some(Lock::Update | Lock::KeyShare))
    }

    /// `CREATE [UNIQUE] INDEX ASYNC …`: DSQL answers one `job_id` row.
    pub fn is_async_index(&self) -> bool {
        self.async_ddl.as_ref().is_some_and(|a| a.form == AsyncForm::Index)
    }
}

/// Analyses `sql`. See the module docs for the contract.
pub fn analyze(sql: &str) -> Vec<Statement> {
    let mut tokens = Vec::with_capacity(sql.len() / 4 + 4);
    let complete = lexer::lex(sql, &mut tokens);
    let mut pieces = Vec::new();
    splitter::split(sql, &tokens, &mut pieces);
    let last = pieces.len().saturating_sub(1);
    pieces
        .iter()
        .enumerate()
        .map(|(n, piece)| {
            let cur = cursor::Cursor::new(sql, &tokens[piece.tokens.clone()]);
            // An unterminated quote/comment can only be in the last piece;
            // that text is not SQL we understand, so PostgreSQL answers it.
            if !complete && n == last {
                return Statement {
                    span: piece.span.clone(),
                    kind: Kind::Unknown,
                    refusal: None,
                    lock: None,
                    async_ddl: None,
                };
            }
            let shape = classify::classify(&cur);
            let mut refusal = rules::refusal_for(&cur, &shape);
            let mut lock = shape.lock;
            // `PREPARE name [(types)] AS statement`: the statement is judged
            // (and its lock clause found) as if sent on its own; the PREPARE
            // keeps its own kind, since it runs nothing yet.
            if let Some(inner) = prepared_statement(&cur) {
                let inner_shape = classify::classify(&inner);
                refusal = refusal.or_else(|| rules::refusal_for(&inner, &inner_shape));
                lock = lock.or(inner_shape.lock);
            }
            Statement {
                span: piece.span.clone(),
                kind: shape.kind,
                refusal,
                lock,
                async_ddl: shape.async_keyword.map(|(form, k)| async_ddl(&cur, form, k)),
            }
        })
        .collect()
}

/// The statement after the top-level `AS` of `PREPARE name [(types)] AS …`.
fn prepared_statement<'a>(cur: &cursor::Cursor<'a>) -> Option<cursor::Cursor<'a>> {
    if !cur.is(0, "prepare") || cur.is(1, "transaction") {
        return None;
    }
    let as_at = cur.find_top(1, cur.len(), "as")?;
    Some(cursor::Cursor::new(cur.sql, &cur.toks[as_at + 1..]))
}

fn async_ddl(cur: &cursor::Cursor, form: AsyncForm, k: usize) -> AsyncDdl {
    let keyword = cur.toks[k].start..cur.toks[k].end;
    let as_written = |from: usize, to: usize| {
        (from < to && to <= cur.len()).then(|| cur.sql[cur.toks[from].start..cur.toks[to - 1].end].to_owned())
    };
    match form {
        AsyncForm::Index => {
            let mut name = k + 1;
            if cur.seq(name, &["if", "not", "exists"]) {
                name += 3;
            }
            let index_name = (!cur.is(name, "on")).then(|| cur.ident(name).map(Cow::into_owned)).flatten();
            let table = cur.find_top(name, cur.len(), "on").and_then(|on| {
                let start = if cur.is(on + 1, "only") { on + 2 } else { on + 1 };
                as_written(start, cur.skip_name(start))
            });
            AsyncDdl { form, keyword, index_name, table }
        }
        AsyncForm::AlterTable => {
            let mut start = k + 1;
            for skip in [&["if", "exists"][..], &["only"]] {
                if cur.seq(start, skip) {
                    start += skip.len();
                }
            }
            AsyncDdl { form, keyword, index_name: None, table: as_written(start, cur.skip_name(start)) }
        }
    }
}

/// The statement's text for plain PostgreSQL: DSQL's `ASYNC` keyword (and
/// the whitespace after it) removed, every other byte unchanged.
pub fn postgres_text<'a>(sql: &'a str, stmt: &Statement) -> Cow<'a, str> {
    let text = stmt.text(sql);
    match stmt.async_ddl.as_ref().map(|a| &a.keyword) {
        None => Cow::Borrowed(text),
        Some(k) => {
            let (from, to) = (k.start - stmt.span.start, k.end - stmt.span.start);
            let rest = &text[to..];
            let rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
            Cow::Owned(format!("{}{}", &text[..from], rest))
        }
    }
}

/// The whole of `sql` for plain PostgreSQL: every DSQL `ASYNC` keyword
/// removed (see [`postgres_text`]); borrowed when there is none.
pub fn rewrite_for_postgres<'a>(sql: &'a str, statements: &[Statement]) -> Cow<'a, str> {
    let mut cuts = statements.iter().filter_map(|s| s.async_ddl.as_ref().map(|a| a.keyword.clone())).peekable();
    if cuts.peek().is_none() {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for cut in cuts {
        out.push_str(&sql[at..cut.start]);
        let rest = &sql[cut.end..];
        at = sql.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }
    out.push_str(&sql[at..]);
    Cow::Owned(out)
}
