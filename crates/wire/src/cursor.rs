//! Bounds-checked reading of message bodies and length-patching writers.
//! Every read returns `WireError::Truncated` instead of panicking, so no byte
//! string can crash a decoder.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{Result, WireError};

/// A read position inside one message body (cheap clones of `Bytes`).
pub(crate) struct Cursor {
    buf: Bytes,
    what: &'static str,
}

impl Cursor {
    pub(crate) fn new(buf: Bytes, what: &'static str) -> Cursor {
        Cursor { buf, what }
    }

    fn need(&self, n: usize) -> Result<()> {
        if self.buf.len() < n { Err(WireError::Truncated { what: self.what }) } else { Ok(()) }
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        self.need(1)?;
        let v = self.buf[0];
        self.buf = self.buf.slice(1..);
        Ok(v)
    }

    pub(crate) fn i16(&mut self) -> Result<i16> {
        self.need(2)?;
        let v = i16::from_be_bytes([self.buf[0], self.buf[1]]);
        self.buf = self.buf.slice(2..);
        Ok(v)
    }

    pub(crate) fn i32(&mut self) -> Result<i32> {
        self.need(4)?;
        let v = i32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
        self.buf = self.buf.slice(4..);
        Ok(v)
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        self.i32().map(|v| v as u32)
    }

    /// A count prefix (i16) that must not be negative.
    pub(crate) fn count16(&mut self) -> Result<usize> {
        let n = self.i16()?;
        usize::try_from(n).map_err(|_| WireError::Invalid { what: self.what, detail: format!("negative count {n}") })
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<Bytes> {
        self.need(n)?;
        Ok(self.buf.split_to(n))
    }

    /// A length-prefixed (i32) value where -1 means NULL.
    pub(crate) fn nullable(&mut self) -> Result<Option<Bytes>> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len)
            .map_err(|_| WireError::Invalid { what: self.what, detail: format!("value length {len}") })?;
        self.bytes(len).map(Some)
    }

    pub(crate) fn cstr_bytes(&mut self) -> Result<Bytes> {
        let nul = self.buf.iter().position(|&b| b == 0).ok_or(WireError::MissingNul { what: self.what })?;
        let s = self.buf.split_to(nul);
        self.buf = self.buf.slice(1..);
        Ok(s)
    }

    pub(crate) fn cstr(&mut self) -> Result<String> {
        let b = self.cstr_bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| WireError::InvalidUtf8 { what: self.what })
    }

    pub(crate) fn rest(&mut self) -> Bytes {
        std::mem::take(&mut self.buf)
    }

    /// Fails if bytes are left: a message longer than its fields is malformed.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(WireError::TrailingBytes { what: self.what, extra: self.buf.len() })
        }
    }

    /// Pre-size a collection from a wire count without trusting it: each
    /// element needs at least `min_elem` bytes, so a bogus huge count cannot
    /// make us allocate more than the message itself.
    pub(crate) fn capacity_for(&self, count: usize, min_elem: usize) -> usize {
        count.min(self.buf.len() / min_elem.max(1))
    }
}

/// Starts a tagged message: writes the tag and a placeholder length.
/// Returns the offset of the length field for [`finish`].
pub fn begin(buf: &mut BytesMut, tag: u8) -> usize {
    buf.put_u8(tag);
    let at = buf.len();
    buf.put_i32(0);
    at
}

/// Patches the length written by [`begin`] (the length counts itself).
pub fn finish(buf: &mut BytesMut, at: usize) {
    let len = (buf.len() - at) as i32;
    buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

pub(crate) fn put_cstr(buf: &mut BytesMut, s: &[u8]) {
    buf.put_slice(s);
    buf.put_u8(0);
}

pub(crate) fn put_nullable(buf: &mut BytesMut, v: &Option<Bytes>) {
    match v {
        None => buf.put_i32(-1),
        Some(b) => {
            buf.put_i32(b.len() as i32);
            buf.put_slice(b);
        }
    }
}
