//! DSQL's error vocabulary: the SQLSTATEs and message texts it answers with
//! (DSQL-FACTS §1, §3, §4 and the recorded conformance answers), and
//! [`classify`], which sorts an error into what a client should do about it.
//! Statement refusals (0A000 texts per construct) live in `dialect`.

// SQLSTATEs.
pub const SQLSTATE_SERIALIZATION_FAILURE: &str = "40001";
pub const SQLSTATE_FEATURE_NOT_SUPPORTED: &str = "0A000";
pub const SQLSTATE_PROGRAM_LIMIT_EXCEEDED: &str = "54000";
pub const SQLSTATE_TOO_MANY_COLUMNS: &str = "54011";
pub const SQLSTATE_INVALID_AUTHORIZATION: &str = "28000";
pub const SQLSTATE_INVALID_PASSWORD: &str = "28P01";
pub const SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED: &str = "53400";
pub const SQLSTATE_TOO_MANY_CONNECTIONS: &str = "53300";
pub const SQLSTATE_IN_FAILED_TRANSACTION: &str = "25P02";

// Connection refusals.
/// FATAL text for any refused token (hint [`HINT_SIGNATURE_EXPIRED`] when stale).
pub const ACCESS_DENIED: &str = "unable to accept connection, access denied";
pub const HINT_SIGNATURE_EXPIRED: &str = "Signature expired";
/// The cluster is resuming; retry shortly.
pub const WAKING_UP: &str = "unable to accept connection, waking up cluster, please retry later";
/// 53400: over the cluster's new-connection budget.
pub const RATE_EXCEEDED: &str = "Unable to accept connection, rate exceeded.";

// Optimistic concurrency (40001); match on the code, not the wording.
pub const OCC_DATA_CONFLICT_CODE: &str = "OC000";
pub const OCC_SCHEMA_CHANGED_CODE: &str = "OC001";
/// OC000 as recorded on a real cluster.
pub const OCC_DATA_CONFLICT: &str = "change conflicts with another transaction (OC000)";
/// OC001 as documented.
pub const OCC_SCHEMA_CHANGED: &str = "schema has been updated by another transaction, please retry: (OC001)";

// Limits (54000).
pub const ROW_LIMIT_EXCEEDED: &str = "transaction row limit exceeded";
pub const SIZE_LIMIT_EXCEEDED: &str = "transaction size limit 10mb exceeded";
pub const AGE_LIMIT_EXCEEDED: &str = "transaction age limit of 300s exceeded";
pub const SCHEMA_LIMIT_EXCEEDED: &str = "more than 10 schemas not allowed";

/// Which OCC conflict a 40001 reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OccCode {
    /// OC000: a concurrent transaction changed the same rows.
    DataConflict,
    /// OC001: the schema changed under the transaction.
    SchemaChanged,
    /// 40001 without a DSQL code (e.g. PostgreSQL's serialization failure).
    Unspecified,
}

impl OccCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OccCode::DataConflict => OCC_DATA_CONFLICT_CODE,
            OccCode::SchemaChanged => OCC_SCHEMA_CHANGED_CODE,
            OccCode::Unspecified => "40001",
        }
    }
}

/// What kind of failure an error is, i.e. what the client should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Conflict at COMMIT: retry the whole transaction.
    Occ { code: OccCode },
    /// DSQL does not support the statement: change the SQL.
    Unsupported,
    /// A transaction/query limit (rows, size, age, memory, schemas).
    Limit,
    /// Login refused; `expired` when the token is stale (mint a new one).
    Auth { expired: bool },
    /// 53400 or "waking up": back off and open the connection again.
    RateLimited,
    /// 53300: the cluster's connection limit is reached.
    TooManyConnections,
    /// Anything else.
    Other,
}

impl ErrorClass {
    /// Whether reopening the connection / rerunning the transaction may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Occ { .. } | ErrorClass::RateLimited | ErrorClass::TooManyConnections)
    }
}

/// Classifies an error from its SQLSTATE and message.
pub fn classify(sqlstate: &str, message: &str) -> ErrorClass {
    classify_with_hint(sqlstate, message, None)
}

