//! Fuzz target: `analyze`, the ASYNC rewrite and `lint` must never panic,
//! and statement spans must stay ordered, in bounds and on char boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sql = String::from_utf8_lossy(data);
    let stmts = dsql::dialect::analyze(&sql);
    let mut end = 0;
    for s in &stmts {
        assert!(end <= s.span.start && s.span.start < s.span.end && s.span.end <= sql.len());
        assert!(sql.is_char_boundary(s.span.start) && sql.is_char_boundary(s.span.end));
        end = s.span.end;
        let _ = dsql::dialect::postgres_text(&sql, s);
    }
    let _ = dsql::dialect::rewrite_for_postgres(&sql, &stmts);
    let _ = dsql::lint::lint(&sql);
});
