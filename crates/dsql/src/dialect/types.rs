//! Column type names: parses a type at a token position and names it the
//! way PostgreSQL prints it (`int[]` → `integer[]`, `varbit(8)` → `bit
//! varying`), because DSQL's refusal names the type that way
//! (recorded: `datatype integer[] not supported`, `datatype bit not
//! supported` for `bit(8)` — no type modifier).

use super::cursor::Cursor;
use std::borrow::Cow;

/// Whether DSQL accepts a column of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Support {
    /// On DSQL's supported-types list.
    Supported,
    /// A PostgreSQL built-in DSQL refuses (`datatype … not supported`).
    Unsupported,
    /// serial/bigserial/smallserial: DSQL has no such pseudo-type.
    Serial,
    /// Not a built-in we know (a domain, a schema-qualified name, …):
    /// PostgreSQL decides.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeRef<'a> {
    /// PostgreSQL's display name, without modifiers, with `[]` for arrays.
    pub display: Cow<'a, str>,
    pub support: Support,
    /// Index just past the type (modifiers and array bounds included).
    pub end: usize,
}

const SUPPORTED: &[&str] = &[
    "smallint",
    "integer",
    "bigint",
    "real",
    "double precision",
    "numeric",
    "character",
    "character varying",
    "text",
    "date",
    "time without time zone",
    "time with time zone",
    "timestamp without time zone",
    "timestamp with time zone",
    "interval",
    "boolean",
    "bytea",
    "uuid",
    "json",
    "jsonb",
];

/// Built-ins absent from DSQL's supported-types table (the recorded ones
/// plus their obvious siblings: every range/multirange, macaddr8, …).
const UNSUPPORTED: &[&str] = &[
    "money",
    "xml",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "point",
    "line",
    "lseg",
    "box",
    "path",
    "polygon",
    "circle",
    "tsvector",
    "tsquery",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "int4multirange",
    "int8multirange",
    "nummultirange",
    "tsmultirange",
    "tstzmultirange",
    "datemultirange",
    "bit",
    "bit varying",
    "pg_lsn",
    "pg_snapshot",
    "txid_snapshot",
];

const SERIALS: &[&str] = &["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"];

/// Parses the type starting at token `i`; None when no type name is there.
pub(crate) fn parse_type<'a>(c: &Cursor<'a>, i: usize) -> Option<TypeRef<'a>> {
    let first = c.ident(i)?;
    let mut end = i + 1;
    // Qualified: pg_catalog.x is the built-in x; any other schema is a user type.
    let (name, qualified) = if c.punct(end, b'.') && c.ident(end + 1).is_some() {
        let last = c.ident(end + 1)?;
        end += 2;
        if first == "pg_catalog" { (last, false) } else { (last, true) }
    } else {
        (first, false)
    };
    let (mut display, consumed): (Cow<'a, str>, usize) =
        if qualified || c.kind(i) != Some(super::lexer::Tok::Word) { (name, 0) } else { canonical(c, end, &name) };
    end += consumed;
    if c.punct(end, b'(') {
        end = c.skip_group(end);
    }
    if let Some((zoned, after)) = trailing_zone(c, end, &display) {
        display = Cow::Borrowed(zoned);
        end = after;
    }
    let mut array = false;
    if c.is(end, "array") {
        array = true;
        end += 1;
    }
    while c.punct(end, b'[') {
        array = true;
        end = c.skip_group(end);
    }
    let support = if qualified {
        Support::Other
    } else if array {
        Support::Unsupported
    } else if SERIALS.contains(&display.as_ref()) {
        Support::Serial
    } else if SUPPORTED.contains(&display.as_ref()) {
        Support::Supported
    } else if UNSUPPORTED.contains(&display.as_ref()) {
        Support::Unsupported
    } else {
        Support::Other
    };
    let display = if array { Cow::Owned(format!("{display}[]")) } else { display };
    Some(TypeRef { display, support, end })
}

