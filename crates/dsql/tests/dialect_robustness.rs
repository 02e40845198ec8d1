//! `analyze` never panics and keeps its invariants on mangled input:
//! spans lie on char boundaries inside the text, in order, and never
//! overlap. Inputs are deterministic mutations (truncation, byte flips,
//! splices) of real statements, so a failure reproduces exactly.

use dsql::dialect::analyze;

const SEEDS: &[&str] = &[
    "CREATE TABLE t (id uuid PRIMARY KEY, v text[], n int GENERATED ALWAYS AS IDENTITY (CACHE 1));",
    "SELECT 'a;b', E'c\\'d', $q$ ; $q$, \"x;y\" FROM t /* ; /* ; */ */ WHERE a = $1 FOR SHARE; -- tail",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN 1 = 1 THEN 1 END; END;",
    "ALTER TABLE ASYNC t VALIDATE CONSTRAINT c; CREATE UNIQUE INDEX ASYNC i ON t (a); BEGIN ISOLATION LEVEL SERIALIZABLE;",
    "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x; SET TRANSACTION READ ONLY; U&'\\0041' ; é ü 漢字;",
];

/// xorshift: a fixed-seed generator so failures are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn check(sql: &str) {
    let stmts = analyze(sql);
    let mut end = 0;
    for s in &stmts {
        assert!(s.span.start >= end && s.span.end <= sql.len() && s.span.start < s.span.end, "{sql:?}: {:?}", s.span);
        assert!(sql.is_char_boundary(s.span.start) && sql.is_char_boundary(s.span.end), "{sql:?}");
        end = s.span.end;
        let _ = dsql::dialect::postgres_text(sql, s);
    }
    let _ = dsql::dialect::rewrite_for_postgres(sql, &stmts);
    let _ = dsql::lint::lint(sql);
}

#[test]
fn mutated_statements_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut runs = 0;
    for seed in SEEDS {
        let bytes = seed.as_bytes();
        for cut in 0..=bytes.len() {
            if let Ok(s) = std::str::from_utf8(&bytes[..cut]) {
                check(s);
                runs += 1;
            }
        }
        for _ in 0..2_000 {
            let mut b = bytes.to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(b.len());
                match rng.below(3) {
                    0 => {
                        let specials = b"';$\"()-*/[]E\\\n";
                        b[at] = specials[rng.below(specials.len())];
                    }
                    1 => {
                        b.remove(at);
                    }
                    _ => {
                        let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                        let from = rng.below(other.len());
                        b.splice(at..at, other[from..].iter().take(rng.below(20)).copied());
                    }
                }
                if b.is_empty() {
                    break;
                }
            }
            check(&String::from_utf8_lossy(&b));
            runs += 1;
        }
    }
    assert!(runs > 10_000, "{runs}");
}
