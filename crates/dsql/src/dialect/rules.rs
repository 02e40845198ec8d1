//! Per-statement refusal rules: given a classified statement, DSQL's answer
//! if it refuses it. Table-shaped rules live in [`super::table`].
//!
//! Each rule matches only a construct it recognises positively; anything
//! else is left to PostgreSQL (the emulator forwards it), never refused.

use super::classify::Shape;
use super::cursor::Cursor;
use super::messages::{self as m, FEATURE_NOT_SUPPORTED as NS, Rule, refusal};
use super::table;
use super::{Kind, Lock, Refusal};

pub(crate) fn refusal_for(c: &Cursor, shape: &Shape) -> Option<Refusal> {
    match shape.kind {
        Kind::Ddl => ddl(c),
        Kind::Query | Kind::Dml => data(c, shape),
        Kind::Begin => begin(c),
        Kind::Savepoint => Some(savepoint(c)),
        Kind::Session => session(c),
        Kind::Commit | Kind::Rollback | Kind::Unknown => None,
    }
}

fn unsupported(node: &str) -> Refusal {
    refusal(Rule::UnsupportedStatement, NS, m::unsupported_statement(node))
}

fn ddl(c: &Cursor) -> Option<Refusal> {
    if c.is(0, "create") {
        return create(c);
    }
    if c.is(0, "alter") {
        if c.is(1, "table") {
            return table::alter_table(c, 2);
        }
        if c.is(1, "system") {
            return Some(unsupported("AlterSystem"));
        }
        if c.is(1, "type") {
            return alter_type(c);
        }
        return None;
    }
    if c.seq(0, &["drop", "type"]) {
        return Some(refusal(Rule::DropType, NS, m::DROP_TYPE));
    }
    None
}

fn create(c: &Cursor) -> Option<Refusal> {
    let mut k = 1;
    if c.seq(k, &["or", "replace"]) {
        k += 2;
    }
    // Modifiers that may precede the object word.
    while [
        "temp",
        "temporary",
        "global",
        "local",
        "unlogged",
        "unique",
        "materialized",
        "recursive",
        "trusted",
        "procedural",
        "constraint",
        "foreign",
    ]
    .iter()
    .any(|w| c.is(k, w))
    {
        if c.is(k, "materialized") && c.is(k + 1, "view") {
            return Some(unsupported("CreateTableAs"));
        }
        if c.is(k, "foreign") && c.is(k + 1, "table") {
            return Some(unsupported("CreateForeignTable"));
        }
        k += 1;
    }
    let mut buf = [0u8; 32];
    match c.lower(k, &mut buf)? {
        "table" => table::create_table(c),
        "index" => create_index(c, k),
        "sequence" => table::create_sequence(c, k),
        "trigger" => Some(refusal(Rule::CreateTrigger, NS, m::CREATE_TRIGGER)),
        // GUESS: unrecorded; the generic form with PostgreSQL's node name.
        "event" if c.is(k + 1, "trigger") => Some(unsupported("CreateEventTrig")),
        "extension" => Some(unsupported("CreateExtension")),
        "database" => Some(unsupported("Createdb")),
        "tablespace" => Some(unsupported("CreateTableSpace")),
        "type" => create_type(c, k),
        "function" | "procedure" => function_language(c, k),
        _ => None,
    }
}

/// CREATE INDEX must be ASYNC, never CONCURRENTLY, and (recorded) an
/// ASYNC index name may not be schema-qualified.
fn create_index(c: &Cursor, index: usize) -> Option<Refusal> {
    let next = index + 1;
    if c.is(next, "concurrently") {
        return Some(refusal(Rule::IndexConcurrently, NS, m::INDEX_CONCURRENTLY));
    }
    if !c.is(next, "async") {
        return Some(refusal(Rule::IndexWithoutAsync, NS, m::INDEX_WITHOUT_ASYNC));
    }
    let mut name = next + 1;
    if c.seq(name, &["if", "not", "exists"]) {
        name += 3;
    }
    if !c.is(name, "on") && c.punct(name + 1, b'.') {
        return Some(refusal(Rule::IndexAsyncQualifiedName, m::SYNTAX_ERROR, m::syntax_error_near(".")));
    }
    index_keys(c, name)
}

