//! The Grafana dashboard only queries metrics the gateway exports.

use std::collections::BTreeSet;

#[test]
fn every_dashboard_metric_is_exported() {
    let path = testkit::repo_root().join("deploy/grafana/gateway.json");
    let dashboard = std::fs::read_to_string(&path).expect("dashboard JSON");
    let exported = gateway::GatewayMetrics::default().render();
    let names: BTreeSet<String> = regex::Regex::new(r"dsql_gateway_[a-z0-9_]+")
        .expect("regex")
        .find_iter(&dashboard)
        .map(|m| m.as_str().to_string())
        .collect();
    assert!(names.len() > 15, "the dashboard covers the metrics: {names:?}");
    for name in names {
        let series = format!("\n{name}");
        // A series, or the declaration of a labelled one with no series yet.
        assert!(
            exported.contains(&format!("{series} "))
                || exported.contains(&format!("{series}{{"))
                || exported.contains(&format!("# TYPE {name} ")),
            "{name} is not exported"
        );
    }
}
