//! Rows as the database returns them, and their one conversion into domain records.
//!
//! Each row type derives `sqlx::FromRow`, which decodes it from either backend's rows (the
//! schema uses only text, 64-bit integer and boolean columns on both). The conversions turn
//! stored text into typed values (UUIDs, JSON lists, enums) and fail with a clear message on
//! anything the database should never have held.

use crate::oidc::SigningKeyRecord;
use crate::records::*;
use crate::scim::{ScimExtra, ScimGroupRecord, ScimMember, ScimUserRecord};
use crate::{StoreError, StoreResult};
use roster_types::{PersonType, PresenceStatus};
use uuid::Uuid;

pub(crate) fn parse_uuid(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Database(format!("stored id '{text}': {e}")))
}

fn json_list<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<Vec<T>> {
    Ok(serde_json::from_str(text)?)
}

/// A person row with its emails and roles gathered as JSON arrays (`SqlStore::person_select`).
#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    id: String,
    seq: i64,
    org_id: String,
    emails_json: String,
    phone_numbers: String,
    extension: Option<String>,
    location_id: Option<String>,
    display_name: String,
    nick_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    avatar: Option<String>,
    roles_json: String,
    licenses: String,
    department: Option<String>,
    manager: Option<String>,
    manager_id: Option<String>,
    title: Option<String>,
    addresses: String,
    site_urls: String,
    sip_addresses: String,
    xmpp_federation_jid: Option<String>,
    timezone: Option<String>,
    created: i64,
    last_modified: i64,
    last_activity: Option<i64>,
    presence: Option<String>,
    presence_until: Option<i64>,
    status_sharing: bool,
    invite_pending: bool,
    login_enabled: bool,
    person_type: String,
}

impl TryFrom<PersonRow> for PersonRecord {
    type Error = StoreError;

