//! Command-tag overrides for rewritten statements
//! ([`crate::Decision::RewriteWithTag`]): a policy that runs a different
//! statement than the client sent (e.g. DSQL's `CREATE INDEX ASYNC` as a
//! function call) can still answer with the tag the client's statement has.
//!
//! Answers are matched to statements by position: each statement of a
//! simple Query, and each Execute of the extended protocol, ends in exactly
//! one CommandComplete / EmptyQueryResponse / PortalSuspended, or an error
//! that skips the rest of its sync point. So one slot is queued per such
//! statement, tagged with its sync point; slots of a sync point that ended
//! early are dropped. Nothing is tracked until a policy asks for an
//! override, so the hot path of ordinary sessions pays one `is_empty` check.

use std::collections::{HashMap, VecDeque};

/// Pending tag overrides of one session.
#[derive(Default)]
pub(crate) struct TagOverrides {
    /// Prepared statement name → tag of its original statement.
    statements: HashMap<String, String>,
    /// Portal name → tag (portals bound to an overridden statement).
    portals: HashMap<String, String>,
    /// One slot per answer expected: (sync point, override).
    slots: VecDeque<(u64, Option<String>)>,
}

impl TagOverrides {
    /// Whether extended-protocol messages need looking at.
    pub(crate) fn tracking(&self) -> bool {
        !self.statements.is_empty() || !self.portals.is_empty()
    }

    /// A simple Query sent as sync point `sync_point` with a tag per statement.
    pub(crate) fn query(&mut self, sync_point: u64, tags: Vec<Option<String>>) {
        if tags.iter().any(Option::is_some) {
            self.slots.extend(tags.into_iter().map(|t| (sync_point, t)));
        }
    }

    /// A Parse of statement `name`, overridden with `tag` or not.
    pub(crate) fn parse(&mut self, name: &str, tag: Option<String>) {
        match tag {
            Some(tag) => {
                self.statements.insert(name.to_string(), tag);
            }
            None => {
                self.statements.remove(name);
            }
        }
    }

    /// A Bind of `statement` into `portal` (call only while [`Self::tracking`]).
    pub(crate) fn bind(&mut self, portal: &str, statement: &str) {
        match self.statements.get(statement) {
            Some(tag) => {
                self.portals.insert(portal.to_string(), tag.clone());
            }
            None => {
                self.portals.remove(portal);
            }
        }
    }

    /// An Execute of `portal` in sync point `sync_point` (call only while [`Self::tracking`]).
    pub(crate) fn execute(&mut self, sync_point: u64, portal: &str) {
        let tag = self.portals.get(portal).cloned();
        if tag.is_some() || !self.slots.is_empty() {
            self.slots.push_back((sync_point, tag));
        }
    }

    /// The answer to one statement of sync point `sync_point` arrived:
    /// the tag to send instead, if any.
    pub(crate) fn answered(&mut self, sync_point: u64) -> Option<String> {
        self.drop_before(sync_point);
        match self.slots.front() {
            Some((s, _)) if *s == sync_point => self.slots.pop_front().and_then(|(_, t)| t),
            _ => None,
        }
    }

    /// Sync point `sync_point` is complete: its unanswered slots are void.
    pub(crate) fn completed(&mut self, sync_point: u64) {
        self.drop_before(sync_point + 1);
    }

    fn drop_before(&mut self, sync_point: u64) {
        while self.slots.front().is_some_and(|(s, _)| *s < sync_point) {
            self.slots.pop_front();
        }
    }
}

/// The first two NUL-terminated strings of a Bind body (portal, statement).
pub(crate) fn bind_names(frame: &[u8]) -> Option<(&str, &str)> {
    let body = frame.get(5..)?;
    let mut parts = body.splitn(3, |b| *b == 0);
    let portal = std::str::from_utf8(parts.next()?).ok()?;
    let statement = std::str::from_utf8(parts.next()?).ok()?;
    Some((portal, statement))
}

/// The portal name of an Execute frame.
pub(crate) fn execute_portal(frame: &[u8]) -> Option<&str> {
    let body = frame.get(5..)?;
    let end = body.iter().position(|b| *b == 0)?;
    std::str::from_utf8(&body[..end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_query_slots_follow_statement_order() {
        let mut t = TagOverrides::default();
        t.query(1, vec![None, Some("CREATE INDEX".into())]);
        assert_eq!(t.answered(1), None);
        assert_eq!(t.answered(1).as_deref(), Some("CREATE INDEX"));
        assert_eq!(t.answered(1), None);
    }

    #[test]
    fn slots_of_a_failed_sync_point_are_dropped() {
        let mut t = TagOverrides::default();
        t.query(1, vec![None, Some("CREATE INDEX".into())]);
        assert_eq!(t.answered(1), None);
        t.completed(1);
        t.query(2, vec![Some("ALTER TABLE".into())]);
        assert_eq!(t.answered(2).as_deref(), Some("ALTER TABLE"));
    }

    #[test]
    fn extended_protocol_follows_statement_to_portal_to_execute() {
        let mut t = TagOverrides::default();
        t.parse("s1", Some("CREATE INDEX".into()));
        assert!(t.tracking());
        t.bind("", "s1");
        t.execute(3, "");
        t.bind("", "other");
        t.execute(3, "");
        assert_eq!(t.answered(3).as_deref(), Some("CREATE INDEX"));
        assert_eq!(t.answered(3), None);
        t.parse("s1", None);
        t.bind("", "s1");
        assert!(!t.tracking());
    }

    #[test]
    fn bind_and_execute_names_are_read_from_frames() {
        let bind = b"B\0\0\0\x10p1\0s1\0\0\0\0\0\0\0";
        assert_eq!(bind_names(bind), Some(("p1", "s1")));
        let exec = b"E\0\0\0\x09\0\0\0\0\0";
        assert_eq!(execute_portal(exec), Some(""));
    }
}