/// The key list of `… ON t [USING m] (keys)`: no ASC/DESC, at most 8 keys.
fn index_keys(c: &Cursor, from: usize) -> Option<Refusal> {
    let on = c.find_top(from, c.len(), "on")?;
    let open = (on + 1..c.len()).find(|&k| c.punct(k, b'('))?;
    let keys = c.comma_list(open + 1, c.skip_group(open).saturating_sub(1));
    let sorted = keys.iter().any(|key| c.top_level(key.start, key.end).any(|k| c.is(k, "asc") || c.is(k, "desc")));
    if sorted {
        return Some(refusal(Rule::IndexSortOrder, NS, m::INDEX_SORT_ORDER));
    }
    (keys.len() > 8).then(|| refusal(Rule::IndexKeyColumns, m::TOO_MANY_COLUMNS, m::INDEX_KEY_COLUMNS))
}

/// `CREATE TYPE n AS ENUM | AS (…) | AS RANGE`. Base and shell types are
/// left to PostgreSQL (no recording).
fn create_type(c: &Cursor, k: usize) -> Option<Refusal> {
    let as_kw = c.skip_name(k + 1);
    if !c.is(as_kw, "as") {
        return None;
    }
    if c.is(as_kw + 1, "enum") {
        Some(refusal(Rule::CreateType, NS, m::CREATE_TYPE))
    } else if c.is(as_kw + 1, "range") {
        Some(unsupported("CreateRange"))
    } else if c.punct(as_kw + 1, b'(') {
        Some(unsupported("CompositeType"))
    } else {
        None
    }
}

fn alter_type(c: &Cursor) -> Option<Refusal> {
    let after = c.skip_name(2);
    if c.seq(after, &["rename", "to"]) {
        Some(refusal(Rule::RenameType, NS, m::RENAME_TYPE))
    } else if c.seq(after, &["add", "value"]) || c.seq(after, &["rename", "value"]) {
        Some(refusal(Rule::AlterType, NS, m::ALTER_TYPE))
    } else {
        None
    }
}

/// Only LANGUAGE sql bodies are accepted (recorded: plpgsql refused).
fn function_language(c: &Cursor, k: usize) -> Option<Refusal> {
    let at = c.find_top(k + 1, c.len(), "language")?;
    let lang = c.ident(at + 1).or_else(|| c.string(at + 1))?;
    let lang = lang.to_ascii_lowercase();
    (lang != "sql").then(|| refusal(Rule::FunctionLanguage, NS, m::function_language(&lang)))
}

/// SELECT/INSERT/…: locking strength, TABLESAMPLE, MERGE, and calls that
/// need types or configurations DSQL lacks.
fn data(c: &Cursor, shape: &Shape) -> Option<Refusal> {
    if c.is(0, "truncate") {
        return Some(unsupported("Truncate"));
    }
    if c.is(shape.verb, "merge") {
        return Some(refusal(Rule::Merge, NS, m::MERGE));
    }
    if c.is(0, "show") {
        return c.is(1, "lc_collate").then(|| refusal(Rule::ShowLcCollate, m::UNDEFINED_OBJECT, m::SHOW_LC_COLLATE));
    }
    if select_into(c, shape) {
        // GUESS: unrecorded; PostgreSQL turns SELECT … INTO t into the same
        // CreateTableAs statement DSQL refuses (recorded for CREATE TABLE AS).
        return Some(unsupported("CreateTableAs"));
    }
    if matches!(shape.lock, Some(Lock::Share | Lock::NoKeyUpdate)) {
        return Some(refusal(Rule::LockingClause, NS, m::LOCKING_CLAUSE));
    }
    if (0..c.len()).any(|k| c.is(k, "tablesample")) {
        return Some(refusal(Rule::Tablesample, NS, m::TABLESAMPLE));
    }
    function_calls(c)
}

/// `SELECT … INTO new_table …` at the top level (not `INSERT INTO`).
fn select_into(c: &Cursor, shape: &Shape) -> bool {
    shape.kind == Kind::Query && c.is(shape.verb, "select") && c.find_top(shape.verb + 1, c.len(), "into").is_some()
}

const GEOMETRIC: &[&str] = &["point", "line", "lseg", "box", "path", "polygon", "circle"];
const TEXT_SEARCH: &[&str] =
    &["to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery", "ts_headline"];

