//! Access tokens: generated with 256 bits of randomness, stored only as a SHA-256 hash.
//!
//! A fast hash is enough here (unlike passwords): the input is uniformly random, so there is
//! nothing to brute-force, and the lookup stays cheap on the hot path.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A new token in the shape of Webex's personal access tokens:
/// `<opaque>_<marker>_<org uuid>`.
pub fn generate(org: Uuid) -> String {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    format!(
        "{}_RSTR_{}",
        URL_SAFE_NO_PAD.encode(secret),
        org.hyphenated()
    )
}

/// The hex SHA-256 under which a token is stored and looked up.
pub fn hash(token: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 0xf) as usize] as char);
    }
    out
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
        assert!(a.len() >= 43 + 6 + 36);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 64);
    }
}
