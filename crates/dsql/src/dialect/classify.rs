//! Statement classification from the leading keywords: the [`Kind`] DSQL's
//! transaction rules need, the row-locking clause, and DSQL's `ASYNC`
//! keyword. Decided by keyword position only, so it works on DSQL-only
//! syntax and costs a few comparisons per statement.

use super::cursor::Cursor;
use super::lexer::Tok;
use super::{AsyncForm, Kind, Lock};

/// What the classifier found; `verb` is the index of the statement's main
/// keyword (after a `WITH …` list, `EXPLAIN` options, or leading parens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub kind: Kind,
    pub verb: usize,
    pub lock: Option<Lock>,
    pub async_keyword: Option<(AsyncForm, usize)>,
}

pub(crate) fn classify(c: &Cursor) -> Shape {
    let mut verb = 0;
    while c.punct(verb, b'(') {
        verb += 1;
    }
    let kind = kind_at(c, verb);
    if c.is(verb, "with") {
        verb = main_verb_after_with(c, verb);
    }
    let lock = if matches!(kind, Kind::Query | Kind::Dml) { lock_clause(c) } else { None };
    Shape { kind, verb, lock, async_keyword: async_keyword(c) }
}

fn kind_at(c: &Cursor, i: usize) -> Kind {
    if c.punct(i, b'(') {
        return Kind::Query;
    }
    let mut buf = [0u8; 32];
    let Some(w) = c.lower(i, &mut buf) else { return Kind::Unknown };
    match w {
        "select" | "values" | "table" | "show" | "fetch" | "move" | "declare" | "close" => Kind::Query,
        // TRUNCATE changes rows (DSQL refuses it; see rules).
        "insert" | "update" | "delete" | "merge" | "truncate" => Kind::Dml,
        "with" => with_kind(c, i),
        "explain" => explain_kind(c, i),
        "copy" => {
            if c.find_top(i + 1, c.len(), "from").is_some() {
                Kind::Dml
            } else {
                Kind::Query
            }
        }
        "create" | "alter" | "drop" | "comment" | "grant" | "revoke" | "security" | "refresh" | "import" | "aws" => {
            Kind::Ddl
        }
        "begin" | "start" => Kind::Begin,
        "commit" | "end" if !c.is(i + 1, "prepared") => Kind::Commit,
        "rollback" | "abort" => rollback_kind(c, i),
        "savepoint" | "release" => Kind::Savepoint,
        "prepare" if c.is(i + 1, "transaction") => Kind::Unknown,
        "set" | "reset" | "discard" | "prepare" | "deallocate" | "listen" | "notify" | "unlisten" | "vacuum"
        | "analyze" | "analyse" | "checkpoint" | "load" | "reindex" | "cluster" => Kind::Session,
        _ => Kind::Unknown,
    }
}

fn rollback_kind(c: &Cursor, i: usize) -> Kind {
    let mut k = i + 1;
    if c.is(k, "work") || c.is(k, "transaction") {
        k += 1;
    }
    if c.is(k, "to") {
        Kind::Savepoint
    } else if c.is(k, "prepared") {
        Kind::Unknown
    } else {
        Kind::Rollback
    }
}

/// `WITH … INSERT/UPDATE/DELETE/MERGE` anywhere (a data-modifying CTE or
/// main statement) makes the statement DML; otherwise it is a query.
fn with_kind(c: &Cursor, i: usize) -> Kind {
    let verb = main_verb_after_with(c, i);
    if kind_at(c, verb) == Kind::Dml {
        return Kind::Dml;
    }
    let modifying_cte = (i + 1..c.len()).any(|k| {
        c.punct(k.wrapping_sub(1), b'(') && ["insert", "update", "delete", "merge"].iter().any(|v| c.is(k, v))
    });
    if modifying_cte { Kind::Dml } else { Kind::Query }
}

/// Index of the statement that follows `WITH [RECURSIVE] name [(cols)] AS
/// [[NOT] MATERIALIZED] ( … ) [, …]`.
fn main_verb_after_with(c: &Cursor, with: usize) -> usize {
    let mut k = with + 1;
    if c.is(k, "recursive") {
        k += 1;
    }
    loop {
        k += 1; // the CTE name
        if c.punct(k, b'(') {
            k = c.skip_group(k);
        }
        if !c.is(k, "as") {
            return k;
        }
        k += 1;
        if c.is(k, "not") {
            k += 1;
        }
        if c.is(k, "materialized") {
            k += 1;
        }
        k = c.skip_group(k);
        // SEARCH/CYCLE clauses of recursive CTEs run up to the next comma or verb.
        while k < c.len() && (c.is(k, "search") || c.is(k, "cycle")) {
            while k < c.len() && !c.punct(k, b',') && !is_verb(c, k) {
                k += 1;
            }
        }
        if !c.punct(k, b',') {
            return k;
        }
    }
}

