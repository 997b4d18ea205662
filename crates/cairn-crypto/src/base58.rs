//! Base58 and Base58Check (Bitcoin alphabet), written for secrets.
//!
//! Written here rather than taken from `bs58` so the crate keeps a single `sha2` and so every
//! intermediate buffer is wiped: the inputs are WIF private keys and xprvs. Errors never say
//! which character or position was wrong, because that would echo part of a secret.
//!
//! The conversion is the schoolbook O(n²) base change, so inputs are bounded by the caller
//! (`max_len`) before any work is done.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Length of the Base58Check checksum (first bytes of double SHA-256).
const CHECKSUM_LEN: usize = 4;

/// Why a Base58 or Base58Check string was refused. Never names the offending character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Base58Error {
    /// The text contains a character outside the Base58 alphabet.
    #[error("text contains a character that is not Base58")]
    InvalidCharacter,
    /// The text is longer than the caller allows.
    #[error("Base58 text is longer than {max_len} characters")]
    TooLong {
        /// The caller's bound.
        max_len: usize,
    },
    /// The decoded bytes are too short to hold a checksum.
    #[error("Base58Check data is too short")]
    TooShort,
    /// The Base58Check checksum does not match (a typo or a truncated copy).
    #[error("Base58Check checksum does not match")]
    BadChecksum,
}

/// Maps an ASCII byte to its Base58 digit value.
fn digit_value(byte: u8) -> Option<u8> {
    ALPHABET.iter().position(|&c| c == byte).and_then(|i| u8::try_from(i).ok())
}

/// Encodes `bytes` as Base58. The result is wiped on drop.
pub fn encode(bytes: &[u8]) -> Zeroizing<String> {
    let leading_zeros = bytes.iter().take_while(|&&b| b == 0).count();
    // log(256)/log(58) ≈ 1.366, so 138/100 digits per byte is always enough.
    let mut digits: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(bytes.len() * 138 / 100 + 1));
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for digit in digits.iter_mut() {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut text = Zeroizing::new(String::with_capacity(leading_zeros + digits.len()));
    text.extend(std::iter::repeat_n('1', leading_zeros));
    text.extend(digits.iter().rev().map(|&d| char::from(ALPHABET[usize::from(d) % 58])));
    text
}

/// Decodes Base58 text of at most `max_len` characters. The result is wiped on drop.
pub fn decode(text: &str, max_len: usize) -> Result<Zeroizing<Vec<u8>>, Base58Error> {
    if text.len() > max_len {
        return Err(Base58Error::TooLong { max_len });
    }
    let bytes = text.as_bytes();
    let leading_ones = bytes.iter().take_while(|&&b| b == b'1').count();
    // log(58)/log(256) ≈ 0.733, so 733/1000 bytes per digit is always enough.
    let mut value: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(bytes.len() * 733 / 1000 + 1));
    for &byte in bytes {
        let mut carry = u32::from(digit_value(byte).ok_or(Base58Error::InvalidCharacter)?);
        for limb in value.iter_mut() {
            carry += u32::from(*limb) * 58;
            *limb = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            value.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut decoded = Zeroizing::new(Vec::with_capacity(leading_ones + value.len()));
    decoded.resize(leading_ones, 0);
    decoded.extend(value.iter().rev());
    Ok(decoded)
}

fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let twice = Sha256::digest(Sha256::digest(payload));
    let mut check = [0u8; CHECKSUM_LEN];
    check.copy_from_slice(&twice[..CHECKSUM_LEN]);
    check
}

/// Encodes `payload` followed by its 4-byte double-SHA-256 checksum. The result is wiped on drop.
pub fn encode_check(payload: &[u8]) -> Zeroizing<String> {
    let mut with_checksum = Zeroizing::new(Vec::with_capacity(payload.len() + CHECKSUM_LEN));
    with_checksum.extend_from_slice(payload);
    with_checksum.extend_from_slice(&checksum(payload));
    encode(&with_checksum)
}

/// Decodes Base58Check text of at most `max_len` characters and verifies its checksum; returns
/// the payload without the checksum. The result is wiped on drop.
pub fn decode_check(text: &str, max_len: usize) -> Result<Zeroizing<Vec<u8>>, Base58Error> {
    let mut decoded = decode(text, max_len)?;
    let payload_len = decoded.len().checked_sub(CHECKSUM_LEN).ok_or(Base58Error::TooShort)?;
    let (payload, given) = decoded.split_at(payload_len);
    if !bool::from(checksum(payload).ct_eq(given)) {
        return Err(Base58Error::BadChecksum);
    }
    decoded.truncate(payload_len);
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_encodings() {
        // Examples from the Base58 draft specification (draft-msporny-base58).
        assert_eq!(encode(b"Hello World!").as_str(), "2NEpo7TZRRrLZSi2U");
        assert_eq!(
            encode(b"The quick brown fox jumps over the lazy dog.").as_str(),
            "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"
        );
        assert_eq!(encode(&[0, 0, 0x28, 0x7f, 0xb4, 0xcd]).as_str(), "11233QC4");
        assert_eq!(encode(&[]).as_str(), "");
    }

    #[test]
    fn decode_inverts_encode() {
        for input in [&b""[..], &[0], &[0, 0, 1], &[255; 40], b"Hello World!"] {
            let text = encode(input);
            assert_eq!(decode(&text, 200).expect("valid").as_slice(), input);
        }
    }

    #[test]
    fn refusals_do_not_echo_input() {
        assert_eq!(decode("abc0def", 100), Err(Base58Error::InvalidCharacter));
        assert_eq!(decode("abcdef", 3), Err(Base58Error::TooLong { max_len: 3 }));
        assert_eq!(decode_check("11", 100), Err(Base58Error::TooShort));
        let good = encode_check(b"payload");
        let mut bad = good.to_string();
        bad.pop();
        bad.push(if good.ends_with('2') { '3' } else { '2' });
        assert_eq!(decode_check(&bad, 100), Err(Base58Error::BadChecksum));
        assert_eq!(decode_check(&good, 100).expect("valid").as_slice(), b"payload");
        let message = Base58Error::InvalidCharacter.to_string();
        assert!(!message.contains('0'));
    }
}
