//! Replays the answers recorded on a real Aurora DSQL cluster
//! (`shared/reference/dsql-conformance/*.json`) through the emulator and
//! compares outcome + SQLSTATE (the hard contract), command tag, columns and
//! rows (unless `ignore_rows`). Prints pass/total per file and overall and
//! fails when the overall pass count drops below `conformance-floor.txt`.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::raw::{Outcome, RawClient};
use serde_json::Value;

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/dsql-conformance")
}

/// File order matters: cases share the fixture tables, and later files
/// expect rows earlier ones left (`queries` counts the parent rows that
/// `transaction` committed and the child row `supported` inserted).
const ORDER: &[&str] = &[
    "alters",
    "backlog",
    "enum",
    "environment",
    "index",
    "isolation",
    "multi_statement",
    "occ",
    "supported",
    "transaction",
    "types",
    "unsupported",
    "occ_conflict",
    "queries",
];

const FIXTURES: &[&str] = &[
    "CREATE TABLE baseline_parent (id uuid PRIMARY KEY, name text)",
    "INSERT INTO baseline_parent (id, name) VALUES ('00000000-0000-0000-0000-0000000000aa', 'seed')",
    "CREATE TABLE baseline_child (id uuid PRIMARY KEY, parent_id uuid REFERENCES baseline_parent(id))",
    "CREATE TABLE baseline_idx (id uuid PRIMARY KEY, value text)",
    "CREATE TABLE baseline_bulk (id int)",
    "CREATE TABLE baseline_implicit_bulk (id int)",
    "CREATE TABLE baseline_alter (a text, b text)",
    "CREATE TABLE baseline_alter_pk (id int PRIMARY KEY, v text)",
    "CREATE TABLE baseline_alter_pkadd (id int, v int)",
    "CREATE TABLE baseline_alter_fk (id int PRIMARY KEY, parent_id uuid)",
    "CREATE TABLE baseline_alter_big (id int PRIMARY KEY, big bigint)",
    "CREATE TABLE baseline_drop_me (id int)",
    "CREATE TABLE baseline_multi (id int, a int)",
    "CREATE TABLE baseline_lat_parent (id text PRIMARY KEY)",
    "CREATE TABLE baseline_lat_child (id text PRIMARY KEY, parent_id text)",
    "INSERT INTO baseline_lat_parent (id) VALUES ('a')",
    "INSERT INTO baseline_lat_child (id, parent_id) VALUES ('c', 'a')",
    "CREATE TABLE baseline_occ (id int PRIMARY KEY, name text)",
    "CREATE TABLE baseline_occ_parent (id int PRIMARY KEY, name text)",
    "CREATE TABLE baseline_occ_child (id int PRIMARY KEY, parent_id int REFERENCES baseline_occ_parent(id), v text)",
    "CREATE TABLE baseline_occ_cascade (id int PRIMARY KEY, parent_id int REFERENCES baseline_occ_parent(id) ON DELETE CASCADE, v text)",
    "CREATE TABLE baseline_occ_setnull (id int PRIMARY KEY, parent_id int REFERENCES baseline_occ_parent(id) ON DELETE SET NULL, v text)",
    "CREATE TABLE baseline_occ_setdefault (id int PRIMARY KEY, parent_id int DEFAULT 0 REFERENCES baseline_occ_parent(id) ON DELETE SET DEFAULT, v text)",
];

/// Fresh rows for each concurrent case.
const OCC_RESET: &[&str] = &[
    "DELETE FROM baseline_occ_child",
    "DELETE FROM baseline_occ_cascade",
    "DELETE FROM baseline_occ_setnull",
    "DELETE FROM baseline_occ_setdefault",
    "DELETE FROM baseline_occ_parent",
    "DELETE FROM baseline_occ",
    "INSERT INTO baseline_occ (id, name) VALUES (1, 'ww-a'), (2, 'ww-b'), (3, 'ww-c')",
    "INSERT INTO baseline_occ_parent (id, name) VALUES (0, 'default'), (1, 'p1'), (2, 'p2'), (3, 'p3'), (4, 'p4'), (5, 'p5')",
    "INSERT INTO baseline_occ_child (id, parent_id) VALUES (1, 1)",
    "INSERT INTO baseline_occ_cascade (id, parent_id) VALUES (1, 3)",
    "INSERT INTO baseline_occ_setnull (id, parent_id) VALUES (1, 4)",
    "INSERT INTO baseline_occ_setdefault (id, parent_id) VALUES (1, 5)",
];

