//! Every DSQL error text this crate produces, in one place, with its
//! SQLSTATE and the fix we suggest. Texts are verbatim from the real-cluster
//! recordings (`reference/dsql-conformance/*.json`) unless marked GUESS
//! (then the nearest recorded pattern, explained in place).

use super::Refusal;

/// Stable identifier of each refusal rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    LockingClause,
    IndexWithoutAsync,
    IndexConcurrently,
    IndexAsyncQualifiedName,
    IndexSortOrder,
    IndexKeyColumns,
    Savepoint,
    SetTransaction,
    SetIsolationParameter,
    IsolationLevel,
    UnsupportedStatement,
    Vacuum,
    Merge,
    CreateTrigger,
    TempTable,
    UnloggedTable,
    CreateType,
    AlterType,
    RenameType,
    DropType,
    FunctionLanguage,
    Serial,
    IdentityCache,
    SequenceCache,
    IdentityType,
    UnsupportedType,
    AlterAddColumnConstraint,
    AlterAddConstraint,
    AlterColumnType,
    AlterValidateSync,
    Tablesample,
    TextSearchConfig,
    GeometricFunction,
    ShowLcCollate,
    /// A BYTEA column in a primary key, unique constraint or index.
    ByteaKey,
    // Transaction-level (see [`txn`]); never produced by `analyze`.
    MultipleDdl,
    DdlDmlMix,
    /// `SELECT … FOR UPDATE` over a join (lint only; see `lint`).
    LockedJoin,
}

pub(crate) fn refusal(rule: Rule, sqlstate: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { sqlstate, message: message.into(), fix: fix(rule), rule }
}

pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
pub const UNDEFINED_OBJECT: &str = "42704";
pub const SYNTAX_ERROR: &str = "42601";

pub const LOCKING_CLAUSE: &str = "locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported";
pub const INDEX_WITHOUT_ASYNC: &str = "unsupported mode. please use CREATE INDEX ASYNC.";
pub const INDEX_CONCURRENTLY: &str = "CONCURRENTLY not supported for CREATE INDEX";
/// Not in the recordings: observed on live clusters by several public
/// projects (and DSQL's docs list ASC/DESC as unsupported for CREATE INDEX ASYNC).
pub const INDEX_SORT_ORDER: &str = "specifying sort order not supported for index keys";
/// DSQL quotas page: at most 8 key columns in a primary key or index (54011).
pub const INDEX_KEY_COLUMNS: &str = "more than 8 column keys in an index are not supported";
pub const TOO_MANY_COLUMNS: &str = "54011";
pub const VACUUM: &str = "unsupported VACUUM statement";
pub const MERGE: &str = "unsupported statement type: MERGE";
pub const CREATE_TRIGGER: &str = "CREATE TRIGGER not supported";
pub const TEMP_TABLE: &str = "TEMPORARY or TEMP table not supported for CREATE TABLE";
pub const UNLOGGED_TABLE: &str = "UNLOGGED table not supported for CREATE TABLE";
pub const CREATE_TYPE: &str = "CREATE TYPE not supported";
pub const ALTER_TYPE: &str = "ALTER TYPE not supported";
pub const RENAME_TYPE: &str = "unsupported object in RENAME statement";
pub const DROP_TYPE: &str = "unsupported object in DROP statement";
/// DSQL-FACTS and the brief give this one text for serial, bigserial and
/// smallserial; only `serial` was recorded.
pub const SERIAL: &str = "type \"serial\" does not exist";
pub const IDENTITY_CACHE: &str = "identity column is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1";
pub const SEQUENCE_CACHE: &str = "CREATE SEQUENCE is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1";
pub const ALTER_ADD_COLUMN_CONSTRAINT: &str = "ALTER TABLE ADD COLUMN with constraint not supported";
pub const ALTER_ADD_CONSTRAINT: &str = "unsupported ALTER TABLE ADD CONSTRAINT statement";
pub const ALTER_COLUMN_TYPE: &str = "unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement";
pub const ALTER_VALIDATE_SYNC: &str = "unsupported ALTER TABLE VALIDATE CONSTRAINT statement";
pub const TABLESAMPLE: &str = "TABLESAMPLE clause not supported";
pub const SHOW_LC_COLLATE: &str = "unrecognized configuration parameter \"lc_collate\"";

