//! Webex ids: `base64url_nopad("ciscospark://us/<KIND>/<value>")`.
//!
//! Roster always emits exactly that canonical form: the JavaScript SDK resolves batched
//! look-ups by comparing ids as strings, so a different padding, alphabet, cluster or uuid
//! case would leave its promises hanging. On input it is lenient the way Webex is: padded or
//! unpadded, standard or URL-safe alphabet, any cluster, and (for people) a raw UUID.

use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use std::fmt;
use uuid::Uuid;

/// The resource kinds Roster issues ids for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    People,
    Organization,
    Role,
    License,
    Location,
    /// An integration (`APPLICATION/<client id>`).
    Application,
    /// An OAuth grant (`AUTHORIZATION/<uuid>`).
    Authorization,
}

impl IdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::People => "PEOPLE",
            IdKind::Organization => "ORGANIZATION",
            IdKind::Role => "ROLE",
            IdKind::License => "LICENSE",
            IdKind::Location => "LOCATION",
            IdKind::Application => "APPLICATION",
            IdKind::Authorization => "AUTHORIZATION",
        }
    }

    fn parse(text: &str) -> Option<IdKind> {
        Some(match text {
            "PEOPLE" => IdKind::People,
            "ORGANIZATION" => IdKind::Organization,
            "ROLE" => IdKind::Role,
            "LICENSE" => IdKind::License,
            "LOCATION" => IdKind::Location,
            "APPLICATION" => IdKind::Application,
            "AUTHORIZATION" => IdKind::Authorization,
            _ => return None,
        })
    }

    /// How the kind is named in error messages.
    pub fn noun(self) -> &'static str {
        match self {
            IdKind::People => "person",
            IdKind::Organization => "organization",
            IdKind::Role => "role",
            IdKind::License => "license",
            IdKind::Location => "location",
            IdKind::Application => "application",
            IdKind::Authorization => "authorization",
        }
    }
}

/// Why an id could not be decoded. The messages are meant for API clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("Invalid {noun} id '{shown}': expected a base64 Webex id or a UUID.", noun = .kind.noun())]
    Malformed { kind: IdKind, shown: String },
    #[error("Invalid {noun} id '{shown}': it is an id of another kind ({found}).", noun = .expected.noun())]
    WrongKind {
        expected: IdKind,
        found: String,
        shown: String,
    },
}

/// A decoded Webex id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GlobalId {
    pub kind: IdKind,
    pub value: String,
}

const CLASSIC_CLUSTER: &str = "us";
const SCHEME: &str = "ciscospark://";

/// Accepts both alphabets' padding conventions; the alphabet itself is normalised first.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

impl GlobalId {
    pub fn new(kind: IdKind, value: impl Into<String>) -> Self {
        GlobalId {
            kind,
            value: value.into(),
        }
    }

    /// The canonical wire form.
    pub fn encode(&self) -> String {
        encode(self.kind, &self.value)
    }

    /// Decodes an id of the expected kind. Raw UUIDs are accepted for every kind whose
    /// values are UUIDs, and canonicalised to lowercase.
    pub fn decode(expected: IdKind, input: &str) -> Result<GlobalId, IdError> {
        let input = input.trim();
        let malformed = || IdError::Malformed {
            kind: expected,
            shown: shorten(input),
        };
        if input.is_empty() || input.len() > 512 {
            return Err(malformed());
        }
        if let Ok(uuid) = Uuid::try_parse(input) {
            return Ok(GlobalId::new(expected, uuid.hyphenated().to_string()));
        }
        let normalised: String = input
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                other => other,
            })
            .collect();
        let bytes = LENIENT.decode(normalised).map_err(|_| malformed())?;
        let text = String::from_utf8(bytes).map_err(|_| malformed())?;
        let rest = text.strip_prefix(SCHEME).ok_or_else(malformed)?;
        // `<cluster>/<KIND>/<value>`; geo clusters such as `urn:TEAM:us-east-2_a` have no '/'.
        let mut parts = rest.splitn(3, '/');
        let (_cluster, kind, value) = match (parts.next(), parts.next(), parts.next()) {
            (Some(c), Some(k), Some(v)) if !c.is_empty() && !v.is_empty() => (c, k, v),
            _ => return Err(malformed()),
        };
        match IdKind::parse(kind) {
            Some(kind) if kind == expected => {}
            _ => {
                return Err(IdError::WrongKind {
                    expected,
                    found: kind.to_string(),
                    shown: shorten(input),
                })
            }
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(malformed());
        }
        let value = match Uuid::try_parse(value) {
            Ok(uuid) => uuid.hyphenated().to_string(),
            Err(_) if expected == IdKind::People || expected == IdKind::Organization => {
                return Err(malformed())
            }
            Err(_) => value.to_string(),
        };
        Ok(GlobalId::new(expected, value))
    }

    /// Decodes an id whose value must be a UUID (people and organizations).
    pub fn decode_uuid(expected: IdKind, input: &str) -> Result<Uuid, IdError> {
        let id = GlobalId::decode(expected, input)?;
        Uuid::try_parse(&id.value).map_err(|_| IdError::Malformed {
            kind: expected,
            shown: shorten(input),
        })
    }
}

