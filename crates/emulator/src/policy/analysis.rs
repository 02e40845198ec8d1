//! What the emulator does with one statement text, decided once per
//! distinct text and cached (statement analysis is the per-statement cost
//! the proxy adds; applications repeat the same texts).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;

use dsql::dialect::{self, AsyncForm, Kind};
use wire::ErrorFields;

/// The verdict for one statement text.
#[derive(Debug, Clone)]
pub enum Verdict {
    Forward { kind: Kind },
    /// DSQL refuses it with this error.
    Refuse(ErrorFields),
    /// DSQL syntax PostgreSQL lacks (PostgreSQL 16's column `STORAGE`):
    /// run this instead.
    Rewrite(String),
    /// `… ASYNC` DDL: run `sql` (a function call returning the `job_id`
    /// row) and answer with DSQL's command tag `tag`.
    RewriteWithTag { sql: String, tag: &'static str },
    /// `ALTER TABLE t DROP COLUMN c`: DSQL refuses it for a primary-key
    /// column, which only the catalog can tell (checked per execution).
    DropColumn { table: String, column: String },
}

/// Distinct texts kept; beyond this the cache starts over (a client that
/// inlines literals into every statement must not grow it without bound).
const CAPACITY: usize = 20_000;

/// Shared by every session of one emulator.
#[derive(Default)]
pub struct AnalysisCache {
    map: Mutex<HashMap<String, Arc<Verdict>>>,
}

impl AnalysisCache {
    pub fn verdict(&self, sql: &str) -> Arc<Verdict> {
        if let Ok(map) = self.map.lock() {
            if let Some(v) = map.get(sql) {
                return v.clone();
            }
        }
        let verdict = Arc::new(judge(sql));
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(sql.to_string(), verdict.clone());
        }
        verdict
    }
}

/// Analyses one statement (the proxy hands statements one at a time).
pub fn judge(sql: &str) -> Verdict {
    let statements = dialect::analyze(sql);
    // The proxy splits messages already; more than one piece means the
    // analyser split differently, so judge the first refusal, else forward.
    if let Some(refusal) = statements.iter().find_map(|s| s.refusal.as_ref()) {
        return Verdict::Refuse(ErrorFields::error(refusal.sqlstate, refusal.message.clone()));
    }
    let [stmt] = statements.as_slice() else {
        return Verdict::Forward { kind: Kind::Unknown };
    };
    match stmt.async_ddl.as_ref().map(|a| a.form) {
        Some(AsyncForm::Index) => {
            let text = dialect::postgres_text(sql, stmt);
            let sql = format!(
                "SELECT sys.__create_index_async({}, {}) AS job_id",
                literal(&text),
                index_name(&text).map(|n| literal(&n)).unwrap_or_else(|| "NULL".into())
            );
            Verdict::RewriteWithTag { sql, tag: "CREATE INDEX" }
        }
        Some(AsyncForm::AlterTable) => {
            let text = dialect::postgres_text(sql, stmt);
            let table = text.split_whitespace().nth(2).unwrap_or("").to_string();
            let sql = format!("SELECT sys.__alter_table_async({}, {}) AS job_id", literal(&text), literal(&table));
            Verdict::RewriteWithTag { sql, tag: "ALTER TABLE" }
        }
        None if stmt.kind == Kind::Ddl => ddl_verdict(sql),
        None => Verdict::Forward { kind: stmt.kind },
    }
}

fn drop_column_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Invariant: the pattern is a constant that compiles (covered by tests).
    RE.get_or_init(|| {
        Regex::new(
            r#"(?is)^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w."]+)\s+DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?("?\w+"?)\s*(?:CASCADE|RESTRICT)?\s*;?\s*$"#,
        )
        .expect("constant regex")
    })
}

fn add_column_storage_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Invariant: the pattern is a constant that compiles (covered by tests).
    RE.get_or_init(|| {
        Regex::new(
            r#"(?is)^(\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?[\w."]+\s+ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?)("?\w+"?)(\s+.+?)\s+STORAGE\s+(PLAIN|EXTERNAL|EXTENDED|MAIN)\s*;?\s*$"#,
        )
        .expect("constant regex")
    })
}

/// DDL DSQL accepts but our PostgreSQL needs help with.
fn ddl_verdict(sql: &str) -> Verdict {
    if let Some(c) = drop_column_re().captures(sql) {
        return Verdict::DropColumn { table: c[1].to_string(), column: c[2].trim_matches('"').to_string() };
    }
    // `ADD COLUMN c t STORAGE m` is PostgreSQL 16 syntax; 15 takes it as a second subcommand.
    if let Some(c) = add_column_storage_re().captures(sql) {
        return Verdict::Rewrite(format!("{}{}{}, ALTER COLUMN {} SET STORAGE {}", &c[1], &c[2], &c[3], &c[2], &c[4]));
    }
    Verdict::Forward { kind: Kind::Ddl }
}

/// A SQL string literal (standard_conforming_strings is on).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The index name of `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON …`, if named.
fn index_name(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut i = words.iter().position(|w| w.eq_ignore_ascii_case("INDEX"))? + 1;
    if words.get(i).is_some_and(|w| w.eq_ignore_ascii_case("IF")) {
        i += 3;
    }
    let name = words.get(i)?;
    if name.eq_ignore_ascii_case("ON") { None } else { Some(name.trim_matches('"').to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_found_or_absent() {
        assert_eq!(index_name("CREATE INDEX i ON t (a)").as_deref(), Some("i"));
        assert_eq!(index_name("CREATE UNIQUE INDEX IF NOT EXISTS i2 ON t (a)").as_deref(), Some("i2"));
        assert_eq!(index_name("CREATE INDEX ON t (a)"), None);
    }

    #[test]
    fn drop_column_and_storage_forms_are_recognised() {
        assert!(matches!(
            ddl_verdict("ALTER TABLE t DROP COLUMN id"),
            Verdict::DropColumn { table, column } if table == "t" && column == "id"
        ));
        let Verdict::Rewrite(sql) = ddl_verdict("ALTER TABLE t ADD COLUMN d text STORAGE PLAIN") else { panic!() };
        assert_eq!(sql, "ALTER TABLE t ADD COLUMN d text, ALTER COLUMN d SET STORAGE PLAIN");
        assert!(matches!(ddl_verdict("ALTER TABLE t ADD COLUMN d text"), Verdict::Forward { .. }));
    }

    #[test]
    fn literals_double_quotes() {
        assert_eq!(literal("a'b"), "'a''b'");
    }
}
