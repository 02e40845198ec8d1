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
    Forward {
        kind: Kind,
    },
    /// DSQL refuses it with this error.
    Refuse(ErrorFields),
    /// DSQL syntax PostgreSQL lacks (PostgreSQL 16's column `STORAGE`):
    /// run this instead.
    Rewrite(String),
    /// `… ASYNC` DDL: run `sql` (a function call returning the `job_id`
    /// row) and answer with DSQL's command tag `tag`.
    RewriteWithTag {
        sql: String,
        tag: &'static str,
    },
    /// `ALTER TABLE t DROP COLUMN c`: DSQL refuses it for a primary-key
    /// column, which only the catalog can tell (checked per execution).
    DropColumn {
        table: String,
        column: String,
    },
}

/// Distinct texts kept; beyond this the cache starts over (a client that
/// inlines literals into every statement must not grow it without bound).
const CAPACITY: usize = 20_000;

/// Shared by every session of one emulator.
#[derive(Default)]
pub struct AnalysisCache {
    maps: Mutex<Maps>,
}

#[derive(Default)]
struct Maps {
    /// Verdicts by exact statement text.
    exact: HashMap<String, Arc<Verdict>>,
    /// Verdicts of queries and DML by *shape* (numeric literals blanked,
    /// see [`shape`]): a client that inlines numbers (`… WHERE aid = 4711`,
    /// pgbench's simple protocol) sends a new text every time, and would
    /// otherwise pay a full analysis per statement.
    shapes: HashMap<String, Arc<Verdict>>,
}

impl AnalysisCache {
    pub fn verdict(&self, sql: &str) -> Arc<Verdict> {
        let shape = shape(sql);
        if let Ok(maps) = self.maps.lock() {
            let hit = match &shape {
                Some(key) => maps.shapes.get(key.as_str()).or_else(|| maps.exact.get(sql)),
                None => maps.exact.get(sql),
            };
            if let Some(v) = hit {
                return v.clone();
            }
        }
        let verdict = Arc::new(judge(sql));
        if let Ok(mut maps) = self.maps.lock() {
            // Only a query's or DML's verdict is the same for every value
            // of its numbers: DSQL's rules look at keywords, names and
            // types, never at a number in a query (DDL is cached exactly:
            // e.g. `CACHE 1` vs `CACHE 2` of a sequence differ).
            let by_shape = matches!(verdict.as_ref(), Verdict::Forward { kind: Kind::Query | Kind::Dml });
            let (map, key) = match shape {
                Some(key) if by_shape => (&mut maps.shapes, key),
                _ => (&mut maps.exact, sql.to_string()),
            };
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(key, verdict.clone());
        }
        verdict
    }
}

/// `sql` with each numeric literal replaced by `0`, or `None` when it has
/// none or has anything that makes finding them harder than a byte scan
/// (quotes, dollar signs, comments, a number glued to a word): such texts
/// are cached exactly.
fn shape(sql: &str) -> Option<String> {
    let b = sql.as_bytes();
    if !b.iter().any(u8::is_ascii_digit)
        || b.iter().any(|c| matches!(c, b'\'' | b'"' | b'$' | b'\\'))
        || sql.contains("--")
        || sql.contains("/*")
    {
        return None;
    }
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut replaced = false;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() && (i == 0 || !(ident(b[i - 1]) || b[i - 1] == b'.')) {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            if j < b.len() && ident(b[j]) {
                // `1e5`, `0x1F`, `1abc`: leave the whole text to exact caching.
                return None;
            }
            out.push('0');
            replaced = true;
            i = j;
        } else {
            let start = i;
            i += 1;
            while i < b.len() && !b[i].is_ascii_digit() {
                i += 1;
            }
            // Digits inside a word stay (`t1`, `col_2`): copy them with the word.
            while i < b.len() && b[i].is_ascii_digit() && ident(b[i - 1]) {
                i += 1;
                while i < b.len() && !b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            out.push_str(&sql[start..i]);
        }
    }
    replaced.then_some(out)
}

