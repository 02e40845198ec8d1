//! Upstream errors in DSQL's words: PostgreSQL's concurrency failures become
//! DSQL's 40001 with an OCC code (OC000 data conflict, OC001 schema change).

use dsql::errors::{OCC_DATA_CONFLICT, OCC_SCHEMA_CHANGED, SQLSTATE_SERIALIZATION_FAILURE};
use wire::ErrorFields;

const DETAIL: u8 = b'D';
const HINT: u8 = b'H';
const CODE: u8 = b'C';
const MESSAGE: u8 = b'M';

/// Rewrites `error` in place when it is one PostgreSQL gives for a
/// concurrency conflict. `ddl` says whether the failed statement was DDL.
pub fn translate(error: &mut ErrorFields, ddl: bool) {
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
}
