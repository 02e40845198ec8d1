//! Statement splitting through the public `analyze`: semicolons inside
//! strings, identifiers, dollar quotes and comments never split.

use dsql::dialect::analyze;

fn texts(sql: &str) -> Vec<&str> {
    analyze(sql).into_iter().map(|s| &sql[s.span]).collect()
}

#[test]
fn semicolons_in_quotes_and_comments_do_not_split() {
    let sql = "SELECT 'a;b', \"c;d\", E'e\\';f', $$g;h$$, $tag$ $$; $tag$; /* x; /* nested; */ y; */ SELECT 2 -- z;\n; SELECT 3";
    assert_eq!(texts(sql), ["SELECT 'a;b', \"c;d\", E'e\\';f', $$g;h$$, $tag$ $$; $tag$", "SELECT 2", "SELECT 3"]);
}

#[test]
fn standard_strings_keep_backslashes_literal() {
    // standard_conforming_strings: '\' is a complete string.
    assert_eq!(texts(r"SELECT '\'; SELECT 2"), [r"SELECT '\'", "SELECT 2"]);
}

#[test]
fn empty_statements_and_comments_produce_nothing() {
    assert!(texts("").is_empty());
    assert!(texts(" ;; -- only a comment\n /* and another */ ;").is_empty());
}

#[test]
fn spans_start_at_the_first_token() {
    let sql = "-- header\n  /* c */ CREATE TABLE t (a int);\n";
    let stmts = analyze(sql);
    assert_eq!(stmts.len(), 1);
    assert_eq!(&sql[stmts[0].span.clone()], "CREATE TABLE t (a int)");
}

#[test]
fn function_bodies_stay_whole() {
    let sql = "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); UPDATE t SET a = CASE WHEN a > 0 THEN 1 END; END; SELECT 1";
    let got = texts(sql);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1], "SELECT 1");
}

#[test]
fn dollar_signs_in_identifiers_and_params_are_not_quotes() {
    assert_eq!(texts("SELECT a$b$ FROM t WHERE x = $1; SELECT 2"), ["SELECT a$b$ FROM t WHERE x = $1", "SELECT 2"]);
}
