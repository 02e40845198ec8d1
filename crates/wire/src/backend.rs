//! Typed views of backend (server → client) messages and their encoders.

use bytes::{BufMut, Bytes, BytesMut};

use crate::cursor::{Cursor, begin, finish, put_cstr, put_nullable};
use crate::error::{Result, WireError};
use crate::fields::ErrorFields;
use crate::frame::RawMessage;

/// Transaction status reported by ReadyForQuery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxStatus {
    /// `I`: not in a transaction block.
    Idle,
    /// `T`: in a transaction block.
    InTransaction,
    /// `E`: in a failed transaction block (commands ignored until ROLLBACK).
    Failed,
}

impl TxStatus {
    pub fn byte(self) -> u8 {
        match self {
            TxStatus::Idle => b'I',
            TxStatus::InTransaction => b'T',
            TxStatus::Failed => b'E',
        }
    }

    pub fn from_byte(b: u8) -> Result<TxStatus> {
        match b {
            b'I' => Ok(TxStatus::Idle),
            b'T' => Ok(TxStatus::InTransaction),
            b'E' => Ok(TxStatus::Failed),
            other => Err(WireError::Invalid { what: "ReadyForQuery", detail: format!("status {:?}", other as char) }),
        }
    }
}

/// The Authentication* family (tag `R`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    Ok,
    CleartextPassword,
    Md5Password {
        salt: [u8; 4],
    },
    Sasl {
        mechanisms: Vec<String>,
    },
    SaslContinue(Bytes),
    SaslFinal(Bytes),
    /// Kerberos, GSS, SSPI: kept raw; a proxy only needs to refuse them.
    Other {
        code: i32,
        data: Bytes,
    },
}

/// One column of a RowDescription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDescription {
    pub name: String,
    pub table_oid: u32,
    pub column: i16,
    pub type_oid: u32,
    pub type_size: i16,
    pub type_modifier: i32,
    pub format: i16,
}

impl FieldDescription {
    /// A text-format column of the given type with no table behind it.
    pub fn text(name: &str, type_oid: u32) -> FieldDescription {
        FieldDescription {
            name: name.into(),
            table_oid: 0,
            column: 0,
            type_oid,
            type_size: -1,
            type_modifier: -1,
            format: 0,
        }
    }
}

/// CopyIn/Out/BothResponse body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyResponse {
    /// 0 = text, 1 = binary.
    pub format: u8,
    pub column_formats: Vec<i16>,
}

/// A backend message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Authentication(Authentication),
    ParameterStatus { name: String, value: String },
    BackendKeyData { process_id: i32, secret_key: i32 },
    ReadyForQuery(TxStatus),
    RowDescription(Vec<FieldDescription>),
    DataRow(Vec<Option<Bytes>>),
    CommandComplete(String),
    EmptyQueryResponse,
    ErrorResponse(ErrorFields),
    NoticeResponse(ErrorFields),
    ParseComplete,
    BindComplete,
    CloseComplete,
    NoData,
    ParameterDescription(Vec<u32>),
    PortalSuspended,
    CopyInResponse(CopyResponse),
    CopyOutResponse(CopyResponse),
    CopyBothResponse(CopyResponse),
    CopyData(Bytes),
    CopyDone,
    NotificationResponse { process_id: i32, channel: String, payload: String },
    FunctionCallResponse(Option<Bytes>),
    NegotiateProtocolVersion { newest_minor: i32, unrecognized: Vec<String> },
}

fn copy_response(body: Bytes, what: &'static str) -> Result<CopyResponse> {
    let mut c = Cursor::new(body, what);
    let format = c.u8()?;
    let n = c.count16()?;
    let mut column_formats = Vec::with_capacity(c.capacity_for(n, 2));
    for _ in 0..n {
        column_formats.push(c.i16()?);
    }
    c.finish()?;
    Ok(CopyResponse { format, column_formats })
}

fn authentication(body: Bytes) -> Result<Authentication> {
    let mut c = Cursor::new(body, "Authentication");
    let code = c.i32()?;
    let a = match code {
        0 => Authentication::Ok,
        3 => Authentication::CleartextPassword,
        5 => {
            let s = c.bytes(4)?;
            Authentication::Md5Password { salt: [s[0], s[1], s[2], s[3]] }
        }
        10 => {
            let mut mechanisms = Vec::new();
            loop {
                let m = c.cstr()?;
                if m.is_empty() {
                    break;
                }
                mechanisms.push(m);
            }
            Authentication::Sasl { mechanisms }
        }
        11 => Authentication::SaslContinue(c.rest()),
        12 => Authentication::SaslFinal(c.rest()),
        code => Authentication::Other { code, data: c.rest() },
    };
    c.finish()?;
    Ok(a)
}