    fn try_from(row: PersonRow) -> StoreResult<PersonRecord> {
        Ok(PersonRecord {
            id: parse_uuid(&row.id)?,
            seq: row.seq,
            org_id: parse_uuid(&row.org_id)?,
            emails: json_list(&row.emails_json)?,
            phone_numbers: json_list(&row.phone_numbers)?,
            extension: row.extension,
            location_id: row.location_id,
            display_name: row.display_name,
            nick_name: row.nick_name,
            first_name: row.first_name,
            last_name: row.last_name,
            avatar: row.avatar,
            roles: json_list(&row.roles_json)?,
            licenses: json_list(&row.licenses)?,
            department: row.department,
            manager: row.manager,
            manager_id: row.manager_id.as_deref().map(parse_uuid).transpose()?,
            title: row.title,
            addresses: json_list(&row.addresses)?,
            site_urls: json_list(&row.site_urls)?,
            sip_addresses: json_list(&row.sip_addresses)?,
            xmpp_federation_jid: row.xmpp_federation_jid,
            timezone: row.timezone,
            created: row.created,
            last_modified: row.last_modified,
            last_activity: row.last_activity,
            presence: row.presence.as_deref().and_then(PresenceStatus::parse),
            presence_until: row.presence_until,
            status_sharing: row.status_sharing,
            invite_pending: row.invite_pending,
            login_enabled: row.login_enabled,
            person_type: PersonType::parse(&row.person_type).unwrap_or_default(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    id: String,
    display_name: String,
    created: i64,
}

impl TryFrom<OrgRow> for OrgRecord {
    type Error = StoreError;

    fn try_from(row: OrgRow) -> StoreResult<OrgRecord> {
        Ok(OrgRecord {
            id: parse_uuid(&row.id)?,
            display_name: row.display_name,
            created: row.created,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LocationRow {
    id: String,
    org_id: String,
    name: String,
}

impl TryFrom<LocationRow> for LocationRecord {
    type Error = StoreError;

    fn try_from(row: LocationRow) -> StoreResult<LocationRecord> {
        Ok(LocationRecord {
            id: row.id,
            org_id: parse_uuid(&row.org_id)?,
            name: row.name,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LicenseRow {
    id: String,
    org_id: String,
    name: String,
    total_units: i64,
}

impl TryFrom<LicenseRow> for LicenseRecord {
    type Error = StoreError;

    fn try_from(row: LicenseRow) -> StoreResult<LicenseRecord> {
        Ok(LicenseRecord {
            id: row.id,
            org_id: parse_uuid(&row.org_id)?,
            name: row.name,
            total_units: row.total_units,
        })
    }
}

/// A token row, with the stored hash for the one caller that copies it (`export_tokens`).
#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: String,
    person_id: String,
    pub token_hash: String,
    label: Option<String>,
    created: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    scopes: Option<String>,
    authorization_id: Option<String>,
}

impl TryFrom<TokenRow> for TokenRecord {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> StoreResult<TokenRecord> {
        Ok(TokenRecord {
            id: parse_uuid(&row.id)?,
            person_id: parse_uuid(&row.person_id)?,
            label: row.label,
            created: row.created,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            scopes: row.scopes.as_deref().map(crate::oauth::split_scopes),
            authorization_id: row
                .authorization_id
                .as_deref()
                .map(parse_uuid)
                .transpose()?,
        })
    }
}

/// A row of `oidc_signing_keys`.
#[derive(sqlx::FromRow)]
pub(crate) struct SigningKeyRow {
    kid: String,
    private_key_pem: Option<String>,
    public_jwk: String,
    created: i64,
    retired_at: Option<i64>,
}

impl TryFrom<SigningKeyRow> for SigningKeyRecord {
    type Error = StoreError;

    fn try_from(row: SigningKeyRow) -> StoreResult<SigningKeyRecord> {
        Ok(SigningKeyRecord {
            kid: row.kid,
            private_key_pem: row.private_key_pem,
            public_jwk: row.public_jwk,
            created: row.created,
            retired_at: row.retired_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ChangeRow {
    seq: i64,
    topic: String,
    key: String,
}

impl ChangeRow {
    /// The change, unless its topic is one this version does not know (written by a newer
    /// node): such changes are skipped.
    pub fn into_record(self) -> Option<ChangeRecord> {
        Some(ChangeRecord {
            seq: self.seq,
            topic: ChangeTopic::parse(&self.topic)?,
            key: self.key,
        })
    }
}

/// A person with their SCIM attributes (`sql/scim.rs`), which a person created through the
/// People API does not have yet.
#[derive(sqlx::FromRow)]
pub(crate) struct ScimUserRow {
    #[sqlx(flatten)]
    person: PersonRow,
    scim_external_id: Option<String>,
    scim_attributes: Option<String>,
}

fn json_object(text: Option<&str>) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    Ok(match text {
        Some(text) => serde_json::from_str(text)?,
        None => serde_json::Map::new(),
    })
}

impl TryFrom<ScimUserRow> for ScimUserRecord {
    type Error = StoreError;

    fn try_from(row: ScimUserRow) -> StoreResult<ScimUserRecord> {
        Ok(ScimUserRecord {
            extra: ScimExtra {
                external_id: row.scim_external_id,
                attributes: json_object(row.scim_attributes.as_deref())?,
            },
            person: row.person.try_into()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ScimGroupRow {
    id: String,
    org_id: String,
    display_name: String,
    external_id: Option<String>,
    attributes: String,
    created: i64,
    last_modified: i64,
    member_count: i64,
}

impl TryFrom<ScimGroupRow> for ScimGroupRecord {
    type Error = StoreError;

    fn try_from(row: ScimGroupRow) -> StoreResult<ScimGroupRecord> {
        Ok(ScimGroupRecord {
            id: parse_uuid(&row.id)?,
            org_id: parse_uuid(&row.org_id)?,
            display_name: row.display_name,
            external_id: row.external_id,
            attributes: json_object(Some(&row.attributes))?,
            created: row.created,
            last_modified: row.last_modified,
            member_count: row.member_count,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ScimMemberRow {
    id: String,
    display_name: String,
}

impl TryFrom<ScimMemberRow> for ScimMember {
    type Error = StoreError;

    fn try_from(row: ScimMemberRow) -> StoreResult<ScimMember> {
        Ok(ScimMember {
            person_id: parse_uuid(&row.id)?,
            display_name: row.display_name,
        })
    }
}
