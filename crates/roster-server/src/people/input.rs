//! Turning a POST or PUT body into a [`PersonDraft`]: parse, don't validate.
//!
//! Every check a client can fail is here, with a message that names the field. The rules
//! for the fields themselves (sizes, characters, what an email looks like, the derived
//! display name) are `roster_store::rules`, shared with `roster import` and
//! `roster person add`.

use crate::error::ApiError;
use crate::state::AppState;
use crate::view::Viewer;
use roster_store::rules::{
    derived_display_name, is_valid_email, list_problem, text_problem, MAX_LIST_ENTRIES,
};
use roster_store::{roles, PersonDraft, PersonRecord};
use roster_types::{Address, GlobalId, IdKind, PersonInput};
use uuid::Uuid;

/// What the body is for: creation, or full replacement of `existing`.
pub enum Purpose<'a> {
    Create,
    Replace(&'a PersonRecord),
}

fn text(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(value) = value else { return Ok(None) };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    check_chars(field, trimmed)?;
    Ok(Some(trimmed.to_string()))
}

fn check_chars(field: &str, value: &str) -> Result<(), ApiError> {
    match text_problem(value) {
        Some(problem) => Err(ApiError::bad_request(format!("'{field}' {problem}."))),
        None => Ok(()),
    }
}

fn check_len<T>(field: &str, list: &[T]) -> Result<(), ApiError> {
    match list_problem(list.len()) {
        Some(problem) => Err(ApiError::bad_request(format!("'{field}' {problem}."))),
        None => Ok(()),
    }
}

fn emails(list: Vec<String>) -> Result<Vec<String>, ApiError> {
    check_len("emails", &list)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for email in list {
        let email = email.trim().to_string();
        if !is_valid_email(&email) {
            return Err(ApiError::bad_request(format!(
                "'{}' is not a valid email address.",
                email.chars().take(80).collect::<String>()
            )));
        }
        if seen.insert(roster_store::email_key(&email)) {
            out.push(email);
        }
    }
    if out.is_empty() {
        return Err(ApiError::bad_request(
            "'emails' must contain an email address.",
        ));
    }
    Ok(out)
}

/// Builds the draft a POST or PUT body asks for: first the organization and the caller's
/// right to change people there, then every field on its own ([`parse_fields`]), then what
/// only the database can tell (the roles, licenses, location and manager it names exist).
pub async fn draft_from_input(
    state: &AppState,
    viewer: &Viewer,
    caller_roles: &[String],
    input: PersonInput,
    purpose: Purpose<'_>,
) -> Result<PersonDraft, ApiError> {
    let existing = match purpose {
        Purpose::Create => None,
        Purpose::Replace(record) => Some(record),
    };
    let org_id = target_org(viewer, input.org_id.as_deref(), existing)?;
    let (draft, references) = parse_fields(input, org_id, existing)?;
    references.check_roles_exist(state).await?;
    check_role_assignment(&draft.roles, existing, caller_roles)?;
    references.check_in_org(state, org_id).await?;
    Ok(draft)
}

/// The organization the person belongs to: the caller's own unless the body names one; a
/// person never changes organization. The caller must be able to change people there.
fn target_org(
    viewer: &Viewer,
    raw_org_id: Option<&str>,
    existing: Option<&PersonRecord>,
) -> Result<Uuid, ApiError> {
    let requested_org = match raw_org_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(decode_uuid(IdKind::Organization, raw)?),
        None => None,
    };
    let org_id = match (existing, requested_org) {
        (Some(record), Some(org)) if org != record.org_id => {
            return Err(ApiError::bad_request(
                "A person cannot be moved to another organization.",
            ))
        }
        (Some(record), _) => record.org_id,
        (None, Some(org)) => org,
        (None, None) => viewer.org_id,
    };
    if !viewer.can_manage(org_id) {
        return Err(ApiError::forbidden(
            "Only an admin of the person's organization can create or change people.",
        ));
    }
    Ok(org_id)
}

