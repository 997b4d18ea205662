//! Public identifiers stored in object headers. They are not secret (the cloud sees them), so
//! they print as lowercase hex and can name cloud objects.

use core::fmt;
use core::str::FromStr;

/// Length of an epoch id in bytes.
pub const EPOCH_ID_LEN: usize = 16;
/// Length of a record id in bytes.
pub const RECORD_ID_LEN: usize = 32;

/// Identifies one epoch (one backup password's set of backups). Random, chosen at creation and
/// kept across password changes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EpochId([u8; EPOCH_ID_LEN]);

/// Identifies one wallet within one epoch: a keyed hash of the wallet's identity, so it is
/// stable for re-backups in the same epoch and unlinkable across epochs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId([u8; RECORD_ID_LEN]);

/// A string that is not the hex form of an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a {expected_len}-character lowercase hex id")]
pub struct ParseIdError {
    expected_len: usize,
}

macro_rules! public_id {
    ($name:ident, $len:expr) => {
        impl $name {
            /// Wraps raw id bytes.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw id bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(f, &self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            /// Parses the lowercase hex form produced by `Display`.
            fn from_str(text: &str) -> Result<Self, ParseIdError> {
                let mut bytes = [0u8; $len];
                decode_hex(text, &mut bytes).ok_or(ParseIdError { expected_len: 2 * $len })?;
                Ok(Self(bytes))
            }
        }
    };
}

public_id!(EpochId, EPOCH_ID_LEN);
public_id!(RecordId, RECORD_ID_LEN);

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for byte in bytes {
        write!(f, "{byte:02x}")?;
    }
    Ok(())
}

/// Decodes exactly `out.len()` bytes of lowercase hex; `None` on any other input.
fn decode_hex(text: &str, out: &mut [u8]) -> Option<()> {
    let digits = text.as_bytes();
    if digits.len() != 2 * out.len() {
        return None;
    }
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (high, low) = match pair {
            [high, low] => (hex_value(*high)?, hex_value(*low)?),
            _ => return None,
        };
        *byte = (high << 4) | low;
    }
    Some(())
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let id = EpochId::from_bytes([0x00, 0x1f, 0xa0, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        let text = id.to_string();
        assert_eq!(text, "001fa0ff0102030405060708090a0b0c");
        assert_eq!(text.parse::<EpochId>(), Ok(id));
        assert_eq!(format!("{id:?}"), "EpochId(001fa0ff0102030405060708090a0b0c)");
    }

    #[test]
    fn hex_rejects_bad_input() {
        assert!("".parse::<RecordId>().is_err());
        assert!("00".repeat(31).parse::<RecordId>().is_err());
        assert!("0G".repeat(32).parse::<RecordId>().is_err());
        assert!("AB".repeat(32).parse::<RecordId>().is_err(), "uppercase is not the canonical form");
        assert!("é".repeat(32).parse::<RecordId>().is_err());
        assert!("ab".repeat(32).parse::<RecordId>().is_ok());
    }
}
