//! Known-answer vectors from DSQL-FACTS §1 (computed independently by the AWS
//! Java and Go SDKs and aws-dsql-auth), and verification of each failure.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;

struct Vector {
    host: &'static str,
    action: TokenAction,
    akid: &'static str,
    secret: &'static str,
    session: Option<&'static str>,
    unix_time: u64,
    expires: u64,
    signature: &'static str,
}

// 2024-11-07T17:39:33Z = 1731001173; 2024-08-27T00:00:00Z = 1724716800.
const VECTORS: [Vector; 3] = [
    Vector {
        host: "test.dsql.us-east-1.on.aws",
        action: TokenAction::DbConnect,
        akid: "access_key",
        secret: "secret_key",
        session: None,
        unix_time: 1_731_001_173,
        expires: 900,
        signature: "e319d85380261f643d78a558f76257f05aacea758a6ccd42a2510e2ae0854a47",
    },
    Vector {
        host: "test.dsql.us-east-1.on.aws",
        action: TokenAction::DbConnectAdmin,
        akid: "access_key",
        secret: "secret_key",
        session: None,
        unix_time: 1_731_001_173,
        expires: 900,
        signature: "a08adc4c84a490014ce374b90c98ba9ed015b77b451c0d9f9fb3f8ca8c6f9c36",
    },
    Vector {
        host: "peccy.dsql.us-east-1.on.aws",
        action: TokenAction::DbConnect,
        akid: "akid",
        secret: "secret",
        session: Some("token"),
        unix_time: 1_724_716_800,
        expires: 450,
        signature: "9fdb9de7ca6822832943d5a4e1b02411d302a2b8204bd7e8193aa4875fbd5a58",
    },
];

fn mint(v: &Vector) -> String {
    let params = TokenParams {
        host: v.host.into(),
        region: "us-east-1".into(),
        action: v.action,
        expires_in: Duration::from_secs(v.expires),
        signing_time: Some(UNIX_EPOCH + Duration::from_secs(v.unix_time)),
    };
    let creds = Credentials::new(v.akid, v.secret, v.session.map(String::from), None, "test");
    generate(&params, &creds).expect("token")
}

fn param<'a>(token: &'a str, name: &str) -> Option<&'a str> {
    let query = token.split_once('?')?.1;
    query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

fn signed_at(v: &Vector) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(v.unix_time)
}

#[test]
fn known_answer_vectors_match() {
    for v in &VECTORS {
        let token = mint(v);
        assert!(token.starts_with(&format!("{}/?Action={}&", v.host, v.action)), "{token}");
        assert_eq!(param(&token, "X-Amz-Signature"), Some(v.signature), "vector for {} {}", v.host, v.action);
        assert_eq!(param(&token, "X-Amz-Expires"), Some(v.expires.to_string().as_str()));
        assert_eq!(param(&token, "X-Amz-Security-Token"), v.session);
    }
}

#[test]
fn default_params_and_signing_now() {
    let params = TokenParams::new("abc.dsql.eu-west-1.on.aws", "eu-west-1", TokenAction::for_user("app"));
    assert_eq!(params.expires_in, DEFAULT_EXPIRES_IN);
    let token = generate(&params, &Credentials::new("AKIDEXAMPLE", "s3cret", None, None, "t")).unwrap();
    assert_eq!(param(&token, "X-Amz-Expires"), Some("900"));
    assert!(token.contains("Action=DbConnect&"));
    let action =
        verify(&token, &["abc.dsql.eu-west-1.on.aws"], "eu-west-1", "AKIDEXAMPLE", "s3cret", SystemTime::now());
    assert_eq!(action, Ok(TokenAction::DbConnect));
    assert_eq!(TokenAction::for_user("admin"), TokenAction::DbConnectAdmin);
}

#[test]
fn expiry_bounds_are_enforced() {
    let creds = Credentials::new("a", "b", None, None, "t");
    for secs in [0, 604_801, u64::MAX / 2] {
        let mut params = TokenParams::new("h.dsql.us-east-1.on.aws", "us-east-1", TokenAction::DbConnect);
        params.expires_in = Duration::from_secs(secs);
        let err = generate(&params, &creds).unwrap_err();
        assert!(matches!(err, MintError::InvalidExpiry { .. }), "{secs}: {err}");
        assert!(err.to_string().contains("1 to 604800"), "{err}");
    }
    assert!(check_expires_in(0).is_err());
    assert!(check_expires_in(604_801).is_err());
    assert_eq!(check_expires_in(1).unwrap(), Duration::from_secs(1));
    assert_eq!(check_expires_in(604_800).unwrap(), MAX_EXPIRES_IN);
}

#[test]
fn bad_host_and_region_are_refused() {
    let creds = Credentials::new("a", "b", None, None, "t");
    for host in ["", "https://x.dsql.us-east-1.on.aws", "x.dsql.us-east-1.on.aws:5432", "a b"] {
        let params = TokenParams::new(host, "us-east-1", TokenAction::DbConnect);
        assert!(matches!(generate(&params, &creds), Err(MintError::InvalidHost { .. })), "{host}");
    }
    let params = TokenParams::new("x.dsql.us-east-1.on.aws", " ", TokenAction::DbConnect);
    assert!(matches!(generate(&params, &creds), Err(MintError::MissingRegion)));
}

