//! `Decision::RewriteWithTag`: a rewritten statement answers with the tag
//! the policy names, in both protocols, and only that statement does.

mod common;

use bytes::BytesMut;
use common::raw::Raw;
use proxy::wire::frontend::{Bind, Parse};
use proxy::wire::{Backend, Frontend};
use proxy::*;

/// Runs `select 'tag-me'` as `select 'tagged' AS job_id` and answers `CREATE INDEX`.
struct TagPolicy;

impl Policy for TagPolicy {
    type Session = TagPolicy;
    fn session(&self, _state: &SessionState) -> TagPolicy {
        TagPolicy
    }
}

impl SessionPolicy for TagPolicy {
    async fn on_statement(&mut self, stmt: Statement<'_>, _state: &SessionState) -> Decision {
        if stmt.sql == "select 'tag-me'" {
            Decision::RewriteWithTag { sql: "select 'tagged' as job_id".into(), tag: "CREATE INDEX".into() }
        } else {
            Decision::Forward
        }
    }
}

/// The CommandComplete tags and DataRow values of one answer.
fn tags_and_values(msgs: &[Backend]) -> (Vec<String>, Vec<String>) {
    let mut tags = Vec::new();
    let mut values = Vec::new();
    for m in msgs {
        match m {
            Backend::CommandComplete(t) => tags.push(t.clone()),
            Backend::DataRow(cols) => {
                values.extend(cols.iter().flatten().map(|c| String::from_utf8_lossy(c).into_owned()));
            }
            _ => {}
        }
    }
    (tags, values)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_query_statement_gets_the_policy_tag() {
    let h = common::start(TagPolicy, ProxyConfig::default()).await;
    let mut raw = Raw::login(h.port).await;
    let mut out = BytesMut::new();
    Frontend::Query("select 1; select 'tag-me'; select 2".into()).encode(&mut out);
    Frontend::Query("select 3".into()).encode(&mut out);
    raw.send(&out).await;
    let (tags, values) = tags_and_values(&raw.read_until_ready().await);
    assert_eq!(tags, ["SELECT 1", "CREATE INDEX", "SELECT 1"]);
    assert_eq!(values, ["1", "tagged", "2"]);
    let (tags, _) = tags_and_values(&raw.read_until_ready().await);
    assert_eq!(tags, ["SELECT 1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extended_protocol_portals_of_the_statement_get_the_tag() {
    let h = common::start(TagPolicy, ProxyConfig::default()).await;
    let mut raw = Raw::login(h.port).await;
    let bind = |statement: &str| {
        Frontend::Bind(Bind {
            portal: String::new(),
            statement: statement.into(),
            param_formats: vec![],
            params: vec![],
            result_formats: vec![],
        })
    };
    let execute = Frontend::Execute { portal: String::new(), max_rows: 0 };
    let mut out = BytesMut::new();
    Frontend::Parse(Parse { name: "s".into(), query: "select 'tag-me'".into(), param_types: vec![] }).encode(&mut out);
    Frontend::Parse(Parse { name: String::new(), query: "select 7".into(), param_types: vec![] }).encode(&mut out);
    for statement in ["s", "", "s"] {
        bind(statement).encode(&mut out);
        execute.encode(&mut out);
    }
    Frontend::Sync.encode(&mut out);
    // A later request reusing the named statement keeps its tag.
    bind("s").encode(&mut out);
    execute.encode(&mut out);
    Frontend::Sync.encode(&mut out);
    raw.send(&out).await;
    let (tags, values) = tags_and_values(&raw.read_until_ready().await);
    assert_eq!(tags, ["CREATE INDEX", "SELECT 1", "CREATE INDEX"]);
    assert_eq!(values, ["tagged", "7", "tagged"]);
    let (tags, _) = tags_and_values(&raw.read_until_ready().await);
    assert_eq!(tags, ["CREATE INDEX"]);

    // An error inside a request voids its remaining slots; the next request is unaffected.
    let mut out = BytesMut::new();
    Frontend::Parse(Parse { name: String::new(), query: "select 1/0".into(), param_types: vec![] }).encode(&mut out);
    bind("").encode(&mut out);
    execute.encode(&mut out);
    bind("s").encode(&mut out);
    execute.encode(&mut out);
    Frontend::Sync.encode(&mut out);
    Frontend::Query("select 5".into()).encode(&mut out);
    raw.send(&out).await;
    let (tags, _) = tags_and_values(&raw.read_until_ready().await);
    assert!(tags.is_empty(), "{tags:?}");
    let (tags, _) = tags_and_values(&raw.read_until_ready().await);
    assert_eq!(tags, ["SELECT 1"]);
}
