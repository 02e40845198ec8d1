//! CREATE TABLE, CREATE SEQUENCE and ALTER TABLE: column types, identity
//! and sequence CACHE rules, keys, and the ALTER TABLE forms DSQL refuses.
//! Also the table model (`TableDef`) the lint uses to find BYTEA keys.

use super::Refusal;
use super::cursor::Cursor;
use super::messages::{self as m, FEATURE_NOT_SUPPORTED as NS, Rule, refusal};
use super::types::{Support, TypeRef, parse_type};

/// One column of a CREATE TABLE (or ALTER TABLE ADD COLUMN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnDef {
    pub name: String,
    pub display: String,
    pub support: Support,
    /// Index of the column's first token (for positions).
    pub at: usize,
}

/// What a CREATE TABLE defines that later statements need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// Column lists of the PRIMARY KEY and UNIQUE constraints.
    pub keys: Vec<Vec<String>>,
}

impl TableDef {
    /// First key column whose type is BYTEA.
    pub fn bytea_key_column(&self) -> Option<&str> {
        self.keys.iter().flatten().find(|k| self.is_bytea(k)).map(String::as_str)
    }

    pub fn is_bytea(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c.name == column && c.display == "bytea")
    }
}

/// Rules for `CREATE [TEMP|UNLOGGED] TABLE …`.
pub(crate) fn create_table(c: &Cursor) -> Option<Refusal> {
    let mut k = 1;
    let (mut temp, mut unlogged) = (false, false);
    loop {
        if c.is(k, "global") || c.is(k, "local") {
        } else if c.is(k, "temp") || c.is(k, "temporary") {
            temp = true;
        } else if c.is(k, "unlogged") {
            unlogged = true;
        } else {
            break;
        }
        k += 1;
    }
    if !c.is(k, "table") {
        return None;
    }
    let name = skip_if_not_exists(c, k + 1);
    let after = c.skip_name(name);
    // CREATE TABLE … AS is a different statement (CreateTableAs) for DSQL.
    if c.find_top(after, c.len(), "as").is_some() {
        return Some(refusal(Rule::UnsupportedStatement, NS, m::unsupported_statement("CreateTableAs")));
    }
    if temp {
        return Some(refusal(Rule::TempTable, NS, m::TEMP_TABLE));
    }
    if unlogged {
        return Some(refusal(Rule::UnloggedTable, NS, m::UNLOGGED_TABLE));
    }
    let def = table_def(c, name, after);
    for part in element_ranges(c, after) {
        if let Some(r) = column_rules(c, part) {
            return Some(r);
        }
    }
    if def.keys.iter().any(|k| k.len() > 8) {
        return Some(refusal(Rule::IndexKeyColumns, m::TOO_MANY_COLUMNS, m::INDEX_KEY_COLUMNS));
    }
    def.bytea_key_column().map(|col| refusal(Rule::ByteaKey, NS, m::bytea_key(col)))
}

fn skip_if_not_exists(c: &Cursor, k: usize) -> usize {
    if c.seq(k, &["if", "not", "exists"]) { k + 3 } else { k }
}

/// The comma-separated table elements inside `( … )` right after the name.
fn element_ranges(c: &Cursor, after_name: usize) -> Vec<std::ops::Range<usize>> {
    if !c.punct(after_name, b'(') {
        return Vec::new();
    }
    let close = c.skip_group(after_name);
    c.comma_list(after_name + 1, close.saturating_sub(1))
}

fn is_table_constraint(c: &Cursor, k: usize) -> bool {
    ["constraint", "primary", "unique", "check", "foreign", "exclude", "like"].iter().any(|w| c.is(k, w))
}

/// Type and identity rules for one column definition in `part`.
fn column_rules(c: &Cursor, part: std::ops::Range<usize>) -> Option<Refusal> {
    if is_table_constraint(c, part.start) {
        return None;
    }
    let ty = parse_type(c, part.start + 1)?;
    if let Some(r) = type_refusal(&ty) {
        return Some(r);
    }
    let generated = (ty.end..part.end).find(|&k| c.is(k, "generated"))?;
    let identity = (generated..part.end).find(|&k| c.is(k, "identity"))?;
    if !cache_ok(c, identity + 1, part.end) {
        return Some(refusal(Rule::IdentityCache, NS, m::IDENTITY_CACHE));
    }
    (ty.display != "bigint").then(|| refusal(Rule::IdentityType, NS, m::identity_type(&ty.display)))
}