#[test]
fn verify_accepts_every_vector_within_its_lifetime() {
    for v in &VECTORS {
        let token = mint(v);
        let now = signed_at(v) + Duration::from_secs(v.expires - 1);
        assert_eq!(verify(&token, &[v.host], "us-east-1", v.akid, v.secret, now), Ok(v.action));
        // Host comparison ignores case, like DNS.
        let upper = v.host.to_ascii_uppercase();
        assert_eq!(verify(&token, &[upper.as_str()], "us-east-1", v.akid, v.secret, now), Ok(v.action));
    }
}

#[test]
fn verify_reports_each_failure_precisely() {
    let v = &VECTORS[0];
    let token = mint(v);
    let now = signed_at(v) + Duration::from_secs(10);
    let check = |token: &str, hosts: &[&str], region: &str, akid: &str, secret: &str, now| {
        verify(token, hosts, region, akid, secret, now).unwrap_err()
    };

    let wrong_host = check(&token, &["other.dsql.us-east-1.on.aws"], "us-east-1", v.akid, v.secret, now);
    assert!(matches!(wrong_host, TokenError::WrongHost { .. }), "{wrong_host}");
    assert!(wrong_host.to_string().contains("test.dsql.us-east-1.on.aws"));

    let wrong_region = check(&token, &[v.host], "eu-west-1", v.akid, v.secret, now);
    assert_eq!(wrong_region, TokenError::WrongRegion { got: "us-east-1".into(), expected: "eu-west-1".into() });

    let unknown_key = check(&token, &[v.host], "us-east-1", "other_key", v.secret, now);
    assert_eq!(unknown_key, TokenError::UnknownAccessKey("access_key".into()));

    let bad_secret = check(&token, &[v.host], "us-east-1", v.akid, "wrong", now);
    assert_eq!(bad_secret, TokenError::BadSignature);

    // Altering a signed field (the lifetime) breaks the signature.
    let altered = token.replace("X-Amz-Expires=900", "X-Amz-Expires=901");
    assert_eq!(check(&altered, &[v.host], "us-east-1", v.akid, v.secret, now), TokenError::BadSignature);

    let late = signed_at(v) + Duration::from_secs(901);
    let expired = check(&token, &[v.host], "us-east-1", v.akid, v.secret, late);
    assert!(matches!(expired, TokenError::Expired { .. }));
    assert_eq!(expired.to_string(), "unable to accept connection, access denied");
    assert_eq!(expired.hint(), Some("Signature expired"));
    assert_eq!(expired.server_message(), crate::errors::ACCESS_DENIED);

    let early = signed_at(v) - Duration::from_secs(301);
    let future = check(&token, &[v.host], "us-east-1", v.akid, v.secret, early);
    assert!(matches!(future, TokenError::NotYetValid { .. }), "{future}");
    assert!(future.to_string().contains("2024-11-07T17:39:33Z"), "{future}");
    // Small clock skew is tolerated.
    let skewed = signed_at(v) - Duration::from_secs(60);
    assert!(verify(&token, &[v.host], "us-east-1", v.akid, v.secret, skewed).is_ok());
}

#[test]
fn verify_rejects_malformed_tokens() {
    let v = &VECTORS[0];
    let token = mint(v);
    let now = signed_at(v);
    let cases = [
        ("", "empty"),
        ("hunter2", "missing Action"),
        ("https://test.dsql.us-east-1.on.aws/?Action=DbConnect", "scheme"),
        (&token.replace("Action=DbConnect", "Action=DbConnectX"), "unknown Action"),
        (&token.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), "X-Amz-Algorithm"),
        (&token.replace("X-Amz-Expires=900", "X-Amz-Expires=0"), "X-Amz-Expires"),
        (&token.replace("X-Amz-Date=20241107T173933Z", "X-Amz-Date=yesterday"), "X-Amz-Date"),
        (&token.replace("%2Faws4_request", ""), "X-Amz-Credential"),
        (&format!("{token}&X-Amz-Expires=900"), "twice"),
        (&format!("{token}&Extra=1"), "unexpected parameter Extra"),
        (&token.replace("on.aws/?", "on.aws/db?"), "no port, user or path"),
        (&token[..token.len() - 2], "64 hex digits"),
    ];
    for (bad, why) in cases {
        match verify(bad, &[v.host], "us-east-1", v.akid, v.secret, now) {
            Err(TokenError::Malformed(msg)) => assert!(msg.contains(why), "{why}: got {msg}"),
            other => panic!("{why}: expected Malformed, got {other:?}"),
        }
    }
    let service = token.replace("%2Fdsql%2F", "%2Frds-db%2F");
    let err = verify(&service, &[v.host], "us-east-1", v.akid, v.secret, now).unwrap_err();
    assert_eq!(err, TokenError::WrongService { got: "rds-db".into() });
}

#[test]
fn access_key_ids_are_masked() {
    assert_eq!(mask_access_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
    assert_eq!(mask_access_key_id("short"), "*****");
}
