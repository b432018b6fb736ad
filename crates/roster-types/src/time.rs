//! Timestamps on the wire: UTC, millisecond precision, `Z` suffix.
//!
//! The Python SDK parses with `%Y-%m-%dT%H:%M:%S.%fZ` and the Java SDK with
//! `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, so the fraction and the `Z` are not optional.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Formats milliseconds since the Unix epoch as `2015-10-18T14:26:16.000Z`.
pub fn format_millis(millis: i64) -> String {
    match Utc.timestamp_millis_opt(millis).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => Utc
            .timestamp_millis_opt(0)
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::Millis, true),
    }
}

/// Parses any RFC 3339 timestamp into milliseconds since the epoch.
pub fn parse_millis(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc).timestamp_millis())
}

/// The current time in milliseconds since the epoch.
pub fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_z() {
        let millis = parse_millis("2015-10-18T14:26:16.028Z").unwrap();
        assert_eq!(format_millis(millis), "2015-10-18T14:26:16.028Z");
        assert_eq!(format_millis(1_445_178_376_000), "2015-10-18T14:26:16.000Z");
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let millis = parse_millis("2015-10-18T16:26:16.5+02:00").unwrap();
        assert_eq!(format_millis(millis), "2015-10-18T14:26:16.500Z");
    }
}
