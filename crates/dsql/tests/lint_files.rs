//! `lint` over whole files: a seeded bad file with one statement per rule
//! (each must be found at its line with DSQL's SQLSTATE and message), a
//! good file of typical Temporal-on-DSQL SQL (nothing found), and the
//! project's own DSQL schema (nothing found).

use dsql::dialect::Rule;
use dsql::lint::{Finding, lint};

/// (statement, rule, SQLSTATE, message). Statements whose rule is about a
/// transaction or the file come with the statements they need, and the
/// finding is on the last line.
const BAD: &[(&str, Rule, &str, &str)] = &[
    (
        "SELECT range_id FROM shards WHERE shard_id = 1 FOR SHARE",
        Rule::LockingClause,
        "0A000",
        "locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported",
    ),
    (
        "SELECT 1 FROM t FOR NO KEY UPDATE",
        Rule::LockingClause,
        "0A000",
        "locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported",
    ),
    ("CREATE INDEX i ON t (a)", Rule::IndexWithoutAsync, "0A000", "unsupported mode. please use CREATE INDEX ASYNC."),
    (
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        Rule::IndexConcurrently,
        "0A000",
        "CONCURRENTLY not supported for CREATE INDEX",
    ),
    ("CREATE INDEX ASYNC public.i ON t (a)", Rule::IndexAsyncQualifiedName, "42601", "syntax error at or near \".\""),
    (
        "CREATE INDEX ASYNC i_desc ON t (a, b DESC NULLS LAST)",
        Rule::IndexSortOrder,
        "0A000",
        "specifying sort order not supported for index keys",
    ),
    (
        "CREATE INDEX ASYNC i_wide ON t (c1, c2, c3, c4, c5, c6, c7, c8, c9)",
        Rule::IndexKeyColumns,
        "54011",
        "more than 8 column keys in an index are not supported",
    ),
    ("SAVEPOINT sp", Rule::Savepoint, "0A000", "unsupported transaction statement: SAVEPOINT"),
    ("ROLLBACK TO SAVEPOINT sp", Rule::Savepoint, "0A000", "unsupported transaction statement: ROLLBACK TO"),
    ("RELEASE SAVEPOINT sp", Rule::Savepoint, "0A000", "unsupported transaction statement: RELEASE"),
    (
        "SET TRANSACTION READ ONLY",
        Rule::SetTransaction,
        "0A000",
        "setting configuration parameter \"TRANSACTION\" not supported",
    ),
    (
        "SET default_transaction_isolation = 'repeatable read'",
        Rule::SetIsolationParameter,
        "0A000",
        "setting configuration parameter \"default_transaction_isolation\" not supported",
    ),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE", Rule::IsolationLevel, "0A000", "Unsupported isolation level: SERIALIZABLE"),
    ("TRUNCATE TABLE t", Rule::UnsupportedStatement, "0A000", "unsupported statement: Truncate"),
    ("LISTEN chan", Rule::UnsupportedStatement, "0A000", "unsupported statement: Listen"),
    ("NOTIFY chan", Rule::UnsupportedStatement, "0A000", "unsupported statement: Notify"),
    ("UNLISTEN chan", Rule::UnsupportedStatement, "0A000", "unsupported statement: Unlisten"),
    (
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        Rule::UnsupportedStatement,
        "0A000",
        "unsupported statement: CreateExtension",
    ),
    (
        "CREATE TRIGGER trg AFTER INSERT ON t EXECUTE FUNCTION f()",
        Rule::CreateTrigger,
        "0A000",
        "CREATE TRIGGER not supported",
    ),
    (
        "CREATE TEMP TABLE tmp (a int)",
        Rule::TempTable,
        "0A000",
        "TEMPORARY or TEMP table not supported for CREATE TABLE",
    ),
    ("CREATE UNLOGGED TABLE ul (a int)", Rule::UnloggedTable, "0A000", "UNLOGGED table not supported for CREATE TABLE"),
    ("CREATE TABLE ctas AS SELECT 1 AS x", Rule::UnsupportedStatement, "0A000", "unsupported statement: CreateTableAs"),
    (
        "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x",
        Rule::UnsupportedStatement,
        "0A000",
        "unsupported statement: CreateTableAs",
    ),
    ("CREATE TYPE mood AS ENUM ('sad', 'ok')", Rule::CreateType, "0A000", "CREATE TYPE not supported"),
    ("CREATE TYPE pair AS (a int, b int)", Rule::UnsupportedStatement, "0A000", "unsupported statement: CompositeType"),
    (
        "CREATE TYPE r AS RANGE (subtype = int4)",
        Rule::UnsupportedStatement,
        "0A000",
        "unsupported statement: CreateRange",
    ),
    ("ALTER TYPE mood ADD VALUE 'meh'", Rule::AlterType, "0A000", "ALTER TYPE not supported"),
    ("ALTER TYPE mood RENAME TO mood2", Rule::RenameType, "0A000", "unsupported object in RENAME statement"),
    ("DROP TYPE IF EXISTS mood", Rule::DropType, "0A000", "unsupported object in DROP statement"),
    (
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$",
        Rule::FunctionLanguage,
        "0A000",
        "CREATE FUNCTION with language plpgsql not supported",
    ),
    ("VACUUM t", Rule::Vacuum, "0A000", "unsupported VACUUM statement"),
    (
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
        Rule::Merge,
        "0A000",
        "unsupported statement type: MERGE",
    ),
    ("ALTER SYSTEM SET work_mem = '4MB'", Rule::UnsupportedStatement, "0A000", "unsupported statement: AlterSystem"),
    ("CREATE DATABASE other", Rule::UnsupportedStatement, "0A000", "unsupported statement: Createdb"),
    (
        "CREATE TABLESPACE ts LOCATION '/tmp/x'",
        Rule::UnsupportedStatement,
        "0A000",
        "unsupported statement: CreateTableSpace",
    ),
    (
        "CREATE FOREIGN TABLE ft (id int) SERVER srv",
        Rule::UnsupportedStatement,
        "0A000",
        "unsupported statement: CreateForeignTable",
    ),
    (
        "CREATE TABLE buffered_events (id BIGSERIAL PRIMARY KEY, data bytea)",
        Rule::Serial,
        "42704",
        "type \"serial\" does not exist",
    ),
    ("CREATE TABLE s (id serial)", Rule::Serial, "42704", "type \"serial\" does not exist"),
    (
        "CREATE TABLE ident (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)",
        Rule::IdentityCache,
        "0A000",
        "identity column is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1",
    ),
    (
        "CREATE SEQUENCE seq",
        Rule::SequenceCache,
        "0A000",
        "CREATE SEQUENCE is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1",
    ),
    (
        "CREATE TABLE ident_int (id integer GENERATED BY DEFAULT AS IDENTITY (CACHE 1))",
        Rule::IdentityType,
        "0A000",
        "datatype integer not supported, identity column type must be bigint",
    ),
    ("CREATE TABLE arr (tags text[])", Rule::UnsupportedType, "0A000", "datatype text[] not supported"),
    ("CREATE TABLE net (addr inet)", Rule::UnsupportedType, "0A000", "datatype inet not supported"),
    ("CREATE TABLE cash (amount money)", Rule::UnsupportedType, "0A000", "datatype money not supported"),
    ("CREATE TABLE doc (body xml)", Rule::UnsupportedType, "0A000", "datatype xml not supported"),
    ("CREATE TABLE span (r int4range)", Rule::UnsupportedType, "0A000", "datatype int4range not supported"),
    ("CREATE TABLE geo (p point)", Rule::UnsupportedType, "0A000", "datatype point not supported"),
    ("CREATE TABLE fts (v tsvector)", Rule::UnsupportedType, "0A000", "datatype tsvector not supported"),
    (
        "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0",
        Rule::AlterAddColumnConstraint,
        "0A000",
        "ALTER TABLE ADD COLUMN with constraint not supported",
    ),
    (
        "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id)",
        Rule::AlterAddConstraint,
        "0A000",
        "unsupported ALTER TABLE ADD CONSTRAINT statement",
    ),
    (
        "ALTER TABLE t ADD CONSTRAINT t_chk CHECK (a > 0)",
        Rule::AlterAddConstraint,
        "0A000",
        "unsupported ALTER TABLE ADD CONSTRAINT statement",
    ),
    (
        "ALTER TABLE t ALTER COLUMN a TYPE bigint",
        Rule::AlterColumnType,
        "0A000",
        "unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement",
    ),
    (
        "ALTER TABLE t VALIDATE CONSTRAINT t_fk",
        Rule::AlterValidateSync,
        "0A000",
        "unsupported ALTER TABLE VALIDATE CONSTRAINT statement",
    ),
    ("SELECT name FROM t TABLESAMPLE SYSTEM (1)", Rule::Tablesample, "0A000", "TABLESAMPLE clause not supported"),
    (
        "SELECT to_tsvector('english', body) FROM t",
        Rule::TextSearchConfig,
        "42704",
        "text search configuration \"english\" does not exist",
    ),
    ("SELECT circle('<(0,0),1>'::text)", Rule::GeometricFunction, "0A000", "datatype circle not supported"),
    ("SHOW lc_collate", Rule::ShowLcCollate, "42704", "unrecognized configuration parameter \"lc_collate\""),
    (
        "CREATE TABLE keyed (id bytea PRIMARY KEY)",
        Rule::ByteaKey,
        "0A000",
        "datatype bytea not supported in an index key (column \"id\")",
    ),
    (
        "CREATE TABLE blobs (id uuid PRIMARY KEY, digest bytea);\nCREATE UNIQUE INDEX ASYNC blobs_digest ON blobs (digest)",
        Rule::ByteaKey,
        "0A000",
        "datatype bytea not supported in an index key (column \"digest\")",
    ),
    (
        "BEGIN;\nCREATE TABLE a (id uuid PRIMARY KEY);\nCREATE TABLE b (id uuid PRIMARY KEY)",
        Rule::MultipleDdl,
        "0A000",
        "multiple ddl statements not supported in a transaction",
    ),
    (
        "COMMIT;\nBEGIN;\nINSERT INTO a (id) VALUES (gen_random_uuid());\nCREATE INDEX ASYNC a_i ON a (id)",
        Rule::DdlDmlMix,
        "0A000",
        "ddl and dml are not supported in the same transaction",
    ),
    (
        "COMMIT;\nSELECT e.* FROM current_executions c JOIN executions e ON e.run_id = c.run_id WHERE c.shard_id = 1 FOR UPDATE",
        Rule::LockedJoin,
        "0A000",
        "locking clause such as FOR UPDATE can be applied on a single table",
    ),
];