/// Recorded: `SELECT line('{1,2,3}')` → `datatype line not supported`;
/// `to_tsvector('english', …)` → `text search configuration "english" does
/// not exist` (DSQL ships no configurations; we assume `simple` is none
/// either only when it is named, so a bare `to_tsvector(x)` is forwarded).
fn function_calls(c: &Cursor) -> Option<Refusal> {
    let mut buf = [0u8; 32];
    for k in 0..c.len() {
        if !c.punct(k + 1, b'(') || names_a_relation(c, k) {
            continue;
        }
        let Some(w) = c.lower(k, &mut buf) else { continue };
        if GEOMETRIC.contains(&w) {
            return Some(refusal(Rule::GeometricFunction, NS, m::unsupported_type(w)));
        }
        if TEXT_SEARCH.contains(&w) && c.punct(k + 3, b',') {
            if let Some(config) = c.string(k + 2) {
                return Some(refusal(Rule::TextSearchConfig, m::UNDEFINED_OBJECT, m::text_search_config(&config)));
            }
        }
    }
    None
}

/// True when the word at `k` names a relation rather than calling a
/// function: a table (`INSERT INTO path (…)`), a CTE or alias with a column
/// list (`WITH line(x) AS …`, `AS box(a, b)`), or a qualified name's part.
fn names_a_relation(c: &Cursor, k: usize) -> bool {
    let prev = k.wrapping_sub(1);
    c.punct(prev, b'.')
        || ["into", "update", "from", "join", "table", "only", "references", "using", "with", "recursive", "as"]
            .iter()
            .any(|w| c.is(prev, w))
        || (c.punct(prev, b',') && c.is(c.skip_group(k + 1), "as"))
}

/// `BEGIN`/`START TRANSACTION` with an isolation level other than
/// REPEATABLE READ.
fn begin(c: &Cursor) -> Option<Refusal> {
    let at = (1..c.len()).find(|&k| c.seq(k, &["isolation", "level"]))?;
    isolation_level(c, at + 2)
}

/// The level named at `k`, refused unless it is REPEATABLE READ.
fn isolation_level(c: &Cursor, k: usize) -> Option<Refusal> {
    let level = if c.is(k, "serializable") {
        "SERIALIZABLE"
    } else if c.seq(k, &["read", "committed"]) {
        // GUESS: unrecorded; same pattern as SERIALIZABLE.
        "READ COMMITTED"
    } else if c.seq(k, &["read", "uncommitted"]) {
        "READ UNCOMMITTED"
    } else {
        return None;
    };
    Some(refusal(Rule::IsolationLevel, NS, m::isolation_level(level)))
}

fn savepoint(c: &Cursor) -> Refusal {
    let statement = if c.is(0, "savepoint") {
        "SAVEPOINT"
    } else if c.is(0, "release") {
        "RELEASE"
    } else {
        "ROLLBACK TO"
    };
    refusal(Rule::Savepoint, NS, m::savepoint(statement))
}

fn session(c: &Cursor) -> Option<Refusal> {
    let mut buf = [0u8; 32];
    match c.lower(0, &mut buf)? {
        "set" => set(c),
        "vacuum" => Some(refusal(Rule::Vacuum, NS, m::VACUUM)),
        "listen" => Some(unsupported("Listen")),
        "notify" => Some(unsupported("Notify")),
        "unlisten" => Some(unsupported("Unlisten")),
        _ => None,
    }
}

/// SET TRANSACTION (recorded: SERIALIZABLE answers with the isolation
/// error, anything else with the parameter error) and the isolation
/// parameters.
fn set(c: &Cursor) -> Option<Refusal> {
    let mut k = 1;
    if c.is(k, "session") || c.is(k, "local") {
        k += 1;
    }
    let transaction_at = if c.is(k, "transaction") {
        Some(k)
    } else if c.seq(k, &["characteristics", "as", "transaction"]) {
        Some(k + 2)
    } else {
        None
    };
    if let Some(t) = transaction_at {
        if let Some(at) = (t..c.len()).find(|&j| c.seq(j, &["isolation", "level"])) {
            if let Some(r) = isolation_level(c, at + 2) {
                return Some(r);
            }
        }
        return Some(refusal(Rule::SetTransaction, NS, m::set_parameter("TRANSACTION")));
    }
    let name = c.ident(k)?;
    let refused = name == "default_transaction_isolation" || name == "transaction_isolation";
    refused.then(|| refusal(Rule::SetIsolationParameter, NS, m::set_parameter(&name)))
}