/// PostgreSQL's name for a type spelled `name` (lower case) at `next - 1`,
/// and how many extra words of a multi-word spelling it consumed.
fn canonical<'a>(c: &Cursor<'a>, next: usize, name: &str) -> (Cow<'a, str>, usize) {
    let fixed: &'static str = match name {
        "int" | "int4" | "integer" => "integer",
        "int2" | "smallint" => "smallint",
        "int8" | "bigint" => "bigint",
        "float4" | "real" => "real",
        "float8" => "double precision",
        "double" if c.is(next, "precision") => return (Cow::Borrowed("double precision"), 1),
        "float" => return (Cow::Borrowed(float_name(c, next)), 0),
        "bool" | "boolean" => "boolean",
        "dec" | "decimal" | "numeric" => "numeric",
        "varchar" => "character varying",
        "bpchar" => "character",
        "char" | "character" | "nchar" => return varying(c, next, "character varying", "character"),
        "national" if c.is(next, "character") || c.is(next, "char") => {
            let (d, n) = varying(c, next + 1, "character varying", "character");
            return (d, n + 1);
        }
        "bit" => return varying(c, next, "bit varying", "bit"),
        "varbit" => "bit varying",
        "timetz" => "time with time zone",
        "timestamptz" => "timestamp with time zone",
        "time" => "time without time zone",
        "timestamp" => "timestamp without time zone",
        "interval" => {
            // Field qualifiers: interval day to second, interval year, …
            let mut k = next;
            while ["year", "month", "day", "hour", "minute", "second", "to"].iter().any(|f| c.is(k, f)) {
                k += 1;
            }
            return (Cow::Borrowed("interval"), k - next);
        }
        other => return (Cow::Owned(other.to_owned()), 0),
    };
    (Cow::Borrowed(fixed), 0)
}

fn varying<'a>(c: &Cursor<'a>, next: usize, varying: &'static str, plain: &'static str) -> (Cow<'a, str>, usize) {
    if c.is(next, "varying") { (Cow::Borrowed(varying), 1) } else { (Cow::Borrowed(plain), 0) }
}

/// `float(p)`: real for p ≤ 24, else double precision.
fn float_name(c: &Cursor, next: usize) -> &'static str {
    let precision = c.punct(next, b'(').then(|| c.text(next + 1).parse::<u32>().ok()).flatten();
    match precision {
        Some(p) if p <= 24 => "real",
        _ => "double precision",
    }
}

/// `time(3) with time zone` / `timestamp without time zone`: the zone
/// words come after the precision.
fn trailing_zone(c: &Cursor, at: usize, display: &str) -> Option<(&'static str, usize)> {
    let base = match display {
        "time without time zone" => "time",
        "timestamp without time zone" => "timestamp",
        _ => return None,
    };
    if c.seq(at, &["with", "time", "zone"]) {
        Some((if base == "time" { "time with time zone" } else { "timestamp with time zone" }, at + 3))
    } else if c.seq(at, &["without", "time", "zone"]) {
        Some((if base == "time" { "time without time zone" } else { "timestamp without time zone" }, at + 3))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn ty(sql: &str) -> (String, Support, String) {
        let mut toks = Vec::new();
        lex(sql, &mut toks);
        let c = Cursor::new(sql, &toks);
        let t = parse_type(&c, 0).expect("a type");
        (t.display.into_owned(), t.support, c.text(t.end).to_owned())
    }

    #[test]
    fn names_types_like_postgres() {
        assert_eq!(ty("int[] ,"), ("integer[]".into(), Support::Unsupported, ",".into()));
        assert_eq!(ty("text ARRAY[3] ,"), ("text[]".into(), Support::Unsupported, ",".into()));
        assert_eq!(ty("bit(8) NOT"), ("bit".into(), Support::Unsupported, "NOT".into()));
        assert_eq!(ty("varbit(8) )"), ("bit varying".into(), Support::Unsupported, ")".into()));
        assert_eq!(ty("character varying(20) x"), ("character varying".into(), Support::Supported, "x".into()));
        assert_eq!(
            ty("timestamp(3) with time zone DEFAULT"),
            ("timestamp with time zone".into(), Support::Supported, "DEFAULT".into())
        );
        assert_eq!(ty("double precision NOT"), ("double precision".into(), Support::Supported, "NOT".into()));
        assert_eq!(ty("BIGSERIAL PRIMARY"), ("bigserial".into(), Support::Serial, "PRIMARY".into()));
        assert_eq!(ty("pg_catalog.money ,"), ("money".into(), Support::Unsupported, ",".into()));
        assert_eq!(ty("public.money ,"), ("money".into(), Support::Other, ",".into()));
        assert_eq!(ty("interval day to second(3) ,"), ("interval".into(), Support::Supported, ",".into()));
        assert_eq!(ty("float(10) ,").0, "real");
        assert_eq!(ty("my_domain ,").1, Support::Other);
    }
}
