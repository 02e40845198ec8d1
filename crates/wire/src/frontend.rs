//! Typed views of frontend (client → server) messages, decoded on demand
//! from a [`RawMessage`], and their encoders.
//!
//! Tag `p` is shared by PasswordMessage, SASLInitialResponse and SASLResponse;
//! which one it is depends on the authentication exchange, so decoding yields
//! [`Frontend::PasswordLike`] and the caller picks the view it expects
//! ([`SaslInitialResponse::decode`], [`password_text`]).

use bytes::{BufMut, Bytes, BytesMut};

use crate::cursor::{Cursor, begin, finish, put_cstr, put_nullable};
use crate::error::{Result, WireError};
use crate::frame::RawMessage;

/// Describe/Close target: a prepared statement (`S`) or a portal (`P`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Statement,
    Portal,
}

impl Target {
    fn decode(b: u8, what: &'static str) -> Result<Target> {
        match b {
            b'S' => Ok(Target::Statement),
            b'P' => Ok(Target::Portal),
            other => {
                Err(WireError::Invalid { what, detail: format!("target {:?} is neither 'S' nor 'P'", other as char) })
            }
        }
    }

    fn byte(self) -> u8 {
        match self {
            Target::Statement => b'S',
            Target::Portal => b'P',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parse {
    pub name: String,
    pub query: String,
    pub param_types: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub portal: String,
    pub statement: String,
    pub param_formats: Vec<i16>,
    pub params: Vec<Option<Bytes>>,
    pub result_formats: Vec<i16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCall {
    pub oid: u32,
    pub arg_formats: Vec<i16>,
    pub args: Vec<Option<Bytes>>,
    pub result_format: i16,
}

/// A frontend message after the startup phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frontend {
    Query(String),
    Parse(Parse),
    Bind(Bind),
    Describe {
        target: Target,
        name: String,
    },
    Execute {
        portal: String,
        max_rows: i32,
    },
    Close {
        target: Target,
        name: String,
    },
    Flush,
    Sync,
    Terminate,
    CopyData(Bytes),
    CopyDone,
    CopyFail(String),
    FunctionCall(FunctionCall),
    /// `p`: PasswordMessage, SASLInitialResponse or SASLResponse (raw body).
    PasswordLike(Bytes),
}

/// SASLInitialResponse: the chosen mechanism and the client-first message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslInitialResponse {
    pub mechanism: String,
    /// `None` when the client sent length −1 (no initial response).
    pub data: Option<Bytes>,
}

impl SaslInitialResponse {
    pub fn decode(body: Bytes) -> Result<SaslInitialResponse> {
        let mut c = Cursor::new(body, "SASLInitialResponse");
        let mechanism = c.cstr()?;
        let data = c.nullable()?;
        c.finish()?;
        Ok(SaslInitialResponse { mechanism, data })
    }

    pub fn encode(&self, buf: &mut BytesMut) {
        let at = begin(buf, b'p');
        put_cstr(buf, self.mechanism.as_bytes());
        put_nullable(buf, &self.data);
        finish(buf, at);
    }
}

/// The password of a PasswordMessage (NUL-terminated, any bytes but NUL).
pub fn password_text(body: Bytes) -> Result<Bytes> {
    let mut c = Cursor::new(body, "PasswordMessage");
    let pw = c.cstr_bytes()?;
    c.finish()?;
    Ok(pw)
}

/// Encodes a PasswordMessage (cleartext or `md5…` hash).
pub fn encode_password(buf: &mut BytesMut, password: &[u8]) {
    let at = begin(buf, b'p');
    put_cstr(buf, password);
    finish(buf, at);
}

/// Encodes a SASLResponse (raw mechanism data).
pub fn encode_sasl_response(buf: &mut BytesMut, data: &[u8]) {
    let at = begin(buf, b'p');
    buf.put_slice(data);
    finish(buf, at);
}

/// Borrowed SQL text of a Query without copying (hot path).
pub fn query_text(msg: &RawMessage) -> Result<&str> {
    query_text_of_frame(msg.as_bytes())
}

/// Same as [`query_text`] over a whole frame's bytes (tag, length, body).
pub fn query_text_of_frame(frame: &[u8]) -> Result<&str> {
    let body = frame.get(5..).ok_or(WireError::Truncated { what: "Query" })?;
    let Some((&0, text)) = body.split_last() else {
        return Err(WireError::MissingNul { what: "Query" });
    };
    if let Some(nul) = text.iter().position(|&b| b == 0) {
        return Err(WireError::TrailingBytes { what: "Query", extra: text.len() - nul });
    }
    std::str::from_utf8(text).map_err(|_| WireError::InvalidUtf8 { what: "Query" })
}

fn i16_list(c: &mut Cursor) -> Result<Vec<i16>> {
    let n = c.count16()?;
    let mut v = Vec::with_capacity(c.capacity_for(n, 2));
    for _ in 0..n {
        v.push(c.i16()?);
    }
    Ok(v)
}

fn value_list(c: &mut Cursor) -> Result<Vec<Option<Bytes>>> {
    let n = c.count16()?;
    let mut v = Vec::with_capacity(c.capacity_for(n, 4));
    for _ in 0..n {
        v.push(c.nullable()?);
    }
    Ok(v)
}

impl Frontend {
    pub fn decode(msg: &RawMessage) -> Result<Frontend> {
        let body = msg.body();
        let done = |c: Cursor, m: Frontend| c.finish().map(|_| m);
        Ok(match msg.tag() {
            b'Q' => {
                let mut c = Cursor::new(body, "Query");
                let q = c.cstr()?;
                done(c, Frontend::Query(q))?
            }
            b'P' => {
                let mut c = Cursor::new(body, "Parse");
                let name = c.cstr()?;
                let query = c.cstr()?;
                let n = c.count16()?;
                let mut param_types = Vec::with_capacity(c.capacity_for(n, 4));
                for _ in 0..n {
                    param_types.push(c.u32()?);
                }
                done(c, Frontend::Parse(Parse { name, query, param_types }))?
            }
            b'B' => {
                let mut c = Cursor::new(body, "Bind");
                let portal = c.cstr()?;
                let statement = c.cstr()?;
                let param_formats = i16_list(&mut c)?;
                let params = value_list(&mut c)?;
                let result_formats = i16_list(&mut c)?;
                done(c, Frontend::Bind(Bind { portal, statement, param_formats, params, result_formats }))?
            }
            b'D' | b'C' => {
                let what = if msg.tag() == b'D' { "Describe" } else { "Close" };
                let mut c = Cursor::new(body, what);
                let target = Target::decode(c.u8()?, what)?;
                let name = c.cstr()?;
                let m = if msg.tag() == b'D' {
                    Frontend::Describe { target, name }
                } else {
                    Frontend::Close { target, name }
                };
                done(c, m)?
            }
            b'E' => {
                let mut c = Cursor::new(body, "Execute");
                let portal = c.cstr()?;
                let max_rows = c.i32()?;
                done(c, Frontend::Execute { portal, max_rows })?
            }
            b'H' => done(Cursor::new(body, "Flush"), Frontend::Flush)?,
            b'S' => done(Cursor::new(body, "Sync"), Frontend::Sync)?,
            b'X' => done(Cursor::new(body, "Terminate"), Frontend::Terminate)?,
            b'd' => Frontend::CopyData(body),
            b'c' => done(Cursor::new(body, "CopyDone"), Frontend::CopyDone)?,
            b'f' => {
                let mut c = Cursor::new(body, "CopyFail");
                let m = c.cstr()?;
                done(c, Frontend::CopyFail(m))?
            }
            b'F' => {
                let mut c = Cursor::new(body, "FunctionCall");
                let oid = c.u32()?;
                let arg_formats = i16_list(&mut c)?;
                let args = value_list(&mut c)?;
                let result_format = c.i16()?;
                done(c, Frontend::FunctionCall(FunctionCall { oid, arg_formats, args, result_format }))?
            }
            b'p' => Frontend::PasswordLike(body),
            other => return Err(WireError::UnknownTag { direction: "frontend", tag: other as char }),
        })
    }

    pub fn encode(&self, buf: &mut BytesMut) {
        let (tag, at);
        macro_rules! start {
            ($t:expr) => {{
                tag = $t;
                at = begin(buf, tag);
            }};
        }
        match self {
            Frontend::Query(q) => {
                start!(b'Q');
                put_cstr(buf, q.as_bytes());
            }
            Frontend::Parse(p) => {
                start!(b'P');
                put_cstr(buf, p.name.as_bytes());
                put_cstr(buf, p.query.as_bytes());
                buf.put_i16(p.param_types.len() as i16);
                p.param_types.iter().for_each(|t| buf.put_u32(*t));
            }
            Frontend::Bind(b) => {
                start!(b'B');
                put_cstr(buf, b.portal.as_bytes());
                put_cstr(buf, b.statement.as_bytes());
                buf.put_i16(b.param_formats.len() as i16);
                b.param_formats.iter().for_each(|f| buf.put_i16(*f));
                buf.put_i16(b.params.len() as i16);
                b.params.iter().for_each(|v| put_nullable(buf, v));
                buf.put_i16(b.result_formats.len() as i16);
                b.result_formats.iter().for_each(|f| buf.put_i16(*f));
            }
            Frontend::Describe { target, name } | Frontend::Close { target, name } => {
                start!(if matches!(self, Frontend::Describe { .. }) { b'D' } else { b'C' });
                buf.put_u8(target.byte());
                put_cstr(buf, name.as_bytes());
            }
            Frontend::Execute { portal, max_rows } => {
                start!(b'E');
                put_cstr(buf, portal.as_bytes());
                buf.put_i32(*max_rows);
            }
            Frontend::Flush => start!(b'H'),
            Frontend::Sync => start!(b'S'),
            Frontend::Terminate => start!(b'X'),
            Frontend::CopyData(d) => {
                start!(b'd');
                buf.put_slice(d);
            }
            Frontend::CopyDone => start!(b'c'),
            Frontend::CopyFail(m) => {
                start!(b'f');
                put_cstr(buf, m.as_bytes());
            }
            Frontend::FunctionCall(f) => {
                start!(b'F');
                buf.put_u32(f.oid);
                buf.put_i16(f.arg_formats.len() as i16);
                f.arg_formats.iter().for_each(|x| buf.put_i16(*x));
                buf.put_i16(f.args.len() as i16);
                f.args.iter().for_each(|v| put_nullable(buf, v));
                buf.put_i16(f.result_format);
            }
            Frontend::PasswordLike(body) => {
                start!(b'p');
                buf.put_slice(body);
            }
        }
        let _ = tag;
        finish(buf, at);
    }

    /// Encodes into a fresh [`RawMessage`].
    pub fn to_raw(&self) -> RawMessage {
        let mut buf = BytesMut::new();
        self.encode(&mut buf);
        RawMessage::from_frame(buf.freeze())
    }
}