/// The concurrent cases' statements (not serialised upstream): session 1's
/// statement runs first, then session 2's, then both COMMIT.
fn occ_script(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "occ_write_write" => {
            ("UPDATE baseline_occ SET name = 'ww-1' WHERE id = 1", "UPDATE baseline_occ SET name = 'ww-2' WHERE id = 1")
        }
        "occ_for_update_vs_write" => (
            "SELECT name FROM baseline_occ WHERE id = 1 FOR UPDATE",
            "UPDATE baseline_occ SET name = 'ww-2' WHERE id = 1",
        ),
        "occ_for_key_share_vs_delete" => {
            ("SELECT name FROM baseline_occ WHERE id = 1 FOR KEY SHARE", "DELETE FROM baseline_occ WHERE id = 1")
        }
        "occ_fk_delete_insert" => (
            "DELETE FROM baseline_occ_parent WHERE id = 2",
            "INSERT INTO baseline_occ_child (id, parent_id) VALUES (10, 2)",
        ),
        "occ_fk_nonkey_update" => (
            "UPDATE baseline_occ_parent SET name = 'renamed' WHERE id = 1",
            "INSERT INTO baseline_occ_child (id, parent_id) VALUES (11, 1)",
        ),
        "occ_fk_cascade_vs_child_write" => {
            ("DELETE FROM baseline_occ_parent WHERE id = 3", "UPDATE baseline_occ_cascade SET v = 'w' WHERE id = 1")
        }
        "occ_fk_set_null_vs_child_write" => {
            ("DELETE FROM baseline_occ_parent WHERE id = 4", "UPDATE baseline_occ_setnull SET v = 'w' WHERE id = 1")
        }
        "occ_fk_set_default_vs_child_write" => {
            ("DELETE FROM baseline_occ_parent WHERE id = 5", "UPDATE baseline_occ_setdefault SET v = 'w' WHERE id = 1")
        }
        "occ_multirow_predicate" => (
            "UPDATE baseline_occ SET name = name || '1' WHERE id <= 3",
            "UPDATE baseline_occ SET name = name || '2' WHERE id <= 3",
        ),
        "occ_disjoint_writes" => {
            ("UPDATE baseline_occ SET name = 'd1' WHERE id = 1", "UPDATE baseline_occ SET name = 'd2' WHERE id = 2")
        }
        _ => return None,
    })
}

/// Our PostgreSQL text output rendered the way the recorder (Go, pgx) printed values.
fn render(value: &Option<String>, type_oid: u32) -> String {
    let Some(v) = value else { return "NULL".into() };
    match type_oid {
        16 => {
            if v == "t" {
                "true".into()
            } else {
                "false".into()
            }
        }
        2950 => {
            let hex: String = v.chars().filter(|c| *c != '-').collect();
            let bytes: Vec<String> = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                .map(|b| b.to_string())
                .collect();
            format!("[{}]", bytes.join(" "))
        }
        869 if !v.contains('/') => format!("{v}/{}", if v.contains(':') { 128 } else { 32 }),
        // Arrays and anonymous records print as space-separated lists.
        1000 | 1005 | 1007 | 1009 | 1015 | 1016 | 1021 | 1022 | 2249 => {
            let inner = &v[1..v.len().saturating_sub(1)];
            format!("[{}]", inner.split(',').map(|s| s.trim_matches('"')).collect::<Vec<_>>().join(" "))
        }
        _ => v.clone(),
    }
}

fn str_list(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| a.iter().map(|x| x.as_str().unwrap_or("").to_string()).collect())
}