#[test]
fn seeded_bad_file_finds_every_rule_at_its_line() {
    let mut file = String::from("-- seeded: one statement per rule\n\n");
    let mut expected: Vec<(usize, usize, &str, &str, Rule)> = Vec::new();
    for (sql, rule, state, message) in BAD {
        file.push_str("  ");
        file.push_str(sql);
        file.push_str(";\n/* between */\n");
        let last_line = file.lines().count() - 1; // the statement's last line
        // Indented by two on its own line; continuation lines start at column 1.
        let column = if sql.contains('\n') { 1 } else { 3 };
        expected.push((last_line, column, state, message, *rule));
    }
    let findings = lint(&file);
    let got: Vec<(usize, usize, &str, &str, Rule)> =
        findings.iter().map(|f| (f.line, f.column, f.sqlstate, f.message.as_str(), f.rule)).collect();
    for (n, want) in expected.iter().enumerate() {
        assert!(got.contains(want), "rule #{n} {:?} not found as {want:?}\nfound: {got:#?}", BAD[n].0);
    }
    assert_eq!(got.len(), expected.len(), "unexpected extra findings: {got:#?}");
    assert!(findings.iter().all(|f| !f.fix.is_empty()), "{findings:#?}");
}

/// Typical Temporal-on-DSQL SQL, including what is often assumed missing.
const GOOD: &str = r#"
-- Temporal on DSQL: UUID keys, ASYNC indexes, one DDL per transaction.
CREATE TABLE IF NOT EXISTS namespaces (
  partition_id INTEGER NOT NULL,
  id UUID NOT NULL,
  name VARCHAR(255) NOT NULL,
  notification_version BIGINT NOT NULL,
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  is_global BOOLEAN NOT NULL,
  PRIMARY KEY (partition_id, id)
);
CREATE UNIQUE INDEX ASYNC IF NOT EXISTS namespaces_name ON namespaces (name);
CREATE TABLE cluster_membership (
  membership_partition INTEGER NOT NULL,
  host_id UUID NOT NULL,
  rpc_address VARCHAR(128) NOT NULL,
  session_start TIMESTAMP DEFAULT '1970-01-01 00:00:01+00:00',
  last_heartbeat TIMESTAMP DEFAULT '1970-01-01 00:00:01+00:00',
  record_expiry TIMESTAMP,
  PRIMARY KEY (membership_partition, host_id)
);
CREATE INDEX ASYNC cm_idx_rolehost ON cluster_membership (role, host_id);
CREATE TABLE buffered_events (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1),
  shard_id INTEGER NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (shard_id, id),
  CHECK (shard_id >= 0)
);
CREATE SEQUENCE ids CACHE 65536;
BEGIN;
CREATE TABLE solo (id UUID PRIMARY KEY, v JSONB);
COMMIT;
BEGIN ISOLATION LEVEL REPEATABLE READ;
INSERT INTO namespaces (partition_id, id, name, notification_version, data, data_encoding, is_global)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (partition_id, id) DO UPDATE SET data = EXCLUDED.data RETURNING id;
SELECT range_id FROM shards WHERE shard_id = $1 FOR UPDATE;
SELECT range_id FROM shards WHERE shard_id = $1 FOR KEY SHARE;
UPDATE shards SET range_id = $1 WHERE shard_id = $2;
COMMIT;
CREATE FUNCTION add1(i bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT i + 1 $$;
CREATE VIEW ns AS SELECT name FROM namespaces;
ALTER TABLE namespaces ADD COLUMN note text;
ALTER TABLE buffered_events ADD CONSTRAINT be_fk FOREIGN KEY (shard_id) REFERENCES shards (shard_id) NOT VALID;
ALTER TABLE ASYNC buffered_events VALIDATE CONSTRAINT be_fk;
CALL sys.wait_for_job('00000000-0000-0000-0000-000000000001');
SELECT 'CREATE INDEX x ON y (z); FOR SHARE' AS not_sql;
"#;

#[test]
fn good_file_has_no_findings() {
    let findings: Vec<Finding> = lint(GOOD);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn project_dsql_schema_passes_lint() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/dsql");
    let Ok(_) = std::fs::metadata(&root) else {
        panic!("schema directory missing at {}", root.display());
    };
    let mut checked = 0;
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                let text = std::fs::read_to_string(&path).expect("readable file");
                let findings = lint(&text);
                assert!(findings.is_empty(), "{}: {findings:#?}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "no .sql files found under schema/dsql");
}

#[test]
fn positions_count_characters_not_bytes() {
    let findings = lint("SELECT 'é';\n -- ü\n   SAVEPOINT s; TRUNCATE t");
    let at: Vec<(usize, usize)> = findings.iter().map(|f| (f.line, f.column)).collect();
    assert_eq!(at, [(3, 4), (3, 17)]);
}

#[test]
fn row_locks_over_joins_are_found_with_parameters_and_comma_joins() {
    let rules = |sql: &str| lint(sql).into_iter().map(|f| f.rule).collect::<Vec<_>>();
    assert_eq!(rules("SELECT a.x FROM a, b WHERE a.id = $1 AND b.id = a.id FOR UPDATE"), [Rule::LockedJoin]);
    assert_eq!(
        rules(
            "SELECT c.run_id FROM current_executions c LEFT JOIN executions e USING (run_id) WHERE c.shard_id = $1 FOR KEY SHARE"
        ),
        [Rule::LockedJoin]
    );
    assert!(rules("SELECT x FROM a WHERE id IN (SELECT id FROM b) AND id = $1 FOR UPDATE").is_empty());
    assert!(rules("SELECT a.x FROM a JOIN b ON a.id = b.id").is_empty());
}