impl Backend {
    pub fn decode(msg: &RawMessage) -> Result<Backend> {
        let body = msg.body();
        let empty = |what, m| Cursor::new(body.clone(), what).finish().map(|_| m);
        Ok(match msg.tag() {
            b'R' => Backend::Authentication(authentication(body)?),
            b'S' => {
                let mut c = Cursor::new(body, "ParameterStatus");
                let (name, value) = (c.cstr()?, c.cstr()?);
                c.finish()?;
                Backend::ParameterStatus { name, value }
            }
            b'K' => {
                let mut c = Cursor::new(body, "BackendKeyData");
                let (process_id, secret_key) = (c.i32()?, c.i32()?);
                c.finish()?;
                Backend::BackendKeyData { process_id, secret_key }
            }
            b'Z' => {
                let mut c = Cursor::new(body, "ReadyForQuery");
                let s = TxStatus::from_byte(c.u8()?)?;
                c.finish()?;
                Backend::ReadyForQuery(s)
            }
            b'T' => {
                let mut c = Cursor::new(body, "RowDescription");
                let n = c.count16()?;
                let mut fields = Vec::with_capacity(c.capacity_for(n, 19));
                for _ in 0..n {
                    fields.push(FieldDescription {
                        name: c.cstr()?,
                        table_oid: c.u32()?,
                        column: c.i16()?,
                        type_oid: c.u32()?,
                        type_size: c.i16()?,
                        type_modifier: c.i32()?,
                        format: c.i16()?,
                    });
                }
                c.finish()?;
                Backend::RowDescription(fields)
            }
            b'D' => {
                let mut c = Cursor::new(body, "DataRow");
                let n = c.count16()?;
                let mut values = Vec::with_capacity(c.capacity_for(n, 4));
                for _ in 0..n {
                    values.push(c.nullable()?);
                }
                c.finish()?;
                Backend::DataRow(values)
            }
            b'C' => {
                let mut c = Cursor::new(body, "CommandComplete");
                let tag = c.cstr()?;
                c.finish()?;
                Backend::CommandComplete(tag)
            }
            b'I' => empty("EmptyQueryResponse", Backend::EmptyQueryResponse)?,
            b'E' => Backend::ErrorResponse(ErrorFields::decode(body, "ErrorResponse")?),
            b'N' => Backend::NoticeResponse(ErrorFields::decode(body, "NoticeResponse")?),
            b'1' => empty("ParseComplete", Backend::ParseComplete)?,
            b'2' => empty("BindComplete", Backend::BindComplete)?,
            b'3' => empty("CloseComplete", Backend::CloseComplete)?,
            b'n' => empty("NoData", Backend::NoData)?,
            b's' => empty("PortalSuspended", Backend::PortalSuspended)?,
            b't' => {
                let mut c = Cursor::new(body, "ParameterDescription");
                let n = c.count16()?;
                let mut types = Vec::with_capacity(c.capacity_for(n, 4));
                for _ in 0..n {
                    types.push(c.u32()?);
                }
                c.finish()?;
                Backend::ParameterDescription(types)
            }
            b'G' => Backend::CopyInResponse(copy_response(body, "CopyInResponse")?),
            b'H' => Backend::CopyOutResponse(copy_response(body, "CopyOutResponse")?),
            b'W' => Backend::CopyBothResponse(copy_response(body, "CopyBothResponse")?),
            b'd' => Backend::CopyData(body),
            b'c' => empty("CopyDone", Backend::CopyDone)?,
            b'A' => {
                let mut c = Cursor::new(body, "NotificationResponse");
                let (process_id, channel, payload) = (c.i32()?, c.cstr()?, c.cstr()?);
                c.finish()?;
                Backend::NotificationResponse { process_id, channel, payload }
            }
            b'V' => {
                let mut c = Cursor::new(body, "FunctionCallResponse");
                let v = c.nullable()?;
                c.finish()?;
                Backend::FunctionCallResponse(v)
            }
            b'v' => {
                let mut c = Cursor::new(body, "NegotiateProtocolVersion");
                let newest_minor = c.i32()?;
                let n = c.i32()?;
                let n = usize::try_from(n).map_err(|_| WireError::Invalid {
                    what: "NegotiateProtocolVersion",
                    detail: format!("negative count {n}"),
                })?;
                let mut unrecognized = Vec::with_capacity(c.capacity_for(n, 1));
                for _ in 0..n {
                    unrecognized.push(c.cstr()?);
                }
                c.finish()?;
                Backend::NegotiateProtocolVersion { newest_minor, unrecognized }
            }
            other => return Err(WireError::UnknownTag { direction: "backend", tag: other as char }),
        })
    }

