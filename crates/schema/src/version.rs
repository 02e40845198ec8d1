//! Schema version numbers as temporal-sql-tool reads them: "tolerant semver"
//! (`0`, `1.19`, `v1.2.3`), compared numerically (1.10 > 1.9), recorded as
//! written minus a leading `v`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A schema version such as `1.19`.
#[derive(Debug, Clone, Eq)]
pub struct Version {
    parts: [u64; 3],
    text: String,
}

/// A string that is not a version number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a schema version (expected numbers like 0, 1.19 or v1.2.3)")]
pub struct BadVersion(pub String);

impl Version {
    /// `0.0`, what setup-schema records when asked for `-v 0`'s "nothing yet".
    pub fn zero() -> Self {
        Self { parts: [0; 3], text: "0.0".into() }
    }

    /// The text to record (`1.19`), without a leading `v`.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for Version {
    type Err = BadVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadVersion(s.to_string());
        let text = s.trim().strip_prefix('v').unwrap_or(s.trim());
        let pieces: Vec<&str> = text.split('.').collect();
        if text.is_empty() || pieces.len() > 3 {
            return Err(bad());
        }
        let mut parts = [0u64; 3];
        for (slot, piece) in parts.iter_mut().zip(&pieces) {
            if piece.is_empty() || !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            *slot = piece.parse().map_err(|_| bad())?;
        }
        Ok(Self { parts, text: text.to_string() })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.parts == other.parts
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn compares_numerically_and_tolerates_short_forms() {
        assert!(v("1.10") > v("1.9"));
        assert_eq!(v("0"), v("0.0"));
        assert_eq!(v("v1.2"), v("1.2.0"));
        assert_eq!(v("v1.2").as_str(), "1.2");
        assert!(v("1.19") > Version::zero());
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for bad in ["", "x", "1.", "1..2", "1.2.3.4", "-1", "1.a"] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
    }
}
