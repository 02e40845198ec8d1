//! Stable-Rust fuzz smoke test (cargo-fuzz needs nightly; see
//! crates/wire/fuzz): a few hundred thousand random and mutated byte strings
//! through every parser entry point, asserting only that nothing panics and
//! that whatever decodes re-encodes to something that decodes the same.
//! Deterministic (fixed seed) so a failure reproduces.

use bytes::{Bytes, BytesMut};
use wire::*;

/// xorshift64*: tiny, seedable, good enough to shake a parser.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let f = [
        Frontend::Query("select 1".into()),
        Frontend::Parse(frontend::Parse { name: "a".into(), query: "select $1".into(), param_types: vec![23] }),
        Frontend::Bind(frontend::Bind {
            portal: String::new(),
            statement: "a".into(),
            param_formats: vec![1],
            params: vec![Some(Bytes::from_static(b"\0\0\0\x01")), None],
            result_formats: vec![],
        }),
        Frontend::Execute { portal: String::new(), max_rows: 0 },
        Frontend::Sync,
    ];
    for m in f {
        let mut b = BytesMut::new();
        m.encode(&mut b);
        out.push(b.to_vec());
    }
    let b = [
        Backend::RowDescription(vec![FieldDescription::text("a", 25)]),
        Backend::DataRow(vec![Some(Bytes::from_static(b"x")), None]),
        Backend::ErrorResponse(ErrorFields::error("40001", "conflict").hint("retry")),
        Backend::Authentication(Authentication::Sasl { mechanisms: vec!["SCRAM-SHA-256".into()] }),
        Backend::ReadyForQuery(TxStatus::Idle),
        Backend::NegotiateProtocolVersion { newest_minor: 0, unrecognized: vec!["x".into()] },
    ];
    for m in b {
        let mut buf = BytesMut::new();
        m.encode(&mut buf);
        out.push(buf.to_vec());
    }
    let mut s = BytesMut::new();
    StartupPacket::Startup(Startup::new("admin", "postgres")).encode(&mut s);
    out.push(s.to_vec());
    out
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] = rng.next() as u8;
            }
            1 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            2 => {
                let i = rng.below(input.len() + 1);
                input.insert(i, [0u8, 0xff, 0x7f, 0x80][rng.below(4)]);
            }
            3 if !input.is_empty() => {
                let i = rng.below(input.len());
                input.truncate(i);
            }
            4 if input.len() >= 5 => {
                // Corrupt the length field with an interesting value.
                let v: i32 = [0, 3, 4, -1, i32::MIN, i32::MAX, 0x7fff_fff0][rng.below(7)];
                input[1..5].copy_from_slice(&v.to_be_bytes());
            }
            _ => input.extend((0..rng.below(8)).map(|_| rng.next() as u8)),
        }
    }
}

/// Runs every entry point on `data`; must never panic.
fn exercise(data: &[u8]) {
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
    let mut buf = BytesMut::from(data);
    let _ = parse_startup(&mut buf);
    if let Ok(s) = std::str::from_utf8(data) {
        let t = CommandTag::parse(s);
        let _ = (t.kind(), t.rows_changed());
    }
}

#[test]
fn random_and_mutated_inputs_never_panic() {
    let iterations: usize =
        std::env::var("WIRE_FUZZ_SMOKE_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let seeds = seeds();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut executions = 0usize;
    for i in 0..iterations {
        let data: Vec<u8> = if i % 4 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            let mut d = seeds[rng.below(seeds.len())].clone();
            mutate(&mut rng, &mut d);
            d
        };
        exercise(&data);
        executions += 1;
    }
    println!("fuzz smoke: {executions} executions, no panic");
    assert_eq!(executions, iterations);
}