/// Same as [`classify`], also looking at the server's hint (DSQL puts
/// `Signature expired` there).
pub fn classify_with_hint(sqlstate: &str, message: &str, hint: Option<&str>) -> ErrorClass {
    let expired = hint.is_some_and(|h| h.contains(HINT_SIGNATURE_EXPIRED)) || message.contains(HINT_SIGNATURE_EXPIRED);
    match sqlstate {
        SQLSTATE_SERIALIZATION_FAILURE => ErrorClass::Occ { code: occ_code(message) },
        SQLSTATE_FEATURE_NOT_SUPPORTED => ErrorClass::Unsupported,
        SQLSTATE_PROGRAM_LIMIT_EXCEEDED | SQLSTATE_TOO_MANY_COLUMNS => ErrorClass::Limit,
        SQLSTATE_INVALID_AUTHORIZATION | SQLSTATE_INVALID_PASSWORD => ErrorClass::Auth { expired },
        SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED => ErrorClass::RateLimited,
        SQLSTATE_TOO_MANY_CONNECTIONS => ErrorClass::TooManyConnections,
        // The FATAL refusals' SQLSTATE is not documented: recognise the texts.
        _ if message.contains(ACCESS_DENIED) => ErrorClass::Auth { expired },
        _ if message.contains(WAKING_UP) || message.eq_ignore_ascii_case(RATE_EXCEEDED) => ErrorClass::RateLimited,
        _ => ErrorClass::Other,
    }
}

/// The OCC code in a 40001 message, wherever the wording puts it.
pub fn occ_code(message: &str) -> OccCode {
    if message.contains(OCC_DATA_CONFLICT_CODE) {
        OccCode::DataConflict
    } else if message.contains(OCC_SCHEMA_CHANGED_CODE) {
        OccCode::SchemaChanged
    } else {
        OccCode::Unspecified
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occ_is_told_apart_by_code_not_wording() {
        assert_eq!(classify("40001", OCC_DATA_CONFLICT), ErrorClass::Occ { code: OccCode::DataConflict });
        let documented = "mutation conflicts with another transaction, retry as needed (OC000)";
        assert_eq!(classify("40001", documented), ErrorClass::Occ { code: OccCode::DataConflict });
        assert_eq!(classify("40001", OCC_SCHEMA_CHANGED), ErrorClass::Occ { code: OccCode::SchemaChanged });
        assert_eq!(classify("40001", "whatever new wording (OC001)"), ErrorClass::Occ { code: OccCode::SchemaChanged });
        let pg = "could not serialize access due to concurrent update";
        assert_eq!(classify("40001", pg), ErrorClass::Occ { code: OccCode::Unspecified });
        // The code alone is not enough without 40001.
        assert_eq!(classify("XX000", "OC000"), ErrorClass::Other);
    }

    #[test]
    fn each_sqlstate_has_its_class() {
        assert_eq!(classify("0A000", "unsupported statement: Truncate"), ErrorClass::Unsupported);
        assert_eq!(classify("54000", ROW_LIMIT_EXCEEDED), ErrorClass::Limit);
        assert_eq!(classify("54011", "tables can have at most 255 columns"), ErrorClass::Limit);
        assert_eq!(
            classify("28P01", "password authentication failed for user \"x\""),
            ErrorClass::Auth { expired: false }
        );
        assert_eq!(classify("28000", ACCESS_DENIED), ErrorClass::Auth { expired: false });
        assert_eq!(classify("53400", RATE_EXCEEDED), ErrorClass::RateLimited);
        assert_eq!(classify("53300", "too many connections"), ErrorClass::TooManyConnections);
        assert_eq!(classify("42P01", "relation \"x\" does not exist"), ErrorClass::Other);
    }

    #[test]
    fn access_denied_text_and_expiry_hint_are_recognised() {
        assert_eq!(classify("08006", ACCESS_DENIED), ErrorClass::Auth { expired: false });
        assert_eq!(
            classify_with_hint("08006", ACCESS_DENIED, Some(HINT_SIGNATURE_EXPIRED)),
            ErrorClass::Auth { expired: true }
        );
        assert_eq!(
            classify_with_hint("28000", ACCESS_DENIED, Some(HINT_SIGNATURE_EXPIRED)),
            ErrorClass::Auth { expired: true }
        );
        assert_eq!(classify("08006", WAKING_UP), ErrorClass::RateLimited);
    }

    #[test]
    fn retryable_classes() {
        assert!(ErrorClass::Occ { code: OccCode::DataConflict }.is_retryable());
        assert!(ErrorClass::RateLimited.is_retryable());
        assert!(!ErrorClass::Unsupported.is_retryable());
        assert!(!ErrorClass::Auth { expired: true }.is_retryable());
        assert!(!ErrorClass::Limit.is_retryable());
    }
}
