//! Carrying the client's startup parameters (application_name, DateStyle,
//! `options=-c x=y`, …) onto a pooled upstream session that was opened for
//! someone else: one `set_config` round trip after checkout.

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use wire::{Backend, ErrorFields, Frontend, Startup};

use crate::error::IoError;
use crate::msgio::read_message;
use crate::upstream::UpstreamConn;

/// Parameters that are not settings (or must not be changed per session).
const NOT_SETTINGS: &[&str] = &["user", "database", "options", "replication"];

/// The settings a client asked for in its startup packet, including `-c
/// name=value` / `--name=value` items of `options`.
pub(crate) fn requested_settings(startup: &Startup) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = startup
        .params
        .iter()
        .filter(|(k, _)| !NOT_SETTINGS.contains(&k.as_str()) && !k.starts_with("_pq_."))
        .cloned()
        .collect();
    if let Some(options) = startup.param("options") {
        let words = split_options(options);
        let mut it = words.iter();
        while let Some(w) = it.next() {
            let item =
                if w == "-c" { it.next().map(String::as_str) } else { w.strip_prefix("--").or(w.strip_prefix("-c")) };
            if let Some((k, v)) = item.and_then(|i| i.split_once('=')) {
                out.push((k.replace('-', "_"), v.to_string()));
            }
        }
    }
    out
}

/// libpq `options` words: whitespace separated, backslash escapes a character.
fn split_options(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => cur.extend(chars.next()),
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Applies `settings` the upstream does not already report with the same
/// value. An upstream error (bad value) is returned for the client as FATAL,
/// as PostgreSQL does for a bad startup parameter.
pub(crate) async fn apply(
    conn: &mut UpstreamConn,
    settings: &[(String, String)],
) -> Result<Option<ErrorFields>, IoError> {
    let needed: Vec<&(String, String)> = settings.iter().filter(|(k, v)| conn.param(k) != Some(v.as_str())).collect();
    if needed.is_empty() {
        return Ok(None);
    }
    let calls: Vec<String> =
        needed.iter().map(|(k, v)| format!("set_config({}, {}, false)", quote_literal(k), quote_literal(v))).collect();
    let mut out = BytesMut::new();
    Frontend::Query(format!("SELECT {}", calls.join(", "))).encode(&mut out);
    conn.stream.write_all(&out).await?;
    let mut error = None;
    loop {
        let msg = read_message(&mut conn.stream, &mut conn.read_buf, wire::DEFAULT_MAX_MESSAGE_LEN).await?;
        match msg.tag() {
            b'Z' => return Ok(error),
            b'E' => {
                if let Ok(Backend::ErrorResponse(mut f)) = Backend::decode(&msg) {
                    f.set_severity(wire::Severity::Fatal);
                    error = Some(f);
                }
            }
            b'S' => {
                if let Ok(Backend::ParameterStatus { name, value }) = Backend::decode(&msg) {
                    conn.set_param(&name, &value);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_params_and_options() {
        let mut s = Startup::new("u", "d");
        s.params.push(("application_name".into(), "pgbench".into()));
        s.params.push(("options".into(), r"-c search_path=a\ b --statement-timeout=5s -cwork_mem=4MB".into()));
        assert_eq!(
            requested_settings(&s),
            vec![
                ("application_name".into(), "pgbench".into()),
                ("search_path".into(), "a b".into()),
                ("statement_timeout".into(), "5s".into()),
                ("work_mem".into(), "4MB".into()),
            ]
        );
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
