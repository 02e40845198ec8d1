//! Every message of both directions survives encode → frame → decode, and
//! framing answers "need more bytes" for every proper prefix.

use bytes::{Bytes, BytesMut};
use wire::backend::ready_status;
use wire::frontend::{Bind, FunctionCall, Parse, encode_password, encode_sasl_response, password_text, query_text};
use wire::*;

fn frontend_samples() -> Vec<Frontend> {
    vec![
        Frontend::Query("select 1; select 'x'".into()),
        Frontend::Parse(Parse { name: "s1".into(), query: "select $1::int".into(), param_types: vec![23] }),
        Frontend::Bind(Bind {
            portal: "p".into(),
            statement: "s1".into(),
            param_formats: vec![0, 1],
            params: vec![Some(Bytes::from_static(b"42")), None],
            result_formats: vec![1],
        }),
        Frontend::Describe { target: Target::Statement, name: "s1".into() },
        Frontend::Describe { target: Target::Portal, name: String::new() },
        Frontend::Execute { portal: "p".into(), max_rows: 10 },
        Frontend::Close { target: Target::Portal, name: "p".into() },
        Frontend::Flush,
        Frontend::Sync,
        Frontend::Terminate,
        Frontend::CopyData(Bytes::from_static(b"1\tone\n")),
        Frontend::CopyDone,
        Frontend::CopyFail("client gave up".into()),
        Frontend::FunctionCall(FunctionCall {
            oid: 1598,
            arg_formats: vec![0],
            args: vec![Some(Bytes::from_static(b"7"))],
            result_format: 0,
        }),
        Frontend::PasswordLike(Bytes::from_static(b"secret\0")),
    ]
}

fn backend_samples() -> Vec<Backend> {
    vec![
        Backend::Authentication(Authentication::Ok),
        Backend::Authentication(Authentication::CleartextPassword),
        Backend::Authentication(Authentication::Md5Password { salt: [1, 2, 3, 4] }),
        Backend::Authentication(Authentication::Sasl { mechanisms: vec!["SCRAM-SHA-256".into()] }),
        Backend::Authentication(Authentication::SaslContinue(Bytes::from_static(b"r=abc,s=xyz,i=4096"))),
        Backend::Authentication(Authentication::SaslFinal(Bytes::from_static(b"v=sig"))),
        Backend::Authentication(Authentication::Other { code: 7, data: Bytes::new() }),
        Backend::ParameterStatus { name: "server_version".into(), value: "16.9".into() },
        Backend::BackendKeyData { process_id: 1234, secret_key: -99 },
        Backend::ReadyForQuery(TxStatus::Idle),
        Backend::ReadyForQuery(TxStatus::InTransaction),
        Backend::ReadyForQuery(TxStatus::Failed),
        Backend::RowDescription(vec![
            FieldDescription::text("job_id", 25),
            FieldDescription {
                name: "n".into(),
                table_oid: 16384,
                column: 2,
                type_oid: 23,
                type_size: 4,
                type_modifier: -1,
                format: 1,
            },
        ]),
        Backend::DataRow(vec![Some(Bytes::from_static(b"abc")), None, Some(Bytes::new())]),
        Backend::CommandComplete("INSERT 0 3".into()),
        Backend::EmptyQueryResponse,
        Backend::ErrorResponse(
            ErrorFields::error("0A000", "unsupported statement: Truncate").detail("d").hint("h").position(3),
        ),
        Backend::NoticeResponse(ErrorFields::new(Severity::Notice, "00000", "hello")),
        Backend::ParseComplete,
        Backend::BindComplete,
        Backend::CloseComplete,
        Backend::NoData,
        Backend::ParameterDescription(vec![23, 25]),
        Backend::PortalSuspended,
        Backend::CopyInResponse(CopyResponse { format: 0, column_formats: vec![0, 0] }),
        Backend::CopyOutResponse(CopyResponse { format: 1, column_formats: vec![1] }),
        Backend::CopyBothResponse(CopyResponse { format: 0, column_formats: vec![] }),
        Backend::CopyData(Bytes::from_static(b"row\n")),
        Backend::CopyDone,
        Backend::NotificationResponse { process_id: 5, channel: "ch".into(), payload: "p".into() },
        Backend::FunctionCallResponse(Some(Bytes::from_static(b"8"))),
        Backend::FunctionCallResponse(None),
        Backend::NegotiateProtocolVersion { newest_minor: 0, unrecognized: vec!["_pq_.x".into()] },
    ]
}