/// Analyses one statement (the proxy hands statements one at a time).
pub fn judge(sql: &str) -> Verdict {
    if let Some(role) = predefined_role_granted(sql) {
        return Verdict::Refuse(ErrorFields::error("42501", format!("permission denied to grant role \"{role}\"")));
    }
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

/// A role-membership statement that names one of PostgreSQL's predefined
/// `pg_*` roles. DSQL has none of them; on the private PostgreSQL, `admin`
/// (CREATEROLE) could grant itself `pg_execute_server_program` or
/// `pg_read_server_files` and reach the OS user's programs and files.
fn predefined_role_granted(sql: &str) -> Option<String> {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    // Invariant: the patterns are constants that compile (covered by tests).
    let (membership, role) = RE.get_or_init(|| {
        (
            // GRANT role TO … (no ON: that is a privilege grant), CREATE ROLE/USER/GROUP … IN ROLE/ROLE/ADMIN,
            // ALTER GROUP … ADD USER.
            Regex::new(r"(?is)^\s*(?:GRANT\b(?:[^;]*?\bON\b)?|CREATE\s+(?:ROLE|USER|GROUP)\b|ALTER\s+GROUP\b)")
                .expect("constant regex"),
            Regex::new(r#"(?i)(?:^|[\s,("])(pg_\w+)"#).expect("constant regex"),
        )
    });
    let found = membership.find(sql)?;
    if found.as_str().to_ascii_uppercase().trim_end().ends_with("ON") {
        return None;
    }
    role.captures(sql).map(|c| c[1].to_ascii_lowercase())
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
    fn predefined_roles_cannot_be_granted_but_privileges_on_their_objects_can() {
        for sql in [
            "GRANT pg_execute_server_program TO admin",
            "grant app, \"pg_read_server_files\" to admin with admin option",
            "CREATE ROLE r LOGIN IN ROLE pg_write_server_files",
            "CREATE USER u ROLE admin ADMIN pg_monitor",
            "ALTER GROUP pg_execute_server_program ADD USER admin",
        ] {
            assert!(matches!(judge(sql), Verdict::Refuse(f) if f.sqlstate() == "42501"), "{sql}");
        }
        for sql in ["GRANT SELECT ON pg_catalog.pg_class TO app", "GRANT app TO admin", "CREATE ROLE pgx LOGIN"] {
            assert!(predefined_role_granted(sql).is_none(), "{sql}");
        }
    }

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
    fn shapes_blank_numbers_only_where_that_is_safe() {
        assert_eq!(
            shape("SELECT abalance FROM pgbench_accounts WHERE aid = 4711").as_deref(),
            Some("SELECT abalance FROM pgbench_accounts WHERE aid = 0")
        );
        assert_eq!(
            shape("select t1.c2 from t1 where x in (1, 22.5) limit 3").as_deref(),
            Some("select t1.c2 from t1 where x in (0, 0) limit 0")
        );
        assert_eq!(shape("select a from t"), None);
        assert_eq!(shape("select 'x1' from t where a = 1"), None);
        assert_eq!(shape("select 1 -- 2"), None);
        assert_eq!(shape("select 1e5"), None);
        assert_eq!(shape("select $1::int + 2"), None);
    }

    #[test]
    fn queries_share_a_verdict_by_shape_but_ddl_does_not() {
        let cache = AnalysisCache::default();
        let a = cache.verdict("SELECT abalance FROM pgbench_accounts WHERE aid = 1");
        let b = cache.verdict("SELECT abalance FROM pgbench_accounts WHERE aid = 2");
        assert!(Arc::ptr_eq(&a, &b), "same shape, one analysis");
        assert!(matches!(b.as_ref(), Verdict::Forward { kind: Kind::Query }));
        let maps = cache.maps.lock().unwrap();
        assert_eq!((maps.shapes.len(), maps.exact.len()), (1, 0));
        drop(maps);
        cache.verdict("CREATE SEQUENCE s CACHE 1");
        cache.verdict("CREATE SEQUENCE s CACHE 2");
        assert_eq!(cache.maps.lock().unwrap().exact.len(), 2);
    }

    #[test]
    fn literals_double_quotes() {
        assert_eq!(literal("a'b"), "'a''b'");
    }
}