/// `serial` and unsupported built-in types.
pub(crate) fn type_refusal(ty: &TypeRef) -> Option<Refusal> {
    match ty.support {
        Support::Serial => Some(refusal(Rule::Serial, m::UNDEFINED_OBJECT, m::SERIAL)),
        Support::Unsupported => Some(refusal(Rule::UnsupportedType, NS, m::unsupported_type(&ty.display))),
        Support::Supported | Support::Other => None,
    }
}

/// DSQL needs an explicit `CACHE n` with n = 1 or n ≥ 65536 in the
/// sequence options found in `from..to`.
fn cache_ok(c: &Cursor, from: usize, to: usize) -> bool {
    let Some(k) = (from..to).find(|&k| c.is(k, "cache")) else { return false };
    matches!(c.text(k + 1).parse::<u64>(), Ok(n) if n == 1 || n >= 65536)
}

/// `CREATE [TEMP|UNLOGGED] SEQUENCE …` without a valid CACHE.
pub(crate) fn create_sequence(c: &Cursor, seq_at: usize) -> Option<Refusal> {
    (!cache_ok(c, seq_at + 1, c.len())).then(|| refusal(Rule::SequenceCache, NS, m::SEQUENCE_CACHE))
}

/// The table model of a CREATE TABLE whose name is at `name`.
fn table_def(c: &Cursor, name: usize, after: usize) -> TableDef {
    let mut def = TableDef { name: last_name(c, name, after), ..TableDef::default() };
    for part in element_ranges(c, after) {
        let k = part.start;
        if is_table_constraint(c, k) {
            let mut j = k;
            if c.is(j, "constraint") {
                j += 2;
            }
            if c.is(j, "primary") || c.is(j, "unique") {
                if let Some(open) = (j..part.end).find(|&t| c.punct(t, b'(')) {
                    def.keys.push(ident_list(c, open));
                }
            }
            continue;
        }
        let (Some(col), Some(ty)) = (c.ident(k), parse_type(c, k + 1)) else { continue };
        let col = col.into_owned();
        if (ty.end..part.end).any(|t| c.is(t, "primary") || c.is(t, "unique")) {
            def.keys.push(vec![col.clone()]);
        }
        def.columns.push(ColumnDef { name: col, display: ty.display.into_owned(), support: ty.support, at: k });
    }
    def
}

/// Table model of a CREATE TABLE statement (for the lint).
pub(crate) fn parse_table_def(c: &Cursor) -> Option<TableDef> {
    let k = (1..4).find(|&k| c.is(k, "table"))?;
    let name = skip_if_not_exists(c, k + 1);
    Some(table_def(c, name, c.skip_name(name)))
}

/// The unqualified, folded name of the object named at `from..to`.
pub(crate) fn last_name(c: &Cursor, from: usize, to: usize) -> String {
    (from..to).rev().find_map(|k| c.ident(k)).map(|n| n.into_owned()).unwrap_or_default()
}

/// Plain column names in the `( … )` group at `open` (expressions skipped).
pub(crate) fn ident_list(c: &Cursor, open: usize) -> Vec<String> {
    let close = c.skip_group(open);
    c.comma_list(open + 1, close.saturating_sub(1))
        .into_iter()
        .filter_map(|p| c.ident(p.start).map(|n| n.into_owned()))
        .collect()
}

/// `CREATE [UNIQUE] INDEX … ON table (cols)`: the table and column names.
pub(crate) fn index_target(c: &Cursor) -> Option<(String, Vec<String>)> {
    let on = c.find_top(2, c.len(), "on")?;
    let mut t = on + 1;
    if c.is(t, "only") {
        t += 1;
    }
    let end = c.skip_name(t);
    let open = (end..c.len()).find(|&k| c.punct(k, b'('))?;
    Some((last_name(c, t, end), ident_list(c, open)))
}

/// Rules for `ALTER TABLE …` actions; `k` is the index after `TABLE`.
pub(crate) fn alter_table(c: &Cursor, mut k: usize) -> Option<Refusal> {
    let is_async = c.is(k, "async");
    if is_async {
        k += 1;
    }
    if c.seq(k, &["if", "exists"]) {
        k += 2;
    }
    if c.is(k, "only") {
        k += 1;
    }
    k = c.skip_name(k);
    if c.kind(k) == Some(super::lexer::Tok::Op) && c.text(k) == "*" {
        k += 1;
    }
    c.comma_list(k, c.len()).into_iter().find_map(|action| alter_action(c, action, is_async))
}

