//! Upstream errors in DSQL's words: PostgreSQL's concurrency failures become
//! DSQL's 40001 with an OCC code (OC000 data conflict, OC001 schema change),
//! and errors raised by the emulator's own triggers lose the context line
//! that would name them (DSQL has no such functions).

use dsql::errors::{OCC_DATA_CONFLICT, OCC_SCHEMA_CHANGED, SQLSTATE_SERIALIZATION_FAILURE};
use wire::ErrorFields;

const DETAIL: u8 = b'D';
const HINT: u8 = b'H';
const CODE: u8 = b'C';
const MESSAGE: u8 = b'M';
const CONTEXT: u8 = b'W';

/// Rewrites `error` in place when it is one PostgreSQL gives for a
/// concurrency conflict. `ddl` says whether the failed statement was DDL.
pub fn translate(error: &mut ErrorFields, ddl: bool) {
    if error.get(CONTEXT).is_some_and(|c| c.contains("sys.__")) {
        error.remove(CONTEXT);
    }
    let message = match error.sqlstate() {
        // Serialization failure (REPEATABLE READ), deadlock, lock wait over LOCK_TIMEOUT.
        "40001" | "40P01" | "55P03" if ddl => OCC_SCHEMA_CHANGED,
        "40001" | "40P01" | "55P03" => OCC_DATA_CONFLICT,
        // A prepared statement whose table changed shape under it.
        "0A000" if error.message().starts_with("cached plan must not change result type") => OCC_SCHEMA_CHANGED,
        _ => return,
    };
    error.set(CODE, SQLSTATE_SERIALIZATION_FAILURE);
    error.set(MESSAGE, message);
    error.remove(DETAIL);
    error.remove(HINT);
    // "while updating tuple (7,28) in relation …": PostgreSQL's, not DSQL's.
    error.remove(CONTEXT);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_become_occ_errors_and_others_stay() {
        let mut e = ErrorFields::error("55P03", "canceling statement due to lock timeout");
        translate(&mut e, false);
        assert_eq!((e.sqlstate(), e.message()), ("40001", OCC_DATA_CONFLICT));
        let mut e = ErrorFields::error("40001", "could not serialize access due to concurrent update");
        translate(&mut e, true);
        assert_eq!(e.message(), OCC_SCHEMA_CHANGED);
        let mut e = ErrorFields::error("23505", "duplicate key");
        translate(&mut e, false);
        assert_eq!(e.sqlstate(), "23505");
    }

    #[test]
    fn context_naming_postgresql_internals_is_dropped() {
        let mut e = ErrorFields::error("40001", "could not serialize access due to concurrent update");
        e.set(CONTEXT, "while updating tuple (7,28) in relation \"accounts\"");
        translate(&mut e, false);
        assert_eq!(e.get(CONTEXT), None);
        let mut e = ErrorFields::error("54000", "transaction row limit exceeded");
        e.set(CONTEXT, "PL/pgSQL function sys.__count_rows() line 27 at RAISE");
        translate(&mut e, false);
        assert_eq!((e.sqlstate(), e.get(CONTEXT)), ("54000", None));
        // A user's own SQL function keeps its context.
        let mut e = ErrorFields::error("22012", "division by zero");
        e.set(CONTEXT, "SQL function \"f\" statement 1");
        translate(&mut e, false);
        assert!(e.get(CONTEXT).is_some());
    }
}
