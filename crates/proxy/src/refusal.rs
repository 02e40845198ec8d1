//! The refusal sentinel (see the `policy` module doc): a statement that every
//! PostgreSQL-compatible server, DSQL included, rejects at parse-analysis
//! time — casting a non-numeric literal to int — carrying an id so the
//! proxy can recognise its error and put the policy's fields in its place.

use std::collections::VecDeque;

use wire::ErrorFields;

const MARKER: &str = "dsql-proxy-refusal:";

pub(crate) fn sentinel_sql(id: u64) -> String {
    format!("SELECT '{MARKER}{id}'::int4")
}

/// The refusal id carried by an upstream error, if it is one of ours.
pub(crate) fn sentinel_id(error: &ErrorFields) -> Option<u64> {
    if error.sqlstate() != "22P02" {
        return None;
    }
    let msg = error.message();
    let at = msg.find(MARKER)? + MARKER.len();
    let digits: String = msg[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Refusals sent upstream and not yet answered, tagged with the sync point
/// they belong to so ones that never ran (an earlier statement failed first)
/// are dropped when that sync point completes.
#[derive(Default)]
pub(crate) struct PendingRefusals {
    next_id: u64,
    pending: VecDeque<(u64, u64, ErrorFields)>,
}

impl PendingRefusals {
    /// Registers a refusal for the sync point number `sync_point`; returns the SQL to send.
    pub(crate) fn add(&mut self, sync_point: u64, fields: ErrorFields) -> String {
        self.next_id += 1;
        self.pending.push_back((self.next_id, sync_point, fields));
        sentinel_sql(self.next_id)
    }

    pub(crate) fn take(&mut self, id: u64) -> Option<ErrorFields> {
        let pos = self.pending.iter().position(|(i, _, _)| *i == id)?;
        self.pending.remove(pos).map(|(_, _, f)| f)
    }

    /// Forgets refusals of sync points up to and including `sync_point`.
    pub(crate) fn completed(&mut self, sync_point: u64) {
        while self.pending.front().is_some_and(|(_, s, _)| *s <= sync_point) {
            self.pending.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_its_own_errors() {
        let e = ErrorFields::error("22P02", "invalid input syntax for type integer: \"dsql-proxy-refusal:42\"");
        assert_eq!(sentinel_id(&e), Some(42));
        assert_eq!(sentinel_id(&ErrorFields::error("22P02", "invalid input syntax for type integer: \"x\"")), None);
        assert_eq!(sentinel_id(&ErrorFields::error("0A000", "dsql-proxy-refusal:1")), None);
        let mut p = PendingRefusals::default();
        let sql = p.add(1, ErrorFields::error("0A000", "no"));
        assert_eq!(sql, "SELECT 'dsql-proxy-refusal:1'::int4");
        p.add(2, ErrorFields::error("0A000", "later"));
        p.completed(1);
        assert_eq!(p.take(1), None);
        assert_eq!(p.take(2).map(|f| f.message().to_string()), Some("later".into()));
    }
}
