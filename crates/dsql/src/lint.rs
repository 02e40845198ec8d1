//! `schema lint`: a static DSQL compatibility check of SQL text.
//!
//! INTERFACE CONTRACT: `lint(text)` returns every finding in `text`, in
//! order, each with a 1-based line number. The caller adds the file name.
//!
//! Per statement it reports what [`crate::dialect::analyze`] says DSQL
//! refuses (the emulator enforces the same answers). Across statements it
//! adds what only the whole file shows: DDL statements sharing an explicit
//! transaction (`BEGIN … COMMIT`), DDL mixed with DML in one, indexes over
//! BYTEA columns of tables defined earlier in the file, and row locks over
//! joins (a documented DSQL restriction, checked with `sqlparser`).

use crate::dialect::cursor::Cursor;
use crate::dialect::messages::{self as m, Rule, txn};
use crate::dialect::table::{self, TableDef};
use crate::dialect::{Kind, Lock, Refusal, Statement, analyze, lexer};
use std::collections::HashMap;

/// One statement DSQL would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line of the statement's first token.
    pub line: usize,
    /// 1-based column (in characters) of the statement's first token.
    pub column: usize,
    pub sqlstate: &'static str,
    /// The error DSQL would give.
    pub message: String,
    /// How to fix it.
    pub fix: &'static str,
    /// Which rule found it.
    pub rule: Rule,
}

/// Documented (not recorded) restriction on row locks; see DSQL-FACTS §2.
pub const LOCKED_JOIN: &str = "locking clause such as FOR UPDATE can be applied on a single table";

/// Lints SQL text (several statements, comments allowed).
pub fn lint(text: &str) -> Vec<Finding> {
    let lines = LineIndex::new(text);
    let mut state = FileState::default();
    let mut findings = Vec::new();
    let mut tokens = Vec::new();
    for stmt in analyze(text) {
        let sql = stmt.text(text);
        lexer::lex(sql, &mut tokens);
        let cur = Cursor::new(sql, &tokens);
        let refusal = stmt.refusal.clone().or_else(|| state.cross_statement(&stmt, &cur));
        // A refused statement changes nothing on DSQL (a refused BEGIN
        // starts no transaction, a refused CREATE TABLE creates nothing).
        if refusal.is_none() {
            state.learn(&stmt, &cur);
        }
        if let Some(r) = refusal {
            let (line, column) = lines.position(text, stmt.span.start);
            findings.push(Finding { line, column, sqlstate: r.sqlstate, message: r.message, fix: r.fix, rule: r.rule });
        }
    }
    findings
}

/// What earlier statements of the file established.
#[derive(Default)]
struct FileState {
    in_transaction: bool,
    ddl_in_transaction: bool,
    dml_in_transaction: bool,
    tables: HashMap<String, TableDef>,
}

impl FileState {
    /// A refusal that depends on earlier statements (or needs a real parse).
    fn cross_statement(&self, stmt: &Statement, cur: &Cursor) -> Option<Refusal> {
        if self.in_transaction {
            if let Some(r) = txn::violation(self.ddl_in_transaction, self.dml_in_transaction, stmt.kind) {
                return Some(r);
            }
        }
        if stmt.is_async_index() || (stmt.kind == Kind::Ddl && cur.is(0, "create")) {
            if let Some(r) = self.bytea_index(cur) {
                return Some(r);
            }
        }
        if matches!(stmt.lock, Some(Lock::Update | Lock::KeyShare)) && locks_a_join(cur) {
            return Some(m_refusal(Rule::LockedJoin, LOCKED_JOIN));
        }
        None
    }

    /// `CREATE [UNIQUE] INDEX … ON t (c)` where `c` is a BYTEA column of a
    /// table this file created.
    fn bytea_index(&self, cur: &Cursor) -> Option<Refusal> {
        let is_index = cur.is(1, "index") || (cur.is(1, "unique") && cur.is(2, "index"));
        if !is_index {
            return None;
        }
        let (table, columns) = table::index_target(cur)?;
        let def = self.tables.get(&table)?;
        let col = columns.iter().find(|c| def.is_bytea(c))?;
        Some(m_refusal(Rule::ByteaKey, &m::bytea_key(col)))
    }

    fn learn(&mut self, stmt: &Statement, cur: &Cursor) {
        match stmt.kind {
            Kind::Begin => {
                self.in_transaction = true;
                self.ddl_in_transaction = false;
                self.dml_in_transaction = false;
            }
            Kind::Commit | Kind::Rollback => self.in_transaction = false,
            Kind::Ddl if self.in_transaction => self.ddl_in_transaction = true,
            Kind::Dml if self.in_transaction => self.dml_in_transaction = true,
            _ => {}
        }
        if stmt.kind != Kind::Ddl {
            return;
        }
        if cur.is(0, "create") {
            if let Some(def) = table::parse_table_def(cur) {
                self.tables.insert(def.name.clone(), def);
            }
        } else if let Some((name, columns)) = table::alter_added_columns(cur) {
            if let Some(def) = self.tables.get_mut(&name) {
                def.columns.extend(columns);
            }
        }
    }
}

fn m_refusal(rule: Rule, message: &str) -> Refusal {
    Refusal { sqlstate: m::FEATURE_NOT_SUPPORTED, message: message.to_owned(), fix: m::fix(rule), rule }
}

/// True when the statement's top-level query locks rows while reading more
/// than one table (a JOIN or a comma list). `sqlparser` decides when it can
/// parse the statement; it does not know every locking form (`FOR KEY
/// SHARE`), so otherwise the top-level FROM clause's tokens decide.
fn locks_a_join(cur: &Cursor) -> bool {
    use sqlparser::ast::{SetExpr, Statement as Ast};
    match sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, cur.sql) {
        Ok(parsed) => parsed.iter().any(|stmt| {
            let Ast::Query(q) = stmt else { return false };
            match q.body.as_ref() {
                SetExpr::Select(s) if !q.locks.is_empty() => {
                    s.from.len() > 1 || s.from.iter().any(|t| !t.joins.is_empty())
                }
                _ => false,
            }
        }),
        Err(_) => from_clause_joins(cur),
    }
}

/// Token fallback: a top-level FROM list with a comma or JOIN.
fn from_clause_joins(cur: &Cursor) -> bool {
    const CLAUSE_ENDS: &[&str] = &[
        "where",
        "group",
        "having",
        "window",
        "order",
        "limit",
        "offset",
        "fetch",
        "for",
        "union",
        "intersect",
        "except",
    ];
    let Some(from) = cur.find_top(0, cur.len(), "from") else { return false };
    cur.top_level(from + 1, cur.len())
        .take_while(|&k| !CLAUSE_ENDS.iter().any(|w| cur.is(k, w)))
        .any(|k| cur.punct(k, b',') || cur.is(k, "join"))
}

/// Byte offset → 1-based line and character column.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, text[start..offset].chars().count() + 1)
    }
}
