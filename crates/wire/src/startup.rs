//! The untagged first packet of a connection: StartupMessage, SSLRequest,
//! GSSENCRequest or CancelRequest. They share one layout (length, 32-bit code)
//! and are told apart by the code.

use bytes::{BufMut, Bytes, BytesMut};

use crate::cursor::{Cursor, put_cstr};
use crate::error::{Result, WireError};

/// PostgreSQL refuses startup packets above this size (`MAX_STARTUP_PACKET_LENGTH`).
pub const MAX_STARTUP_LEN: usize = 10_000;
const SSL_REQUEST: i32 = 80_877_103;
const GSSENC_REQUEST: i32 = 80_877_104;
const CANCEL_REQUEST: i32 = 80_877_102;

/// The parameters of a StartupMessage (protocol 3.x).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Startup {
    pub minor: u16,
    /// In wire order; `user` is guaranteed present after decoding.
    pub params: Vec<(String, String)>,
}

impl Startup {
    pub fn new(user: &str, database: &str) -> Startup {
        Startup { minor: 0, params: vec![("user".into(), user.into()), ("database".into(), database.into())] }
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn user(&self) -> &str {
        self.param("user").unwrap_or_default()
    }

    /// The database, which PostgreSQL defaults to the user name.
    pub fn database(&self) -> &str {
        self.param("database").unwrap_or_else(|| self.user())
    }
}

/// Any packet that can open a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartupPacket {
    Startup(Startup),
    SslRequest,
    GssEncRequest,
    Cancel { process_id: i32, secret_key: i32 },
}

/// Takes one startup-phase packet off `buf`; `Ok(None)` = need more bytes.
pub fn parse_startup(buf: &mut BytesMut) -> Result<Option<StartupPacket>> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if len < 8 {
        return Err(WireError::LengthTooSmall { len: len.into() });
    }
    if len as usize > MAX_STARTUP_LEN {
        return Err(WireError::LengthTooLarge { len: len.into(), max: MAX_STARTUP_LEN });
    }
    if buf.len() < len as usize {
        return Ok(None);
    }
    let packet = buf.split_to(len as usize).freeze();
    decode_startup_body(packet.slice(4..)).map(Some)
}

/// Decodes the packet after its length field.
pub fn decode_startup_body(body: Bytes) -> Result<StartupPacket> {
    let mut c = Cursor::new(body, "startup packet");
    let code = c.i32()?;
    match code {
        SSL_REQUEST => c.finish().map(|_| StartupPacket::SslRequest),
        GSSENC_REQUEST => c.finish().map(|_| StartupPacket::GssEncRequest),
        CANCEL_REQUEST => {
            let process_id = c.i32()?;
            let secret_key = c.i32()?;
            c.finish()?;
            Ok(StartupPacket::Cancel { process_id, secret_key })
        }
        _ => {
            let (major, minor) = ((code >> 16) as u16, (code & 0xffff) as u16);
            if major != 3 {
                return Err(WireError::UnsupportedProtocol { major, minor });
            }
            let mut params = Vec::new();
            loop {
                let name = c.cstr()?;
                if name.is_empty() {
                    break;
                }
                let value = c.cstr()?;
                params.push((name, value));
            }
            c.finish()?;
            let startup = Startup { minor, params };
            if startup.param("user").is_none_or(str::is_empty) {
                return Err(WireError::MissingUser);
            }
            Ok(StartupPacket::Startup(startup))
        }
    }
}

impl StartupPacket {
    pub fn encode(&self, buf: &mut BytesMut) {
        let at = buf.len();
        buf.put_i32(0);
        match self {
            StartupPacket::SslRequest => buf.put_i32(SSL_REQUEST),
            StartupPacket::GssEncRequest => buf.put_i32(GSSENC_REQUEST),
            StartupPacket::Cancel { process_id, secret_key } => {
                buf.put_i32(CANCEL_REQUEST);
                buf.put_i32(*process_id);
                buf.put_i32(*secret_key);
            }
            StartupPacket::Startup(s) => {
                buf.put_i32((3 << 16) | i32::from(s.minor));
                for (k, v) in &s.params {
                    put_cstr(buf, k.as_bytes());
                    put_cstr(buf, v.as_bytes());
                }
                buf.put_u8(0);
            }
        }
        let len = (buf.len() - at) as i32;
        buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(p: StartupPacket) {
        let mut buf = BytesMut::new();
        p.encode(&mut buf);
        assert_eq!(parse_startup(&mut buf).unwrap(), Some(p));
        assert!(buf.is_empty());
    }

    #[test]
    fn all_startup_packets_round_trip() {
        roundtrip(StartupPacket::SslRequest);
        roundtrip(StartupPacket::GssEncRequest);
        roundtrip(StartupPacket::Cancel { process_id: 42, secret_key: -7 });
        roundtrip(StartupPacket::Startup(Startup::new("admin", "postgres")));
    }

    #[test]
    fn partial_packet_needs_more_bytes() {
        let mut full = BytesMut::new();
        StartupPacket::Startup(Startup::new("u", "d")).encode(&mut full);
        let mut part = BytesMut::from(&full[..full.len() - 1]);
        assert_eq!(parse_startup(&mut part).unwrap(), None);
    }

    #[test]
    fn rejects_missing_user_bad_version_and_lengths() {
        let mut buf = BytesMut::new();
        StartupPacket::Startup(Startup { minor: 0, params: vec![("database".into(), "x".into())] }).encode(&mut buf);
        assert_eq!(parse_startup(&mut buf), Err(WireError::MissingUser));

        let mut buf = BytesMut::from(&[0, 0, 0, 9, 0, 2, 0, 0, 0][..]);
        assert_eq!(parse_startup(&mut buf), Err(WireError::UnsupportedProtocol { major: 2, minor: 0 }));

        let mut buf = BytesMut::from(&[0x80, 0, 0, 0][..]);
        assert!(matches!(parse_startup(&mut buf), Err(WireError::LengthTooSmall { .. })));
        let mut buf = BytesMut::from(&[0x7f, 0xff, 0xff, 0xff][..]);
        assert!(matches!(parse_startup(&mut buf), Err(WireError::LengthTooLarge { .. })));
    }
}