/// Every field of the body checked on its own, without the database: the draft as the body
/// asks for it, and the references in it that the database must still confirm.
fn parse_fields(
    input: PersonInput,
    org_id: Uuid,
    existing: Option<&PersonRecord>,
) -> Result<(PersonDraft, References), ApiError> {
    let emails = match (input.emails, existing) {
        (Some(list), _) => emails(list)?,
        // Webex's PUT replaces everything, but an email is a person's identity: a body
        // without `emails` keeps the current ones rather than leaving the person unreachable.
        (None, Some(record)) => record.emails.clone(),
        (None, None) => {
            return Err(ApiError::bad_request("'emails' is required."));
        }
    };

    let first_name = text("firstName", input.first_name)?;
    let last_name = text("lastName", input.last_name)?;
    let display_name = match text("displayName", input.display_name)? {
        Some(name) => name,
        None if existing.is_some() => {
            return Err(ApiError::bad_request("'displayName' is required."));
        }
        None => match derived_display_name(first_name.as_deref(), last_name.as_deref()) {
            Some(name) => name,
            None => {
                return Err(ApiError::bad_request(
                    "At least one of 'displayName', 'firstName' or 'lastName' is required.",
                ));
            }
        },
    };

    let phone_numbers = input.phone_numbers.unwrap_or_default();
    check_len("phoneNumbers", &phone_numbers)?;
    for number in &phone_numbers {
        check_chars("phoneNumbers.value", &number.value)?;
        if number.value.trim().is_empty() {
            return Err(ApiError::bad_request("'phoneNumbers' has an empty value."));
        }
    }
    let addresses = input.addresses.unwrap_or_default();
    check_len("addresses", &addresses)?;
    for value in addresses.iter().flat_map(Address::values) {
        check_chars("addresses", value)?;
    }
    let site_urls = input.site_urls.unwrap_or_default();
    check_len("siteUrls", &site_urls)?;
    for url in &site_urls {
        check_chars("siteUrls", url)?;
    }

    let references = References {
        roles: role_ids(input.roles.unwrap_or_default())?,
        licenses: license_ids(input.licenses.unwrap_or_default())?,
        location: match text("locationId", input.location_id)? {
            Some(raw) => {
                let location = GlobalId::decode(IdKind::Location, &raw)
                    .map_err(|e| ApiError::bad_request(e.to_string()))?
                    .value;
                Some((raw, location))
            }
            None => None,
        },
        manager: match text("managerId", input.manager_id)? {
            Some(raw) => {
                let manager = decode_uuid(IdKind::People, &raw)?;
                Some((raw, manager))
            }
            None => None,
        },
    };

    let timezone = text("timezone", input.timezone)?;
    if let Some(zone) = &timezone {
        let plausible = zone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if !plausible {
            return Err(ApiError::bad_request(format!(
                "'{zone}' is not a time zone name such as 'America/Denver'."
            )));
        }
    }

    let mut roles: Vec<String> = references.roles.iter().map(|(_, r)| r.clone()).collect();
    roles.sort();
    let draft = PersonDraft {
        id: None,
        org_id,
        emails,
        phone_numbers,
        extension: text("extension", input.extension)?,
        location_id: references.location.as_ref().map(|(_, id)| id.clone()),
        // Webex sets the nickname from the first name; it cannot be written directly.
        nick_name: first_name.clone(),
        display_name,
        first_name,
        last_name,
        avatar: text("avatar", input.avatar)?,
        roles,
        licenses: references.licenses.iter().map(|(_, l)| l.clone()).collect(),
        department: text("department", input.department)?,
        manager: text("manager", input.manager)?,
        manager_id: references.manager.as_ref().map(|(_, id)| *id),
        title: text("title", input.title)?,
        addresses,
        site_urls,
        // Read-only on the wire: SIP addresses and the XMPP id are assigned, not set.
        sip_addresses: existing
            .map(|r| r.sip_addresses.clone())
            .unwrap_or_default(),
        xmpp_federation_jid: existing.and_then(|r| r.xmpp_federation_jid.clone()),
        timezone,
        invite_pending: existing.is_none_or(|r| r.invite_pending),
        login_enabled: input
            .login_enabled
            .unwrap_or(existing.is_none_or(|r| r.login_enabled)),
        person_type: existing.map(|r| r.person_type).unwrap_or_default(),
        created: None,
    };
    Ok((draft, references))
}

/// The role ids a body names, decoded, without repeats, in the order given.
fn role_ids(raw_roles: Vec<String>) -> Result<Vec<(String, String)>, ApiError> {
    let mut roles: Vec<(String, String)> = Vec::new();
    for raw in raw_roles.into_iter().take(MAX_LIST_ENTRIES + 1) {
        let role = GlobalId::decode(IdKind::Role, &raw)
            .map_err(|e| ApiError::bad_request(e.to_string()))?
            .value;
        if !roles.iter().any(|(_, r)| *r == role) {
            roles.push((raw, role));
        }
    }
    check_len("roles", &roles)?;
    Ok(roles)
}

/// The license ids a body names, decoded, without repeats, in the order given.
fn license_ids(raw_licenses: Vec<String>) -> Result<Vec<(String, String)>, ApiError> {
    check_len("licenses", &raw_licenses)?;
    let mut licenses: Vec<(String, String)> = Vec::new();
    for raw in raw_licenses {
        let license = GlobalId::decode(IdKind::License, &raw)
            .map_err(|e| ApiError::bad_request(e.to_string()))?
            .value;
        if !licenses.iter().any(|(_, l)| *l == license) {
            licenses.push((raw, license));
        }
    }
    Ok(licenses)
}