    pub fn encode(&self, buf: &mut BytesMut) {
        let at;
        macro_rules! start {
            ($t:expr) => {{
                at = begin(buf, $t);
            }};
        }
        match self {
            Backend::Authentication(a) => {
                start!(b'R');
                match a {
                    Authentication::Ok => buf.put_i32(0),
                    Authentication::CleartextPassword => buf.put_i32(3),
                    Authentication::Md5Password { salt } => {
                        buf.put_i32(5);
                        buf.put_slice(salt);
                    }
                    Authentication::Sasl { mechanisms } => {
                        buf.put_i32(10);
                        mechanisms.iter().for_each(|m| put_cstr(buf, m.as_bytes()));
                        buf.put_u8(0);
                    }
                    Authentication::SaslContinue(d) => {
                        buf.put_i32(11);
                        buf.put_slice(d);
                    }
                    Authentication::SaslFinal(d) => {
                        buf.put_i32(12);
                        buf.put_slice(d);
                    }
                    Authentication::Other { code, data } => {
                        buf.put_i32(*code);
                        buf.put_slice(data);
                    }
                }
            }
            Backend::ParameterStatus { name, value } => {
                start!(b'S');
                put_cstr(buf, name.as_bytes());
                put_cstr(buf, value.as_bytes());
            }
            Backend::BackendKeyData { process_id, secret_key } => {
                start!(b'K');
                buf.put_i32(*process_id);
                buf.put_i32(*secret_key);
            }
            Backend::ReadyForQuery(s) => {
                start!(b'Z');
                buf.put_u8(s.byte());
            }
            Backend::RowDescription(fields) => {
                start!(b'T');
                buf.put_i16(fields.len() as i16);
                for f in fields {
                    put_cstr(buf, f.name.as_bytes());
                    buf.put_u32(f.table_oid);
                    buf.put_i16(f.column);
                    buf.put_u32(f.type_oid);
                    buf.put_i16(f.type_size);
                    buf.put_i32(f.type_modifier);
                    buf.put_i16(f.format);
                }
            }
            Backend::DataRow(values) => {
                start!(b'D');
                buf.put_i16(values.len() as i16);
                values.iter().for_each(|v| put_nullable(buf, v));
            }
            Backend::CommandComplete(tag) => {
                start!(b'C');
                put_cstr(buf, tag.as_bytes());
            }
            Backend::EmptyQueryResponse => start!(b'I'),
            Backend::ErrorResponse(f) | Backend::NoticeResponse(f) => {
                start!(if matches!(self, Backend::ErrorResponse(_)) { b'E' } else { b'N' });
                f.encode_body(buf);
            }
            Backend::ParseComplete => start!(b'1'),
            Backend::BindComplete => start!(b'2'),
            Backend::CloseComplete => start!(b'3'),
            Backend::NoData => start!(b'n'),
            Backend::PortalSuspended => start!(b's'),
            Backend::ParameterDescription(types) => {
                start!(b't');
                buf.put_i16(types.len() as i16);
                types.iter().for_each(|t| buf.put_u32(*t));
            }
            Backend::CopyInResponse(r) | Backend::CopyOutResponse(r) | Backend::CopyBothResponse(r) => {
                start!(match self {
                    Backend::CopyInResponse(_) => b'G',
                    Backend::CopyOutResponse(_) => b'H',
                    _ => b'W',
                });
                buf.put_u8(r.format);
                buf.put_i16(r.column_formats.len() as i16);
                r.column_formats.iter().for_each(|f| buf.put_i16(*f));
            }
            Backend::CopyData(d) => {
                start!(b'd');
                buf.put_slice(d);
            }
            Backend::CopyDone => start!(b'c'),
            Backend::NotificationResponse { process_id, channel, payload } => {
                start!(b'A');
                buf.put_i32(*process_id);
                put_cstr(buf, channel.as_bytes());
                put_cstr(buf, payload.as_bytes());
            }
            Backend::FunctionCallResponse(v) => {
                start!(b'V');
                put_nullable(buf, v);
            }
            Backend::NegotiateProtocolVersion { newest_minor, unrecognized } => {
                start!(b'v');
                buf.put_i32(*newest_minor);
                buf.put_i32(unrecognized.len() as i32);
                unrecognized.iter().for_each(|o| put_cstr(buf, o.as_bytes()));
            }
        }
        finish(buf, at);
    }

    pub fn to_raw(&self) -> RawMessage {
        let mut buf = BytesMut::new();
        self.encode(&mut buf);
        RawMessage::from_frame(buf.freeze())
    }
}

/// Fast path: the status byte of a ReadyForQuery frame without decoding.
pub fn ready_status(msg: &RawMessage) -> Option<TxStatus> {
    (msg.tag() == b'Z' && msg.body_len() == 1).then(|| TxStatus::from_byte(msg.as_bytes()[5]).ok()).flatten()
}
