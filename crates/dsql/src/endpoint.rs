//! DSQL endpoint names: `<cluster-id>.dsql.<region>.on.aws`. Tells DSQL
//! hosts from others (IAM auth is automatic for them) and reads the region
//! from the name so `--region` can default to it.

/// The parts of a DSQL cluster endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsqlEndpoint {
    pub cluster_id: String,
    pub region: String,
}

/// Port DSQL listens on.
pub const DEFAULT_PORT: u16 = 5432;
/// The only database a DSQL cluster has.
pub const DATABASE: &str = "postgres";

/// Parses `<cluster-id>.dsql.<region>.on.aws` (case-insensitive, an optional
/// trailing dot allowed); `None` for any other host name.
pub fn parse(host: &str) -> Option<DsqlEndpoint> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let [cluster_id, "dsql", region, "on", "aws"] = labels[..] else {
        return None;
    };
    if !is_label(cluster_id) || !is_region(region) {
        return None;
    }
    Some(DsqlEndpoint { cluster_id: cluster_id.to_string(), region: region.to_string() })
}

/// Whether `host` is a DSQL cluster endpoint.
pub fn is_dsql_host(host: &str) -> bool {
    parse(host).is_some()
}

/// The region in a DSQL endpoint name.
pub fn region_from_host(host: &str) -> Option<String> {
    parse(host).map(|e| e.region)
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// AWS region names: letters, digits and dashes with at least one dash
/// (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`).
fn is_region(region: &str) -> bool {
    is_label(region) && region.contains('-') && region.bytes().any(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dsql_hosts_are_recognised_with_their_region() {
        let ep = parse("abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws").unwrap();
        assert_eq!(ep.cluster_id, "abcdefghijklmnopqrstuvwxyz");
        assert_eq!(ep.region, "us-east-1");
        assert_eq!(region_from_host("X1.DSQL.EU-WEST-2.ON.AWS."), Some("eu-west-2".into()));
        assert_eq!(region_from_host("c.dsql.ap-southeast-2.on.aws"), Some("ap-southeast-2".into()));
        assert!(is_dsql_host("c.dsql.us-gov-west-1.on.aws"));
    }

    #[test]
    fn other_hosts_are_not_dsql() {
        for host in [
            "localhost",
            "127.0.0.1",
            "db.example.com",
            "dsql.us-east-1.on.aws",
            "a.b.dsql.us-east-1.on.aws",
            "a.dsql.us-east-1.on.aws.evil.com",
            "a.dsql.useast.on.aws",
            "a.rds.us-east-1.on.aws",
            ".dsql.us-east-1.on.aws",
            "a_b.dsql.us-east-1.on.aws",
        ] {
            assert!(!is_dsql_host(host), "{host}");
            assert_eq!(region_from_host(host), None, "{host}");
        }
    }
}