/// `unsupported statement: <PostgreSQL node name>` (Truncate, Listen, …).
pub fn unsupported_statement(node: &str) -> String {
    format!("unsupported statement: {node}")
}
/// `datatype money not supported` — the type as PostgreSQL prints it.
pub fn unsupported_type(display: &str) -> String {
    format!("datatype {display} not supported")
}
pub fn identity_type(display: &str) -> String {
    format!("datatype {display} not supported, identity column type must be bigint")
}
pub fn savepoint(statement: &str) -> String {
    format!("unsupported transaction statement: {statement}")
}
pub fn set_parameter(name: &str) -> String {
    format!("setting configuration parameter \"{name}\" not supported")
}
/// `Unsupported isolation level: SERIALIZABLE` (level in upper case).
pub fn isolation_level(level: &str) -> String {
    format!("Unsupported isolation level: {level}")
}
pub fn function_language(language: &str) -> String {
    format!("CREATE FUNCTION with language {language} not supported")
}
pub fn text_search_config(config: &str) -> String {
    format!("text search configuration \"{config}\" does not exist")
}
/// `syntax error at or near "."` (PostgreSQL's wording for a parse error).
pub fn syntax_error_near(token: &str) -> String {
    format!("syntax error at or near \"{token}\"")
}
/// NOT RECORDED: DSQL cannot index BYTEA (its data-type table), but no
/// cluster answer was recorded; this wording is ours.
pub fn bytea_key(column: &str) -> String {
    format!("datatype bytea not supported in an index key (column \"{column}\")")
}

/// The fix we suggest for each rule.
pub fn fix(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        LockingClause => {
            "use FOR UPDATE (or FOR KEY SHARE), or drop the locking clause: DSQL checks conflicts at COMMIT"
        }
        IndexWithoutAsync => {
            "write CREATE INDEX ASYNC (or CREATE UNIQUE INDEX ASYNC) and wait for the job (CALL sys.wait_for_job(id))"
        }
        IndexConcurrently => "drop CONCURRENTLY and use CREATE INDEX ASYNC",
        IndexAsyncQualifiedName => "name the index without a schema; it is created in the table's schema",
        IndexSortOrder => {
            "drop ASC/DESC from the index keys (NULLS FIRST/LAST is allowed); a btree is read backwards for DESC"
        }
        IndexKeyColumns => "use at most 8 key columns; move the others into INCLUDE (…)",
        Savepoint => "remove savepoints; retry the whole transaction instead of rolling back part of it",
        SetTransaction => "remove SET TRANSACTION: DSQL always runs REPEATABLE READ (snapshot isolation) read-write",
        SetIsolationParameter => "remove the setting: DSQL always runs REPEATABLE READ (snapshot isolation)",
        IsolationLevel => "use plain BEGIN (or ISOLATION LEVEL REPEATABLE READ): DSQL only offers snapshot isolation",
        UnsupportedStatement => "remove the statement; DSQL has no equivalent",
        Vacuum => "remove VACUUM: DSQL manages storage itself",
        Merge => "use INSERT … ON CONFLICT … DO UPDATE, or separate UPDATE and INSERT statements",
        CreateTrigger => "move the trigger's logic into the application",
        TempTable => "use a regular table (dropped afterwards) or keep the data in the application",
        UnloggedTable => "drop UNLOGGED; every DSQL table is durable",
        CreateType => "use text with a CHECK (col IN (…)) constraint or a DOMAIN instead of an enum type",
        AlterType | RenameType | DropType => "DSQL has no user-defined types; use a DOMAIN or a CHECK constraint",
        FunctionLanguage => "rewrite the function in LANGUAGE sql, or move the logic into the application",
        Serial => "use UUID keys (gen_random_uuid()), or BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1)",
        IdentityCache | SequenceCache => "add CACHE 1 (ordered, slower) or CACHE 65536 (or more)",
        IdentityType => "declare the identity column as BIGINT",
        UnsupportedType => {
            "use a supported type (text, varchar, numeric, bigint, uuid, jsonb, bytea, timestamptz, …); arrays can be stored as jsonb"
        }
        AlterAddColumnConstraint => {
            "add the bare column, then backfill with UPDATE; enforce the rule in a new table or the application"
        }
        AlterAddConstraint => {
            "add CHECK/FOREIGN KEY with NOT VALID then ALTER TABLE ASYNC … VALIDATE CONSTRAINT; for PRIMARY KEY/UNIQUE create a UNIQUE INDEX ASYNC or recreate the table"
        }
        AlterColumnType => "add a new column of the new type, copy the data, then drop the old column",
        AlterValidateSync => "write ALTER TABLE ASYNC … VALIDATE CONSTRAINT …",
        Tablesample => "sample with WHERE random() < fraction or ORDER BY random() LIMIT n",
        TextSearchConfig => "DSQL has no text search configurations; search with LIKE/ILIKE or an external index",
        GeometricFunction => "DSQL has no geometric types; compute geometry in the application",
        ShowLcCollate => "DSQL always uses the C collation; SHOW lc_collate is not available",
        ByteaKey => "use UUID (or a fixed-length text encoding) for key columns instead of BYTEA",
        MultipleDdl => "run each DDL statement in its own transaction (commit after each)",
        DdlDmlMix => "commit the DDL before running DML (separate transactions)",
        LockedJoin => "lock one table per statement: SELECT … FOR UPDATE on each table separately, then join",
    }
}