/// Compares one recorded result (tag/columns/rows) with ours; None = match.
fn compare_result(rec: &Value, ours: &Outcome, ignore_rows: bool) -> Option<String> {
    let Outcome::Ok { tag, columns, types, rows } = ours else {
        return Some(format!("expected ok, got {ours:?}"));
    };
    let rec_tag = rec["command_tag"].as_str().unwrap_or("");
    let tag_matches = if ignore_rows { rec_tag.split(' ').next() == tag.split(' ').next() } else { rec_tag == tag };
    if !tag_matches {
        return Some(format!("tag {tag:?} != recorded {rec_tag:?}"));
    }
    let rec_cols = str_list(&rec["columns"]).unwrap_or_default();
    if &rec_cols != columns {
        return Some(format!("columns {columns:?} != recorded {rec_cols:?}"));
    }
    if !ignore_rows {
        let rec_rows: Vec<Vec<String>> =
            rec["rows"].as_array().map(|r| r.iter().filter_map(str_list).collect()).unwrap_or_default();
        let our_rows: Vec<Vec<String>> =
            rows.iter().map(|r| r.iter().zip(types).map(|(v, t)| render(v, *t)).collect()).collect();
        if rec_rows != our_rows {
            return Some(format!("rows {our_rows:?} != recorded {rec_rows:?}"));
        }
    }
    None
}

/// Compares one step; None = match.
fn compare(rec: &Value, ours: &[Outcome], simple: bool, ignore_rows: bool) -> Option<String> {
    let outcome = rec["outcome"].as_str().unwrap_or("");
    if outcome == "error" {
        let want = rec["sqlstate"].as_str().unwrap_or("");
        return match ours.iter().find_map(|o| match o {
            Outcome::Error { sqlstate, message } => Some((sqlstate, message)),
            _ => None,
        }) {
            Some((got, _)) if got == want => None,
            Some((got, msg)) => Some(format!("error {got} {msg:?} != recorded {want} {:?}", rec["message"])),
            None => Some(format!("ok {ours:?} != recorded error {want} {:?}", rec["message"])),
        };
    }
    if let Some(Outcome::Error { sqlstate, message }) = ours.iter().find(|o| matches!(o, Outcome::Error { .. })) {
        return Some(format!("error {sqlstate} {message:?} != recorded ok {:?}", rec["command_tag"]));
    }
    if simple && rec.get("results").is_some() {
        let recs = rec["results"].as_array().cloned().unwrap_or_default();
        if recs.len() != ours.len() {
            return Some(format!("{} results != recorded {}", ours.len(), recs.len()));
        }
        return recs.iter().zip(ours).find_map(|(r, o)| compare_result(r, o, ignore_rows));
    }
    match ours.first() {
        Some(o) => compare_result(rec, o, ignore_rows),
        None => Some("no result".into()),
    }
}

async fn client(emu: &common::TestEmulator) -> RawClient {
    let stream =
        common::raw::tls_stream(&emu.emulator.info().ca_file, &emu.config.hostname, emu.port()).await.expect("TLS");
    RawClient::login(stream, "admin", &emu.token("admin")).await.expect("login")
}

async fn run_case(emu: &common::TestEmulator, case: &Value) -> Option<String> {
    let ignore_rows = case["ignore_rows"].as_bool().unwrap_or(false);
    let simple = case["simple_protocol"].as_bool().unwrap_or(false);
    if let Some(sessions) = case["sessions"].as_array() {
        return run_concurrent(emu, case, sessions).await;
    }
    let steps = str_list(&case["steps"]).unwrap_or_default();
    let observations = case["observations"].as_array().cloned().unwrap_or_default();
    let mut c = client(emu).await;
    let mut failure = None;
    for (i, (step, rec)) in steps.iter().zip(&observations).enumerate() {
        let ours = if simple { c.simple(step).await } else { c.extended(step).await.map(|o| vec![o]) };
        let ours = match ours {
            Ok(o) => o,
            Err(e) => return Some(format!("step {i}: connection lost: {e}")),
        };
        if let Some(diff) = compare(rec, &ours, simple, ignore_rows) {
            failure.get_or_insert(format!("step {i} `{}`: {diff}", step.chars().take(80).collect::<String>()));
        }
    }
    let _ = c.simple("ROLLBACK").await;
    failure
}