fn alter_action(c: &Cursor, a: std::ops::Range<usize>, is_async: bool) -> Option<Refusal> {
    let k = a.start;
    if c.is(k, "add") {
        let mut j = k + 1;
        if is_table_constraint(c, j) {
            return add_constraint(c, j..a.end);
        }
        if c.is(j, "column") {
            j += 1;
        }
        j = skip_if_not_exists(c, j);
        return add_column(c, j..a.end);
    }
    if c.is(k, "alter") {
        let j = if c.is(k + 1, "column") { k + 2 } else { k + 1 };
        if c.is(j + 1, "type") || c.seq(j + 1, &["set", "data", "type"]) {
            return Some(refusal(Rule::AlterColumnType, NS, m::ALTER_COLUMN_TYPE));
        }
    }
    if c.seq(k, &["validate", "constraint"]) && !is_async {
        return Some(refusal(Rule::AlterValidateSync, NS, m::ALTER_VALIDATE_SYNC));
    }
    None
}

fn add_constraint(c: &Cursor, a: std::ops::Range<usize>) -> Option<Refusal> {
    let mut j = a.start;
    if c.is(j, "constraint") {
        j += 2;
    }
    let not_valid = (j..a.end).any(|t| c.seq(t, &["not", "valid"]));
    let using_index = (j..a.end).any(|t| c.seq(t, &["using", "index"]));
    let refused = if c.is(j, "primary") || c.is(j, "unique") {
        // Adopting an existing index (UNIQUE USING INDEX) is accepted.
        !using_index
    } else if c.is(j, "check") || c.is(j, "foreign") {
        !not_valid
    } else {
        c.is(j, "exclude")
    };
    refused.then(|| refusal(Rule::AlterAddConstraint, NS, m::ALTER_ADD_CONSTRAINT))
}

/// ADD COLUMN: the type first (as CREATE TABLE), then any constraint.
/// Recorded: NOT NULL, DEFAULT, CHECK, UNIQUE and IDENTITY are refused;
/// a generated (stored) column too, per public live reports (PostgreSQL
/// parses it as a constraint). NULL, COLLATE, STORAGE and COMPRESSION are
/// accepted (STORAGE recorded).
fn add_column(c: &Cursor, a: std::ops::Range<usize>) -> Option<Refusal> {
    let ty = parse_type(c, a.start + 1)?;
    if let Some(r) = type_refusal(&ty) {
        return Some(r);
    }
    let constrained = c.top_level(ty.end, a.end).any(|t| {
        c.seq(t, &["not", "null"])
            || ["default", "check", "unique", "primary", "references", "constraint", "generated"]
                .iter()
                .any(|w| c.is(t, w))
    });
    constrained.then(|| refusal(Rule::AlterAddColumnConstraint, NS, m::ALTER_ADD_COLUMN_CONSTRAINT))
}

/// `ALTER TABLE t ADD [COLUMN] c type …`: the table and the columns it
/// adds (for the lint's table model).
pub(crate) fn alter_added_columns(c: &Cursor) -> Option<(String, Vec<ColumnDef>)> {
    if !c.seq(0, &["alter", "table"]) {
        return None;
    }
    let mut k = 2;
    for skip in [&["async"][..], &["if", "exists"], &["only"]] {
        if c.seq(k, skip) {
            k += skip.len();
        }
    }
    let end = c.skip_name(k);
    let table = last_name(c, k, end);
    let mut columns = Vec::new();
    for action in c.comma_list(end, c.len()) {
        let mut j = action.start;
        if !c.is(j, "add") || is_table_constraint(c, j + 1) {
            continue;
        }
        j += 1;
        if c.is(j, "column") {
            j += 1;
        }
        j = skip_if_not_exists(c, j);
        if let (Some(name), Some(ty)) = (c.ident(j), parse_type(c, j + 1)) {
            columns.push(ColumnDef {
                name: name.into_owned(),
                display: ty.display.into_owned(),
                support: ty.support,
                at: j,
            });
        }
    }
    Some((table, columns))
}
