//! The Person resource on the wire.
//!
//! Field names, order and types follow the "Get My Own Details" reference example. Optional
//! fields that are not set are left out entirely (never `null`), except `emails` and
//! `phoneNumbers`, which are always arrays because some clients index them unconditionally.

use serde::{Deserialize, Serialize};

/// A person as a particular caller sees it (see the server's view projection).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: String,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phone_numbers: Vec<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(default)]
    pub org_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licenses: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sip_addresses: Vec<SipAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xmpp_federation_jid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PresenceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_pending: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_enabled: Option<bool>,
    #[serde(rename = "type", default)]
    pub person_type: PersonType,
}

/// `{"items": [...]}` plus `notFoundIds` when the list was asked for by `id=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonList {
    pub items: Vec<Person>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_found_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneNumber {
    #[serde(rename = "type")]
    pub number_type: PhoneNumberType,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhoneNumberType {
    Work,
    WorkExtension,
    Mobile,
    Fax,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub address_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
}

impl Address {
    /// The values of the fields that are set, for checks that apply to every one of them.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        [
            &self.address_type,
            &self.country,
            &self.locality,
            &self.region,
            &self.street_address,
            &self.postal_code,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SipAddress {
    #[serde(rename = "type")]
    pub address_type: SipAddressType,
    pub value: String,
    #[serde(default)]
    pub primary: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SipAddressType {
    PersonalRoom,
    Enterprise,
    CloudCalling,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PersonType {
    #[default]
    Person,
    Bot,
    Appuser,
}

impl PersonType {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonType::Person => "person",
            PersonType::Bot => "bot",
            PersonType::Appuser => "appuser",
        }
    }

    pub fn parse(text: &str) -> Option<PersonType> {
        Some(match text {
            "person" => PersonType::Person,
            "bot" => PersonType::Bot,
            "appuser" => PersonType::Appuser,
            _ => return None,
        })
    }
}

/// The presence values the API reports. Note the mixed casing: it is Webex's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PresenceStatus {
    #[serde(rename = "active")]
    Active,
    #[serde(rename = "call")]
    Call,
    #[serde(rename = "DoNotDisturb")]
    DoNotDisturb,
    #[serde(rename = "inactive")]
    Inactive,
    #[serde(rename = "meeting")]
    Meeting,
    #[serde(rename = "OutOfOffice")]
    OutOfOffice,
    #[serde(rename = "pending")]
    Pending,
    #[serde(rename = "presenting")]
    Presenting,
    #[serde(rename = "unknown")]
    Unknown,
}

impl PresenceStatus {
    pub const ALL: [PresenceStatus; 9] = [
        PresenceStatus::Active,
        PresenceStatus::Call,
        PresenceStatus::DoNotDisturb,
        PresenceStatus::Inactive,
        PresenceStatus::Meeting,
        PresenceStatus::OutOfOffice,
        PresenceStatus::Pending,
        PresenceStatus::Presenting,
        PresenceStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PresenceStatus::Active => "active",
            PresenceStatus::Call => "call",
            PresenceStatus::DoNotDisturb => "DoNotDisturb",
            PresenceStatus::Inactive => "inactive",
            PresenceStatus::Meeting => "meeting",
            PresenceStatus::OutOfOffice => "OutOfOffice",
            PresenceStatus::Pending => "pending",
            PresenceStatus::Presenting => "presenting",
            PresenceStatus::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<PresenceStatus> {
        PresenceStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }

    /// States a person (or their calendar, phone or meeting client) sets explicitly; the
    /// others are derived from activity when read.
    pub fn is_explicit(self) -> bool {
        matches!(
            self,
            PresenceStatus::Call
                | PresenceStatus::DoNotDisturb
                | PresenceStatus::Meeting
                | PresenceStatus::OutOfOffice
                | PresenceStatus::Presenting
        )
    }
}

/// The body of `POST /v1/people` and `PUT /v1/people/{personId}`.
///
/// Fields a client cannot set (`id`, `created`, `status`, ...) are not declared, so serde
/// ignores them: SDKs PUT back the whole object they got from a GET.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<PhoneNumber>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licenses: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<Address>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_urls: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_enabled: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_optional_fields_are_absent_and_arrays_are_present() {
        let person = Person {
            id: "x".into(),
            display_name: Some("A".into()),
            org_id: "o".into(),
            ..Person::default()
        };
        let json = serde_json::to_value(&person).unwrap();
        let obj = json.as_object().unwrap();
        assert_eq!(obj["emails"], serde_json::json!([]));
        assert_eq!(obj["phoneNumbers"], serde_json::json!([]));
        assert_eq!(obj["type"], "person");
        for absent in [
            "nickName",
            "timezone",
            "avatar",
            "status",
            "invitePending",
            "roles",
        ] {
            assert!(!obj.contains_key(absent), "{absent} should be absent");
        }
        assert!(!json.to_string().contains("null"));
    }

    #[test]
    fn presence_uses_webex_casing() {
        assert_eq!(
            serde_json::to_string(&PresenceStatus::DoNotDisturb).unwrap(),
            "\"DoNotDisturb\""
        );
        assert_eq!(
            PresenceStatus::parse("outofoffice"),
            Some(PresenceStatus::OutOfOffice)
        );
        assert_eq!(
            serde_json::to_string(&PhoneNumberType::WorkExtension).unwrap(),
            "\"work_extension\""
        );
        assert_eq!(
            serde_json::to_string(&SipAddressType::PersonalRoom).unwrap(),
            "\"personal-room\""
        );
    }
}