async fn run_concurrent(emu: &common::TestEmulator, case: &Value, sessions: &[Value]) -> Option<String> {
    let name = case["name"].as_str().unwrap_or("");
    let (first, second) = occ_script(name)?;
    let mut admin = client(emu).await;
    for sql in OCC_RESET {
        if let Ok(v) = admin.simple(sql).await {
            if let Some(Outcome::Error { message, .. }) = v.first() {
                return Some(format!("resetting fixtures `{sql}`: {message}"));
            }
        }
    }
    let (mut a, mut b) = (client(emu).await, client(emu).await);
    let mut ours: [Vec<Outcome>; 2] = [vec![], vec![]];
    for (session, sql) in [(0, "BEGIN"), (1, "BEGIN"), (0, first), (1, second), (0, "COMMIT"), (1, "COMMIT")] {
        let c = if session == 0 { &mut a } else { &mut b };
        ours[session].push(c.extended(sql).await.ok()?);
    }
    let losers = |obs: &mut dyn Iterator<Item = bool>| obs.filter(|l| *l).count();
    let lost = |o: &Outcome| matches!(o, Outcome::Error { sqlstate, .. } if sqlstate == "40001");
    let rec_lost = |s: &Value| s.as_array().is_some_and(|o| o.iter().any(|x| x["sqlstate"] == "40001"));
    let our_losers = losers(&mut ours.iter().map(|s| s.iter().any(lost)));
    let rec_losers = losers(&mut sessions.iter().map(rec_lost));
    if case["conflict_race"].as_bool().unwrap_or(false) {
        return (our_losers != rec_losers)
            .then(|| format!("{our_losers} sessions lost, recorded {rec_losers}: {ours:?}"));
    }
    for (s, rec) in sessions.iter().enumerate() {
        for (i, r) in rec.as_array().into_iter().flatten().enumerate() {
            let o = ours[s].get(i).cloned().into_iter().collect::<Vec<_>>();
            if let Some(diff) = compare(r, &o, false, true) {
                return Some(format!("session {s} step {i}: {diff}"));
            }
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_dsql_answers_replay_through_the_emulator() {
    let emu = common::start().await;
    {
        let mut admin = client(&emu).await;
        for sql in FIXTURES {
            let out = admin.simple(sql).await.expect("fixture");
            assert!(!out.iter().any(|o| matches!(o, Outcome::Error { .. })), "fixture `{sql}`: {out:?}");
        }
    }
    let mut per_file: BTreeMap<usize, (String, usize, usize)> = BTreeMap::new();
    let (mut passed, mut total) = (0, 0);
    for (n, file) in ORDER.iter().enumerate() {
        let path = reference_dir().join(format!("{file}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).expect("recording is JSON");
        let cases = doc["cases"].as_array().cloned().unwrap_or_default();
        let mut file_pass = 0;
        for case in &cases {
            let name = case["name"].as_str().unwrap_or("?");
            match run_case(&emu, case).await {
                None => file_pass += 1,
                Some(diff) => {
                    let gap = if case.get("known_gap").is_some() { " [known gap]" } else { "" };
                    println!("FAIL {file}/{name}{gap}: {diff}");
                }
            }
        }
        passed += file_pass;
        total += cases.len();
        per_file.insert(n, (file.to_string(), file_pass, cases.len()));
    }
    for (file, pass, of) in per_file.values() {
        println!("{file:>16}: {pass}/{of}");
    }
    println!("{:>16}: {passed}/{total}", "overall");
    let floor: usize =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-floor.txt"))
            .expect("conformance-floor.txt")
            .trim()
            .parse()
            .expect("floor is a number");
    assert!(passed >= floor, "conformance dropped: {passed}/{total} passed, floor is {floor}");
    emu.emulator.shutdown().await;
}