fn is_verb(c: &Cursor, k: usize) -> bool {
    ["select", "insert", "update", "delete", "merge", "values", "table"].iter().any(|v| c.is(k, v))
}

/// EXPLAIN runs its statement only with ANALYZE; then a DML statement
/// really changes rows.
fn explain_kind(c: &Cursor, i: usize) -> Kind {
    let mut k = i + 1;
    let mut analyze = false;
    if c.punct(k, b'(') {
        let end = c.skip_group(k);
        analyze = (k..end).any(|t| c.is(t, "analyze") || c.is(t, "analyse"));
        k = end;
    }
    while let Some(w) = c.word(k) {
        if w.eq_ignore_ascii_case("analyze") || w.eq_ignore_ascii_case("analyse") {
            analyze = true;
        } else if !w.eq_ignore_ascii_case("verbose") {
            break;
        }
        k += 1;
    }
    match kind_at(c, k) {
        Kind::Dml if analyze => Kind::Dml,
        _ => Kind::Query,
    }
}

/// The statement's row-locking clause. An unsupported strength wins over a
/// supported one so that the refusal sees it.
fn lock_clause(c: &Cursor) -> Option<Lock> {
    let mut found = None;
    for k in 0..c.len() {
        if !c.is(k, "for") {
            continue;
        }
        let lock = if c.is(k + 1, "update") {
            Lock::Update
        } else if c.seq(k + 1, &["no", "key", "update"]) {
            Lock::NoKeyUpdate
        } else if c.is(k + 1, "share") {
            Lock::Share
        } else if c.seq(k + 1, &["key", "share"]) {
            Lock::KeyShare
        } else {
            continue;
        };
        found = Some(match (found, lock) {
            (Some(prev @ (Lock::Share | Lock::NoKeyUpdate)), _) => prev,
            (Some(Lock::Update), Lock::KeyShare) => Lock::Update,
            _ => lock,
        });
    }
    found
}

/// Position of DSQL's `ASYNC` in `CREATE [UNIQUE] INDEX ASYNC` and
/// `ALTER TABLE ASYNC`. (`ASYNC` is not a PostgreSQL keyword, so an index
/// literally named "async" needs quotes on DSQL too.)
fn async_keyword(c: &Cursor) -> Option<(AsyncForm, usize)> {
    if c.is(0, "create") {
        let k = if c.is(1, "unique") { 2 } else { 1 };
        if c.is(k, "index") && c.is(k + 1, "async") && c.kind(k + 2) != Some(Tok::Punct(b'.')) {
            return Some((AsyncForm::Index, k + 1));
        }
    }
    if c.seq(0, &["alter", "table", "async"]) {
        return Some((AsyncForm::AlterTable, 2));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{Kind, analyze};

    fn kind(sql: &str) -> Kind {
        analyze(sql)[0].kind
    }

    #[test]
    fn kinds_by_leading_keywords() {
        assert_eq!(kind("select 1"), Kind::Query);
        assert_eq!(kind("(SELECT 1) UNION SELECT 2"), Kind::Query);
        assert_eq!(kind("WITH x AS (SELECT 1) SELECT * FROM x"), Kind::Query);
        assert_eq!(kind("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x"), Kind::Dml);
        assert_eq!(kind("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x"), Kind::Dml);
        assert_eq!(kind("EXPLAIN ANALYZE UPDATE t SET a = 1"), Kind::Dml);
        assert_eq!(kind("EXPLAIN UPDATE t SET a = 1"), Kind::Query);
        assert_eq!(kind("COPY t FROM STDIN"), Kind::Dml);
        assert_eq!(kind("COPY (SELECT 1) TO STDOUT"), Kind::Query);
        assert_eq!(kind("CREATE INDEX ASYNC i ON t (a)"), Kind::Ddl);
        assert_eq!(kind("AWS IAM GRANT r TO 'arn'"), Kind::Ddl);
        assert_eq!(kind("START TRANSACTION"), Kind::Begin);
        assert_eq!(kind("END"), Kind::Commit);
        assert_eq!(kind("ABORT"), Kind::Rollback);
        assert_eq!(kind("ROLLBACK TO SAVEPOINT s"), Kind::Savepoint);
        assert_eq!(kind("ROLLBACK WORK TO s"), Kind::Savepoint);
        assert_eq!(kind("SET search_path = x"), Kind::Session);
        assert_eq!(kind("frobnicate"), Kind::Unknown);
        assert_eq!(kind("\"select\" 1"), Kind::Unknown);
    }
}
