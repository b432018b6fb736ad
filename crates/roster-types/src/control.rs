//! The wire of the control API (`roster serve --control-listen`): fault rules, the request
//! journal, snapshots, the clock and sign-ins approved ahead. The server sends and reads
//! these, and the typed client (`roster_client::control`) and the CLI use the same ones.
//!
//! Absent fields are left out of what is sent, and absent fields received read as `None`,
//! so clients in any language may send only what they set.

use serde::{Deserialize, Serialize};

/// A fault rule as a client sends it (`POST /faults`). Every field but one of `status` or
/// `action` is optional. Numbers are signed so that the server can say what is wrong with a
/// negative one rather than refuse the body as malformed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// Only requests with this HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path matches this pattern; `*` stands for any characters
    /// (`/v1/people/*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Only requests made with a token of this person (person id or email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// Only requests made with this token (its id, as `roster token list` shows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    /// The status to answer with: 429, 500, 502, 503, 504 or any 4xx, with Webex's error
    /// body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    /// `Retry-After` in seconds, for 429 and 503.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
    /// Time added before the answer (or before the real handler, without a status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<i64>,
    /// `respond` (default), `drop` (close the connection without an answer) or `stall`
    /// (never answer; the client gives up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Fire for this many matching requests (after `skip`), then pass them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<i64>,
    /// Let this many matching requests pass before firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<i64>,
    /// The chance that a matching request fires, from 0 (exclusive) to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// The seed of the generator `probability` draws from (random when absent; the rule
    /// shows the one used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// A request that comes back before the `Retry-After` it was given gets 429 again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_retry_after: Option<bool>,
    /// The error message (Webex's usual wording for the status when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What a rule that fires does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum FaultAction {
    /// Answer with the rule's status, or with the real handler after its latency.
    Respond,
    /// Close the connection without an answer.
    Drop,
    /// Never answer; the client gives up.
    Stall,
}

impl FaultAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultAction::Respond => "respond",
            FaultAction::Drop => "drop",
            FaultAction::Stall => "stall",
        }
    }
}

/// A checked rule, as `GET /faults` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The person's id (a person given by email is shown by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    pub latency_ms: u64,
    pub action: FaultAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    pub skip: u64,
    pub probability: f64,
    pub seed: u64,
    pub enforce_retry_after: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How many requests this rule answered.
    pub fired: u64,
}

// One request as `GET /requests` shows it. (Not a doc comment, which would add a description
// to the schema in the control API's OpenAPI document.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// When the request arrived (RFC 3339, the server's clock).
    pub time: String,
    pub method: String,
    pub path: String,
    /// The query string, without the `?`.
    pub query: Option<String>,
    /// The id of the person whose token the request carried.
    pub person_id: Option<String>,
    pub token_id: Option<String>,
    /// The status answered; absent for a dropped or stalled connection.
    pub status: Option<u16>,
    pub tracking_id: Option<String>,
    pub duration_ms: f64,
    /// The fault rule that answered, if one did.
    pub fault_id: Option<String>,
}

/// A saved state of the directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    pub name: String,
    /// When it was taken (RFC 3339, the server's clock).
    pub created: String,
    /// The tables it holds.
    pub tables: Vec<String>,
}

/// The server's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// The server's time (RFC 3339).
    pub now: String,
    /// How far it is from real time, in milliseconds.
    pub offset_ms: i64,
}

/// A sign-in approved ahead (`POST /sign-ins`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    pub id: String,
    pub person_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// When it was approved (RFC 3339, the server's clock).
    pub created: String,
}

/// A list, as every list of the control API is shaped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Items<T> {
    pub items: Vec<T>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_sends_only_what_is_set_and_reads_back_the_same() {
        let spec = FaultSpec {
            path: Some("/v1/people/*".into()),
            status: Some(503),
            retry_after: Some(7),
            ..Default::default()
        };
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"path": "/v1/people/*", "status": 503, "retryAfter": 7})
        );
        assert_eq!(serde_json::from_value::<FaultSpec>(json).unwrap(), spec);
    }

    #[test]
    fn an_unknown_field_in_a_spec_is_refused() {
        let error = serde_json::from_str::<FaultSpec>(r#"{"status": 503, "retries": 2}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("retries"), "{error}");
    }
}