/// Only a full admin may give or take roles; anyone who may change a person may send their
/// roles back unchanged (SDKs PUT back what they got).
fn check_role_assignment(
    roles: &[String],
    existing: Option<&PersonRecord>,
    caller_roles: &[String],
) -> Result<(), ApiError> {
    let unchanged = match existing {
        Some(record) => record.roles == roles,
        None => roles.is_empty(),
    };
    if !unchanged && !caller_roles.iter().any(|r| r == roles::FULL_ADMIN) {
        return Err(ApiError::forbidden("Only a full admin can assign roles."));
    }
    Ok(())
}

/// What a body refers to, decoded but not yet looked up, each with the text the client
/// sent, for the message when it names nothing.
struct References {
    roles: Vec<(String, String)>,
    licenses: Vec<(String, String)>,
    location: Option<(String, String)>,
    manager: Option<(String, Uuid)>,
}

impl References {
    async fn check_roles_exist(&self, state: &AppState) -> Result<(), ApiError> {
        for (raw, role) in &self.roles {
            if !state.store.role_exists(role).await? {
                return Err(ApiError::bad_request(format!("Unknown role '{raw}'.")));
            }
        }
        Ok(())
    }

    /// The licenses, location and manager named must be those of the person's organization.
    async fn check_in_org(&self, state: &AppState, org_id: Uuid) -> Result<(), ApiError> {
        if !self.licenses.is_empty() {
            let known = state.store.list_licenses(org_id).await?;
            for (raw, license) in &self.licenses {
                if !known.iter().any(|l| l.id == *license) {
                    return Err(ApiError::bad_request(format!(
                        "Unknown license '{raw}' for this organization."
                    )));
                }
            }
        }
        if let Some((raw, location)) = &self.location {
            match state.store.get_location(location).await? {
                Some(l) if l.org_id == org_id => {}
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Unknown location '{raw}' for this organization."
                    )))
                }
            }
        }
        if let Some((raw, manager)) = &self.manager {
            match state.caches.person(*manager).await? {
                Some(m) if m.org_id == org_id => {}
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Unknown manager '{raw}' in this organization."
                    )))
                }
            }
        }
        Ok(())
    }
}

fn decode_uuid(kind: IdKind, raw: &str) -> Result<Uuid, ApiError> {
    GlobalId::decode_uuid(kind, raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Decodes a person id from a path, or explains why it is not one.
pub fn person_id_from_path(raw: &str) -> Result<Uuid, ApiError> {
    decode_uuid(IdKind::People, raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::id::{encode, encode_uuid};

    fn input(body: serde_json::Value) -> PersonInput {
        serde_json::from_value(body).unwrap()
    }

    /// Field parsing needs no database: it decodes what a body refers to and leaves the
    /// look-ups to the database checks.
    #[test]
    fn fields_are_parsed_and_references_decoded_without_the_database() {
        let org = Uuid::new_v4();
        let manager = Uuid::new_v4();
        let user_admin = encode(IdKind::Role, roles::USER_ADMIN);
        let full_admin = encode(IdKind::Role, roles::FULL_ADMIN);
        let (draft, references) = parse_fields(
            input(serde_json::json!({
                "emails": [" ada@example.com ", "ADA@example.com"],
                "firstName": " Ada ",
                "lastName": "Lovelace",
                "roles": [user_admin, full_admin, user_admin],
                "managerId": encode_uuid(IdKind::People, &manager),
                "locationId": encode(IdKind::Location, "loc-1"),
            })),
            org,
            None,
        )
        .unwrap();
        assert_eq!(draft.org_id, org);
        assert_eq!(draft.emails, ["ada@example.com"]);
        assert_eq!(draft.display_name, "Ada Lovelace");
        assert_eq!(draft.nick_name.as_deref(), Some("Ada"));
        assert_eq!(draft.roles, [roles::FULL_ADMIN, roles::USER_ADMIN]);
        assert_eq!(draft.manager_id, Some(manager));
        assert_eq!(draft.location_id.as_deref(), Some("loc-1"));
        // Checked in the order given, each once, with the text the client sent.
        let checked: Vec<&str> = references.roles.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(checked, [roles::USER_ADMIN, roles::FULL_ADMIN]);
        assert_eq!(references.roles[0].0, user_admin);
        assert_eq!(references.manager.map(|(_, id)| id), Some(manager));
    }

    #[test]
    fn a_replacement_keeps_the_emails_but_needs_a_display_name() {
        let mut existing = crate::view::tests::record(Uuid::new_v4());
        existing.emails = vec!["kept@example.com".into()];
        let (draft, _) = parse_fields(
            input(serde_json::json!({"displayName": "New Name"})),
            existing.org_id,
            Some(&existing),
        )
        .unwrap();
        assert_eq!(draft.emails, ["kept@example.com"]);
        let Err(error) = parse_fields(
            input(serde_json::json!({"firstName": "Only"})),
            existing.org_id,
            Some(&existing),
        ) else {
            panic!("a PUT without displayName was accepted");
        };
        assert_eq!(error.message.message, "'displayName' is required.");
    }
}
