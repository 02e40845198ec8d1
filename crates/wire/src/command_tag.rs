//! CommandComplete tags ("INSERT 0 5", "UPDATE 3", "CREATE TABLE", …): what
//! ran and how many rows it touched, which a proxy uses to track DDL vs DML
//! and rows changed per transaction without parsing SQL.

/// What kind of statement produced a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// INSERT, UPDATE, DELETE, MERGE, COPY (rows written).
    Write,
    /// SELECT, FETCH, MOVE, SHOW, EXPLAIN-like reads.
    Read,
    /// CREATE / ALTER / DROP / COMMENT / GRANT / REVOKE / TRUNCATE …
    Ddl,
    /// BEGIN, START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, PREPARE TRANSACTION.
    Transaction,
    /// SET, RESET, DISCARD, LISTEN, DO, CALL, PREPARE, EXECUTE, DEALLOCATE, …
    Other,
}

/// A parsed CommandComplete tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandTag<'a> {
    /// The tag without its counts, e.g. "INSERT", "CREATE TABLE".
    pub command: &'a str,
    /// The trailing row count, if the tag has one.
    pub rows: Option<u64>,
}

impl<'a> CommandTag<'a> {
    pub fn parse(tag: &'a str) -> CommandTag<'a> {
        // "INSERT oid rows" has two numbers; others at most one (the last).
        let mut command = tag;
        let mut rows = None;
        if let Some((head, last)) = tag.rsplit_once(' ') {
            if let Ok(n) = last.parse::<u64>() {
                rows = Some(n);
                command = head;
                if head.starts_with("INSERT ") {
                    if let Some((verb, oid)) = head.rsplit_once(' ') {
                        if oid.parse::<u64>().is_ok() {
                            command = verb;
                        }
                    }
                }
            }
        }
        CommandTag { command, rows }
    }

    pub fn kind(&self) -> TagKind {
        let first = self.command.split(' ').next().unwrap_or_default();
        match first {
            "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY" => TagKind::Write,
            "SELECT" | "FETCH" | "MOVE" | "SHOW" | "EXPLAIN" | "VALUES" | "TABLE" => TagKind::Read,
            "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "END" | "ABORT" => {
                TagKind::Transaction
            }
            "PREPARE" if self.command == "PREPARE TRANSACTION" => TagKind::Transaction,
            "CREATE" | "ALTER" | "DROP" | "COMMENT" | "GRANT" | "REVOKE" | "TRUNCATE" | "REINDEX" | "CLUSTER"
            | "SECURITY" | "IMPORT" | "REFRESH" => {
                // CREATE TABLE AS / SELECT INTO report "SELECT n" (handled above).
                TagKind::Ddl
            }
            _ => TagKind::Other,
        }
    }

    /// Rows written by this command (0 for reads and DDL).
    pub fn rows_changed(&self) -> u64 {
        if self.kind() == TagKind::Write { self.rows.unwrap_or(0) } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_kinds() {
        let t = CommandTag::parse("INSERT 0 5");
        assert_eq!((t.command, t.rows, t.kind(), t.rows_changed()), ("INSERT", Some(5), TagKind::Write, 5));
        let t = CommandTag::parse("UPDATE 3");
        assert_eq!((t.command, t.rows_changed()), ("UPDATE", 3));
        let t = CommandTag::parse("SELECT 10");
        assert_eq!((t.kind(), t.rows_changed()), (TagKind::Read, 0));
        assert_eq!(CommandTag::parse("CREATE TABLE").kind(), TagKind::Ddl);
        assert_eq!(CommandTag::parse("CREATE INDEX").rows, None);
        assert_eq!(CommandTag::parse("COMMIT").kind(), TagKind::Transaction);
        assert_eq!(CommandTag::parse("SET").kind(), TagKind::Other);
        assert_eq!(CommandTag::parse("").kind(), TagKind::Other);
    }
}
