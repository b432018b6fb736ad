//! Access tokens: generated with over 256 bits of randomness, stored only as a SHA-256 hash.
//!
//! A fast hash is enough here (unlike passwords): the input is uniformly random, so there is
//! nothing to brute-force, and the lookup stays cheap on the hot path.

use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Length of a token's secret part: 64 letters and digits, like Webex's, carry
/// 64 * log2(62) = 381 bits.
const SECRET_LEN: usize = 64;

/// A new token in the shape of Webex's personal access tokens:
/// `<secret>_<marker>_<org uuid>`. The secret is letters and digits only, so the first
/// `_` always ends it (base64url would put `_` inside it about half the time).
pub fn generate(org: Uuid) -> String {
    let secret = Alphanumeric.sample_string(&mut rand::rngs::OsRng, SECRET_LEN);
    format!("{secret}_RSTR_{}", org.hyphenated())
}

/// The SHA-256 of a token. The server keys its token cache by these bytes; the database
/// stores their [`hex`] form.
pub type Digest256 = [u8; 32];

pub fn digest(token: &str) -> Digest256 {
    digest_bytes(token.as_bytes())
}

pub fn digest_bytes(token: &[u8]) -> Digest256 {
    Sha256::digest(token).into()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The lowercase hex form of a digest, as stored.
pub fn hex(digest: &Digest256) -> String {
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 0xf) as usize] as char);
    }
    out
}

/// The digest a stored hex form stands for; `None` for anything that is not 64 hex digits.
pub fn from_hex(text: &str) -> Option<Digest256> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// The hex SHA-256 under which a token is stored and looked up.
pub fn hash(token: &str) -> String {
    hex(&digest(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hashes_stable() {
        let org = Uuid::new_v4();
        let a = generate(org);
        let b = generate(org);
        assert_ne!(a, b);
        assert_eq!(a.len(), SECRET_LEN + "_RSTR_".len() + 36);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 64);
        assert_eq!(from_hex(&hash(&a)), Some(digest(&a)));
        assert_eq!(from_hex(&hash(&a).to_uppercase()), Some(digest(&a)));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn the_first_underscore_ends_the_secret() {
        let org = Uuid::new_v4();
        // Enough tokens that a `_` inside the secret (a 1 in 64 chance per character with
        // base64url) would all but surely show up.
        for _ in 0..200 {
            let token = generate(org);
            let (secret, rest) = token.split_once('_').unwrap();
            assert_eq!(secret.len(), SECRET_LEN, "{token}");
            assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()), "{token}");
            assert_eq!(rest, format!("RSTR_{}", org.hyphenated()));
        }
    }
}
