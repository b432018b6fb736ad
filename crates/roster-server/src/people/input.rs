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

/// Builds the draft for `target_org`, checking everything that refers to other records.
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

    // The organization: the caller's own unless given; a person never changes organization.
    let requested_org = match input
        .org_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => Some(
            GlobalId::decode_uuid(IdKind::Organization, raw)
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
        ),
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

    let mut role_ids = Vec::new();
    for raw in input
        .roles
        .unwrap_or_default()
        .iter()
        .take(MAX_LIST_ENTRIES + 1)
    {
        let role = GlobalId::decode(IdKind::Role, raw)
            .map_err(|e| ApiError::bad_request(e.to_string()))?
            .value;
        if !state.store.role_exists(&role).await? {
            return Err(ApiError::bad_request(format!("Unknown role '{raw}'.")));
        }
        if !role_ids.contains(&role) {
            role_ids.push(role);
        }
    }
    check_len("roles", &role_ids)?;
    role_ids.sort();
    let unchanged = existing.is_some_and(|r| r.roles == role_ids)
        || (existing.is_none() && role_ids.is_empty());
    if !unchanged && !caller_roles.iter().any(|r| r == roles::FULL_ADMIN) {
        return Err(ApiError::forbidden("Only a full admin can assign roles."));
    }

    let mut licenses = Vec::new();
    let raw_licenses = input.licenses.unwrap_or_default();
    check_len("licenses", &raw_licenses)?;
    if !raw_licenses.is_empty() {
        let known = state.store.list_licenses(org_id).await?;
        for raw in &raw_licenses {
            let license = GlobalId::decode(IdKind::License, raw)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .value;
            if !known.iter().any(|l| l.id == license) {
                return Err(ApiError::bad_request(format!(
                    "Unknown license '{raw}' for this organization."
                )));
            }
            if !licenses.contains(&license) {
                licenses.push(license);
            }
        }
    }

    let location_id = match text("locationId", input.location_id)? {
        Some(raw) => {
            let location = GlobalId::decode(IdKind::Location, &raw)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .value;
            match state.store.get_location(&location).await? {
                Some(l) if l.org_id == org_id => Some(location),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Unknown location '{raw}' for this organization."
                    )))
                }
            }
        }
        None => None,
    };

    let manager_id = match text("managerId", input.manager_id)? {
        Some(raw) => {
            let manager = GlobalId::decode_uuid(IdKind::People, &raw)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            match state.person(manager).await? {
                Some(m) if m.org_id == org_id => Some(manager),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Unknown manager '{raw}' in this organization."
                    )))
                }
            }
        }
        None => None,
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

    Ok(PersonDraft {
        id: None,
        org_id,
        emails,
        phone_numbers,
        extension: text("extension", input.extension)?,
        location_id,
        // Webex sets the nickname from the first name; it cannot be written directly.
        nick_name: first_name.clone(),
        display_name,
        first_name,
        last_name,
        avatar: text("avatar", input.avatar)?,
        roles: role_ids,
        licenses,
        department: text("department", input.department)?,
        manager: text("manager", input.manager)?,
        manager_id,
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
    })
}

/// Decodes a person id from a path, or explains why it is not one.
pub fn person_id_from_path(raw: &str) -> Result<Uuid, ApiError> {
    GlobalId::decode_uuid(IdKind::People, raw).map_err(|e| ApiError::bad_request(e.to_string()))
}