impl fmt::Display for GlobalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// Encodes `value` of `kind` in the canonical form.
pub fn encode(kind: IdKind, value: &str) -> String {
    let raw = format!("{SCHEME}{CLASSIC_CLUSTER}/{}/{value}", kind.as_str());
    URL_SAFE_NO_PAD.encode(raw)
}

/// Encodes a UUID of `kind` (always lowercase, hyphenated).
pub fn encode_uuid(kind: IdKind, uuid: &Uuid) -> String {
    encode(kind, &uuid.hyphenated().to_string())
}

/// Echoing hostile input back in full would let a client inflate our error bodies; keep
/// enough to recognise it and strip anything that is not printable.
fn shorten(input: &str) -> String {
    let clean: String = input.chars().filter(|c| !c.is_control()).take(80).collect();
    if input.chars().count() > 80 {
        format!("{clean}...")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str =
        "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY";
    const EXAMPLE_UUID: &str = "f5b36187-c8dd-4727-8b2f-f9c447f29046";

    #[test]
    fn encodes_exactly_like_the_reference_example() {
        let uuid = Uuid::parse_str(EXAMPLE_UUID).unwrap();
        assert_eq!(encode_uuid(IdKind::People, &uuid), EXAMPLE);
        assert_eq!(
            encode(IdKind::Location, "63715"),
            "Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OLzYzNzE1"
        );
    }

    #[test]
    fn decodes_canonical_padded_standard_and_raw_uuid_forms() {
        let padded = format!("{EXAMPLE}=");
        let upper_uuid = EXAMPLE_UUID.to_uppercase();
        for input in [EXAMPLE, padded.as_str(), EXAMPLE_UUID, upper_uuid.as_str()] {
            let id = GlobalId::decode(IdKind::People, input).unwrap();
            assert_eq!(id.value, EXAMPLE_UUID, "input {input}");
            assert_eq!(id.encode(), EXAMPLE);
        }
        // Standard alphabet with '+' and '/' (a value chosen so the encoding contains both).
        use base64::engine::general_purpose::STANDARD;
        let raw = format!("ciscospark://us/LOCATION/{}", "~~~>>>???");
        let standard = STANDARD.encode(&raw);
        assert!(standard.contains('+') || standard.contains('/'));
        let id = GlobalId::decode(IdKind::Location, &standard).unwrap();
        assert_eq!(id.value, "~~~>>>???");
    }

    #[test]
    fn accepts_geo_clusters_and_uppercase_uuids_inside() {
        let raw = "ciscospark://urn:TEAM:us-east-2_a/PEOPLE/F5B36187-C8DD-4727-8B2F-F9C447F29046";
        let id = GlobalId::decode(IdKind::People, &URL_SAFE_NO_PAD.encode(raw)).unwrap();
        assert_eq!(id.encode(), EXAMPLE);
    }

    #[test]
    fn rejects_garbage_and_ids_of_another_kind() {
        for bad in [
            "",
            "me!",
            "%%%",
            "aGVsbG8",
            "Y2lzY29zcGFyazovL3VzL1BFT1BMRS8",
        ] {
            assert!(GlobalId::decode(IdKind::People, bad).is_err(), "{bad}");
        }
        let org = encode_uuid(IdKind::Organization, &Uuid::new_v4());
        let err = GlobalId::decode(IdKind::People, &org).unwrap_err();
        assert!(matches!(err, IdError::WrongKind { .. }));
        let not_uuid = encode(IdKind::People, "12345");
        assert!(GlobalId::decode(IdKind::People, &not_uuid).is_err());
    }
}
