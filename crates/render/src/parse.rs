//! Parsers for single values as Temporal reads them: ports, positive
//! integers, booleans, Go-style durations (`1h30m`, `500ms`), host names and
//! IP addresses. Each returns what is wrong and what is expected, so the
//! caller can prefix the variable name.

use std::fmt;
use std::net::IpAddr;

/// A duration in Go's `time.ParseDuration` syntax, kept as written (Temporal
/// parses the text itself) together with its length for range checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoDuration {
    text: String,
    nanos: u128,
}

impl GoDuration {
    /// Parses `text`; zero and negative durations are refused because none of
    /// our settings means anything with them.
    pub fn parse(text: &str) -> Result<Self, String> {
        let nanos = parse_go_duration(text)
            .ok_or_else(|| format!("'{text}' is not a duration; use Go syntax such as 30s, 10m or 1h30m"))?;
        if nanos == 0 {
            return Err(format!("'{text}' is zero; use a positive duration such as 30s"));
        }
        Ok(Self { text: text.to_string(), nanos })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn as_secs_ceil(&self) -> u128 {
        self.nanos.div_ceil(1_000_000_000)
    }

    pub fn as_nanos(&self) -> u128 {
        self.nanos
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Go's grammar: one or more `<decimal><unit>` with units ns, us, µs, ms, s, m, h.
fn parse_go_duration(text: &str) -> Option<u128> {
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return None;
        }
        let unit_len = tail.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
        let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let mut value = whole.checked_mul(scale)?;
        let mut div = 1u128;
        for digit in frac.chars().take(18) {
            div *= 10;
            value = value.checked_add(u128::from(digit.to_digit(10)?) * scale / div)?;
        }
        total = total.checked_add(value)?;
        rest = tail;
    }
    Some(total)
}

pub fn port(text: &str) -> Result<u16, String> {
    match text.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(format!("'{text}' is not a port; use a number from 1 to 65535")),
    }
}

pub fn positive_u32(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n > 0 && n <= i32::MAX as u32 => Ok(n),
        _ => Err(format!("'{text}' is not a positive integer; use a whole number such as 50")),
    }
}

/// Accepts what Go's strconv.ParseBool accepts, minus the single letters.
pub fn boolean(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("'{text}' is not a boolean; use true or false")),
    }
}

pub fn ip(text: &str) -> Result<IpAddr, String> {
    text.parse::<IpAddr>().map_err(|_| format!("'{text}' is not an IP address; use e.g. 0.0.0.0 or 10.0.0.5"))
}

/// A DNS name (RFC 1123 labels) or an IP address.
pub fn host(text: &str) -> Result<String, String> {
    if text.parse::<IpAddr>().is_ok() || is_dns_name(text) {
        Ok(text.to_string())
    } else {
        Err(format!("'{text}' is not a host name or IP address"))
    }
}

fn is_dns_name(text: &str) -> bool {
    let text = text.strip_suffix('.').unwrap_or(text);
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// `host:port` where host is a name or IP (IPv6 in brackets).
pub fn host_port(text: &str) -> Result<String, String> {
    let bad = || format!("'{text}' is not host:port; use e.g. 0.0.0.0:9090 or temporal-frontend:7233");
    let (h, p) = text.rsplit_once(':').ok_or_else(bad)?;
    let h = h.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(h);
    host(h).map_err(|_| bad())?;
    port(p).map_err(|_| bad())?;
    Ok(text.to_string())
}

/// One of a fixed set of words.
pub fn choice<'a>(text: &str, allowed: &[&'a str]) -> Result<&'a str, String> {
    allowed
        .iter()
        .find(|a| **a == text)
        .copied()
        .ok_or_else(|| format!("'{text}' is not one of: {}", allowed.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(GoDuration::parse("1h30m").unwrap().as_nanos(), 5_400_000_000_000);
        assert_eq!(GoDuration::parse("1.5s").unwrap().as_nanos(), 1_500_000_000);
        assert_eq!(GoDuration::parse("500ms").unwrap().as_secs_ceil(), 1);
        assert_eq!(GoDuration::parse("55m").unwrap().as_str(), "55m");
        for bad in ["", "10", "m", "1x", "1.2.3s", "-5s", "0s", " 5s"] {
            assert!(GoDuration::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn ports_hosts_and_booleans() {
        assert_eq!(port("5432"), Ok(5432));
        assert!(port("0").is_err() && port("65536").is_err() && port("http").is_err());
        assert!(host("abc.dsql.us-east-1.on.aws").is_ok() && host("10.0.0.1").is_ok() && host("::1").is_ok());
        assert!(host("bad host").is_err() && host("-x.com").is_err() && host("").is_err());
        assert_eq!(boolean("TRUE"), Ok(true));
        assert!(boolean("maybe").is_err());
        assert!(host_port("[::]:9090").is_ok() && host_port("0.0.0.0:9090").is_ok());
        assert!(host_port("9090").is_err() && host_port("x:0").is_err());
    }
}
