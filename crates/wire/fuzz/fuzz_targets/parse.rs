//! Fuzz target: every parser entry point of both directions on arbitrary
//! bytes. Must never panic; whatever decodes must re-encode to the same value.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use wire::*;

fuzz_target!(|data: &[u8]| {
    let mut buf = BytesMut::from(data);
    let _ = parse_startup(&mut buf);

    let mut buf = BytesMut::from(data);
    while let Ok(Some(msg)) = parse_frame(&mut buf, 1 << 20) {
        if let Ok(m) = Frontend::decode(&msg) {
            assert_eq!(Frontend::decode(&m.to_raw()).as_ref(), Ok(&m));
        }
        if let Ok(m) = Backend::decode(&msg) {
            assert_eq!(Backend::decode(&m.to_raw()).as_ref(), Ok(&m));
        }
        let _ = SaslInitialResponse::decode(msg.body());
        let _ = frontend::password_text(msg.body());
        let _ = frontend::query_text(&msg);
        let _ = backend::ready_status(&msg);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let tag = CommandTag::parse(s);
        let _ = (tag.kind(), tag.rows_changed());
    }
});