/// Frames `bytes`, checking every proper prefix needs more bytes.
fn frame_one(bytes: &[u8]) -> RawMessage {
    for cut in 0..bytes.len() {
        let mut part = BytesMut::from(&bytes[..cut]);
        assert_eq!(parse_frame(&mut part, DEFAULT_MAX_MESSAGE_LEN).unwrap(), None, "prefix {cut}");
    }
    let mut buf = BytesMut::from(bytes);
    buf.extend_from_slice(b"Z\0\0\0\x05I"); // a following message stays in the buffer
    let msg = parse_frame(&mut buf, DEFAULT_MAX_MESSAGE_LEN).unwrap().unwrap();
    assert_eq!(&buf[..], b"Z\0\0\0\x05I");
    msg
}

#[test]
fn every_frontend_message_round_trips() {
    for m in frontend_samples() {
        let mut buf = BytesMut::new();
        m.encode(&mut buf);
        let raw = frame_one(&buf);
        assert_eq!(raw.as_bytes(), &buf[..]);
        assert_eq!(Frontend::decode(&raw).unwrap(), m);
        assert_eq!(m.to_raw(), raw);
    }
}

#[test]
fn every_backend_message_round_trips() {
    for m in backend_samples() {
        let mut buf = BytesMut::new();
        m.encode(&mut buf);
        let raw = frame_one(&buf);
        assert_eq!(Backend::decode(&raw).unwrap(), m, "{m:?}");
    }
}

#[test]
fn auth_responses_round_trip() {
    let mut buf = BytesMut::new();
    encode_password(&mut buf, b"md5abc");
    let raw = frame_one(&buf);
    assert_eq!(&password_text(raw.body()).unwrap()[..], b"md5abc");

    let initial =
        SaslInitialResponse { mechanism: "SCRAM-SHA-256".into(), data: Some(Bytes::from_static(b"n,,n=,r=x")) };
    let mut buf = BytesMut::new();
    initial.encode(&mut buf);
    assert_eq!(SaslInitialResponse::decode(frame_one(&buf).body()).unwrap(), initial);

    let mut buf = BytesMut::new();
    encode_sasl_response(&mut buf, b"c=biws,r=x,p=y");
    assert_eq!(&frame_one(&buf).body()[..], b"c=biws,r=x,p=y");
}

#[test]
fn fast_paths_agree_with_typed_views() {
    let q = Frontend::Query("select 'é'".into()).to_raw();
    assert_eq!(query_text(&q).unwrap(), "select 'é'");
    let z = Backend::ReadyForQuery(TxStatus::Failed).to_raw();
    assert_eq!(ready_status(&z), Some(TxStatus::Failed));
    assert_eq!(ready_status(&Backend::NoData.to_raw()), None);
}

#[test]
fn bad_lengths_are_typed_errors_before_any_allocation() {
    // 2 GiB claimed length: rejected from the 5-byte header alone.
    let mut buf = BytesMut::from(&[b'Q', 0x80, 0, 0, 0][..]);
    assert!(matches!(parse_frame(&mut buf, DEFAULT_MAX_MESSAGE_LEN), Err(WireError::LengthTooSmall { .. })));
    let mut buf = BytesMut::from(&[b'Q', 0x7f, 0xff, 0xff, 0xff][..]);
    assert!(matches!(parse_frame(&mut buf, DEFAULT_MAX_MESSAGE_LEN), Err(WireError::LengthTooLarge { .. })));
    let mut buf = BytesMut::from(&[b'Q', 0, 0, 0, 3][..]);
    assert!(matches!(parse_frame(&mut buf, DEFAULT_MAX_MESSAGE_LEN), Err(WireError::LengthTooSmall { len: 3 })));
    // A configurable maximum.
    let mut buf = BytesMut::from(&[b'd', 0, 0, 4, 1][..]);
    assert!(matches!(parse_frame(&mut buf, 1024), Err(WireError::LengthTooLarge { len: 1025, max: 1024 })));
}

#[test]
fn malformed_bodies_are_errors_not_panics() {
    // Bind claiming 30000 parameters in a tiny body.
    let raw = RawMessage::new(b'B', b"\0\0\0\0\x75\x30");
    assert!(Frontend::decode(&raw).is_err());
    let raw = RawMessage::new(b'Z', b"Q");
    assert!(Backend::decode(&raw).is_err());
    let raw = RawMessage::new(b'Q', b"no terminator");
    assert!(matches!(Frontend::decode(&raw), Err(WireError::MissingNul { .. })));
    let raw = RawMessage::new(b'S', b"x");
    assert!(matches!(Frontend::decode(&raw), Err(WireError::TrailingBytes { .. })));
    let raw = RawMessage::new(b'?', b"");
    assert!(matches!(Backend::decode(&raw), Err(WireError::UnknownTag { .. })));
    let raw = RawMessage::new(b'D', b"\xff\xff");
    assert!(Backend::decode(&raw).is_err());
}