/// Transaction-level errors the emulator and lint report (one source of
/// truth for their texts).
pub mod txn {
    use super::super::{Kind, Refusal};
    use super::{FEATURE_NOT_SUPPORTED, Rule, refusal};

    pub const MULTIPLE_DDL: &str = "multiple ddl statements not supported in a transaction";
    pub const DDL_DML_MIX: &str = "ddl and dml are not supported in the same transaction";
    pub const IN_FAILED_TRANSACTION_STATE: &str = "25P02";
    pub const IN_FAILED_TRANSACTION: &str =
        "current transaction is aborted, commands ignored until end of transaction block";
    pub const SERIALIZATION_FAILURE: &str = "40001";
    pub const OC000: &str = "change conflicts with another transaction (OC000)";
    pub const OC001: &str = "schema has been updated by another transaction, please retry: (OC001)";
    pub const LIMIT_EXCEEDED: &str = "54000";
    pub const ROW_LIMIT: &str = "transaction row limit exceeded";
    pub const SIZE_LIMIT: &str = "transaction size limit 10mb exceeded";
    pub const AGE_LIMIT: &str = "transaction age limit of 300s exceeded";
    pub const SCHEMA_LIMIT: &str = "more than 10 schemas not allowed";
    pub const DATABASE_ONLY_POSTGRES: &str = "unsupported statement: Createdb";

    /// `cannot drop primary key column id` (0A000, recorded).
    pub fn drop_primary_key_column(column: &str) -> String {
        format!("cannot drop primary key column {column}")
    }

    /// DSQL's transaction rule for the next statement of an explicit (or
    /// multi-statement implicit) transaction, given what it already ran:
    /// one DDL statement per transaction, and never DDL together with DML.
    pub fn violation(ddl_seen: bool, dml_seen: bool, next: Kind) -> Option<Refusal> {
        match next {
            Kind::Ddl if ddl_seen => Some(multiple_ddl()),
            Kind::Ddl if dml_seen => Some(ddl_dml_mix()),
            Kind::Dml if ddl_seen => Some(ddl_dml_mix()),
            _ => None,
        }
    }

    pub fn multiple_ddl() -> Refusal {
        refusal(Rule::MultipleDdl, FEATURE_NOT_SUPPORTED, MULTIPLE_DDL)
    }

    pub fn ddl_dml_mix() -> Refusal {
        refusal(Rule::DdlDmlMix, FEATURE_NOT_SUPPORTED, DDL_DML_MIX)
    }
}
