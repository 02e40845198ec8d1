//! ErrorResponse / NoticeResponse fields, with a typed builder so callers
//! write `ErrorFields::error("0A000", "…").hint("…")` instead of field codes.

use bytes::{BufMut, Bytes, BytesMut};

use crate::cursor::{Cursor, put_cstr};
use crate::error::Result;

/// Field codes from the PostgreSQL protocol documentation ("Error and Notice
/// Message Fields").
pub mod code {
    pub const SEVERITY: u8 = b'S';
    pub const SEVERITY_NONLOCALIZED: u8 = b'V';
    pub const SQLSTATE: u8 = b'C';
    pub const MESSAGE: u8 = b'M';
    pub const DETAIL: u8 = b'D';
    pub const HINT: u8 = b'H';
    pub const POSITION: u8 = b'P';
    pub const INTERNAL_POSITION: u8 = b'p';
    pub const INTERNAL_QUERY: u8 = b'q';
    pub const WHERE: u8 = b'W';
    pub const SCHEMA: u8 = b's';
    pub const TABLE: u8 = b't';
    pub const COLUMN: u8 = b'c';
    pub const DATA_TYPE: u8 = b'd';
    pub const CONSTRAINT: u8 = b'n';
    pub const FILE: u8 = b'F';
    pub const LINE: u8 = b'L';
    pub const ROUTINE: u8 = b'R';
}

/// Severity of an error or notice (the non-localized `V` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Fatal,
    Panic,
    Warning,
    Notice,
    Debug,
    Info,
    Log,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
            Severity::Panic => "PANIC",
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
            Severity::Debug => "DEBUG",
            Severity::Info => "INFO",
            Severity::Log => "LOG",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "ERROR" => Severity::Error,
            "FATAL" => Severity::Fatal,
            "PANIC" => Severity::Panic,
            "WARNING" => Severity::Warning,
            "NOTICE" => Severity::Notice,
            "DEBUG" => Severity::Debug,
            "INFO" => Severity::Info,
            "LOG" => Severity::Log,
            _ => return None,
        })
    }
}

/// All fields of an ErrorResponse or NoticeResponse, in wire order.
/// Unknown field codes are kept so that forwarding loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorFields {
    pub fields: Vec<(u8, String)>,
}

impl ErrorFields {
    /// A new message with severity (both `S` and `V`), SQLSTATE and text.
    pub fn new(severity: Severity, sqlstate: &str, message: impl Into<String>) -> ErrorFields {
        ErrorFields {
            fields: vec![
                (code::SEVERITY, severity.as_str().into()),
                (code::SEVERITY_NONLOCALIZED, severity.as_str().into()),
                (code::SQLSTATE, sqlstate.into()),
                (code::MESSAGE, message.into()),
            ],
        }
    }

    pub fn error(sqlstate: &str, message: impl Into<String>) -> ErrorFields {
        Self::new(Severity::Error, sqlstate, message)
    }

    pub fn fatal(sqlstate: &str, message: impl Into<String>) -> ErrorFields {
        Self::new(Severity::Fatal, sqlstate, message)
    }

    /// Sets (replacing) a field; builder style.
    pub fn with(mut self, code: u8, value: impl Into<String>) -> ErrorFields {
        self.set(code, value);
        self
    }

    pub fn detail(self, detail: impl Into<String>) -> ErrorFields {
        self.with(code::DETAIL, detail)
    }

    pub fn hint(self, hint: impl Into<String>) -> ErrorFields {
        self.with(code::HINT, hint)
    }

    pub fn position(self, position: usize) -> ErrorFields {
        self.with(code::POSITION, position.to_string())
    }

    pub fn get(&self, code: u8) -> Option<&str> {
        self.fields.iter().find(|(c, _)| *c == code).map(|(_, v)| v.as_str())
    }

    pub fn set(&mut self, code: u8, value: impl Into<String>) {
        let value = value.into();
        match self.fields.iter_mut().find(|(c, _)| *c == code) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((code, value)),
        }
    }

    pub fn remove(&mut self, code: u8) {
        self.fields.retain(|(c, _)| *c != code);
    }

    pub fn sqlstate(&self) -> &str {
        self.get(code::SQLSTATE).unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.get(code::MESSAGE).unwrap_or_default()
    }

    /// The severity, preferring the non-localized field.
    pub fn severity(&self) -> Option<Severity> {
        self.get(code::SEVERITY_NONLOCALIZED).or(self.get(code::SEVERITY)).and_then(Severity::parse)
    }

    /// Changes severity in both `S` and `V`.
    pub fn set_severity(&mut self, severity: Severity) {
        self.set(code::SEVERITY, severity.as_str());
        if self.get(code::SEVERITY_NONLOCALIZED).is_some() {
            self.set(code::SEVERITY_NONLOCALIZED, severity.as_str());
        }
    }

    pub fn is_fatal(&self) -> bool {
        matches!(self.severity(), Some(Severity::Fatal | Severity::Panic))
    }

    pub(crate) fn decode(body: Bytes, what: &'static str) -> Result<ErrorFields> {
        let mut c = Cursor::new(body, what);
        let mut fields = Vec::new();
        loop {
            let code = c.u8()?;
            if code == 0 {
                break;
            }
            fields.push((code, c.cstr()?));
        }
        c.finish()?;
        Ok(ErrorFields { fields })
    }

    pub(crate) fn encode_body(&self, buf: &mut BytesMut) {
        for (code, value) in &self.fields {
            buf.put_u8(*code);
            put_cstr(buf, value.as_bytes());
        }
        buf.put_u8(0);
    }
}

impl std::fmt::Display for ErrorFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.severity().map_or("?", Severity::as_str), self.sqlstate(), self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_sets_typed_fields() {
        let e = ErrorFields::error("0A000", "unsupported statement: Truncate").detail("d").hint("h");
        assert_eq!(e.sqlstate(), "0A000");
        assert_eq!(e.message(), "unsupported statement: Truncate");
        assert_eq!(e.get(code::DETAIL), Some("d"));
        assert_eq!(e.get(code::HINT), Some("h"));
        assert_eq!(e.severity(), Some(Severity::Error));
        let mut f = e.clone();
        f.set_severity(Severity::Fatal);
        assert!(f.is_fatal());
        assert_eq!(f.get(code::SEVERITY), Some("FATAL"));
    }
}
