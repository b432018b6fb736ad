//! The SCIM User resource and the stored person: one mapping each way.
//!
//! Shared with People: `userName` is the first email, `active` is `loginEnabled`,
//! `name.givenName`/`familyName` are `firstName`/`lastName`, `displayName`, `nickName`,
//! `title`, `timezone`, `phoneNumbers` (the types People has), `addresses`, `roles`
//! (`cirole`), and the enterprise `department` and `manager`. Everything else a client sends
//! in a known schema is kept in the person's SCIM attributes (`ScimExtra`) under its SCIM
//! name and returned as sent. `password` is write-only and never returned.

use super::error::ScimError;
use super::{ScimContext, CISCO_USER, CORE_USER, ENTERPRISE_USER};
use roster_store::rules::{derived_display_name, is_valid_email, text_problem};
use roster_store::scim::{ScimExtra, ScimUserRecord};
use roster_store::{email_key, roles, PersonDraft, PersonRecord};
use roster_types::time::format_millis;
use roster_types::{Address, PhoneNumber, PhoneNumberType};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Core attributes kept in the SCIM attributes as sent.
const KEPT_CORE: [&str; 8] = [
    "userType",
    "locale",
    "preferredLanguage",
    "profileUrl",
    "photos",
    "entitlements",
    "ims",
    "x509Certificates",
];
/// Name parts People lacks.
const KEPT_NAME: [&str; 4] = [
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "formatted",
];
/// Enterprise attributes People lacks.
const KEPT_ENTERPRISE: [&str; 4] = ["employeeNumber", "costCenter", "organization", "division"];

fn role_display(role: &str) -> &'static str {
    match role {
        roles::FULL_ADMIN => "Full administrator",
        roles::USER_ADMIN => "User administrator",
        roles::READONLY_ADMIN => "Read-only administrator",
        roles::DEVICE_ADMIN => "Device administrator",
        _ => "Administrator",
    }
}

/// The weak ETag of a version.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The User resource of a stored person.
pub fn user_json(user: &ScimUserRecord, context: &ScimContext) -> Value {
    let person = &user.person;
    let side = &user.extra.attributes;
    let mut out = Map::new();
    out.insert(
        "schemas".into(),
        json!([CORE_USER, ENTERPRISE_USER, CISCO_USER]),
    );
    out.insert("id".into(), person.id.to_string().into());
    if let Some(external_id) = &user.extra.external_id {
        out.insert("externalId".into(), external_id.clone().into());
    }
    out.insert(
        "userName".into(),
        person.emails.first().cloned().unwrap_or_default().into(),
    );
    out.insert("active".into(), person.login_enabled.into());
    out.insert(
        "userType".into(),
        side.get("userType")
            .cloned()
            .unwrap_or_else(|| "user".into()),
    );
    let mut name = Map::new();
    if let Some(given) = &person.first_name {
        name.insert("givenName".into(), given.clone().into());
    }
    if let Some(family) = &person.last_name {
        name.insert("familyName".into(), family.clone().into());
    }
    if let Some(Value::Object(kept)) = side.get("name") {
        name.extend(kept.clone());
    }
    if !name.is_empty() {
        out.insert("name".into(), name.into());
    }
    out.insert("displayName".into(), person.display_name.clone().into());
    for (key, value) in [
        ("nickName", &person.nick_name),
        ("title", &person.title),
        ("timezone", &person.timezone),
    ] {
        if let Some(value) = value {
            out.insert(key.into(), value.clone().into());
        }
    }
    for key in KEPT_CORE {
        if let Some(value) = side.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    if !out.contains_key("photos") {
        if let Some(avatar) = &person.avatar {
            out.insert("photos".into(), json!([{"value": avatar, "type": "photo"}]));
        }
    }
    let emails: Vec<Value> = person
        .emails
        .iter()
        .enumerate()
        .map(|(i, email)| match i {
            0 => json!({"value": email, "type": "work", "primary": true}),
            _ => json!({"value": email, "type": "other"}),
        })
        .collect();
    out.insert("emails".into(), emails.into());
    let mut phones: Vec<Value> = person
        .phone_numbers
        .iter()
        .map(|p| {
            let mut phone = json!({"value": p.value, "type": phone_type_name(p.number_type)});
            if p.primary == Some(true) {
                phone["primary"] = true.into();
            }
            phone
        })
        .collect();
    if let Some(Value::Array(kept)) = side.get("phoneNumbers") {
        phones.extend(kept.iter().cloned());
    }
    if !phones.is_empty() {
        out.insert("phoneNumbers".into(), phones.into());
    }
    if !person.addresses.is_empty() {
        out.insert(
            "addresses".into(),
            serde_json::to_value(&person.addresses).unwrap_or_default(),
        );
    }
    if !person.roles.is_empty() {
        let roles: Vec<Value> = person
            .roles
            .iter()
            .map(|r| json!({"value": r, "type": "cirole", "display": role_display(r)}))
            .collect();
        out.insert("roles".into(), roles.into());
    }
    let mut enterprise = side
        .get("enterprise")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(department) = &person.department {
        enterprise.insert("department".into(), department.clone().into());
    }
    if let Some(manager) = person.manager_id {
        let mut entry =
            json!({"value": manager.to_string(), "$ref": context.user_location(manager)});
        if let Some(name) = &person.manager {
            entry["displayName"] = name.clone().into();
        }
        enterprise.insert("manager".into(), entry);
    }
    if !enterprise.is_empty() {
        out.insert(ENTERPRISE_USER.into(), enterprise.into());
    }
    let mut cisco = side
        .get("cisco")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    cisco.insert(
        "accountStatus".into(),
        json!([if person.login_enabled {
            "active"
        } else {
            "disabled"
        }]),
    );
    cisco.insert(
        "meta".into(),
        json!({"organizationId": person.org_id.to_string()}),
    );
    out.insert(CISCO_USER.into(), cisco.into());
    out.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "location": context.user_location(person.id),
            "version": etag(user.version()),
            "created": format_millis(person.created),
            "lastModified": format_millis(person.last_modified),
        }),
    );
    out.into()
}

fn phone_type_name(kind: PhoneNumberType) -> &'static str {
    match kind {
        PhoneNumberType::Work => "work",
        PhoneNumberType::WorkExtension => "work_extension",
        PhoneNumberType::Mobile => "mobile",
        PhoneNumberType::Fax => "fax",
    }
}

fn phone_type(name: &str) -> Option<PhoneNumberType> {
    Some(match name {
        "work" => PhoneNumberType::Work,
        "work_extension" => PhoneNumberType::WorkExtension,
        "mobile" => PhoneNumberType::Mobile,
        "fax" => PhoneNumberType::Fax,
        _ => return None,
    })
}

/// An object's member by name, compared case-insensitively as SCIM attribute names are.
pub fn member<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|value| !value.is_null())
}

fn string(object: &Map<String, Value>, name: &str) -> Result<Option<String>, ScimError> {
    match member(object, name) {
        None => Ok(None),
        Some(Value::String(s)) => {
            let trimmed = s.trim();
            if trimmed.is_empty() {
                return Ok(None);
            }
            if let Some(problem) = text_problem(trimmed) {
                return Err(ScimError::bad(
                    "invalidValue",
                    format!("'{name}' {problem}."),
                ));
            }
            Ok(Some(trimmed.to_string()))
        }
        Some(_) => Err(ScimError::bad(
            "invalidValue",
            format!("'{name}' must be a string."),
        )),
    }
}

fn list<'v>(object: &'v Map<String, Value>, name: &str) -> Result<&'v [Value], ScimError> {
    match member(object, name) {
        None => Ok(&[]),
        Some(Value::Array(items)) if items.len() <= 100 => Ok(items),
        Some(Value::Array(_)) => Err(ScimError::bad(
            "invalidValue",
            format!("'{name}' has more than 100 values."),
        )),
        Some(_) => Err(ScimError::bad(
            "invalidValue",
            format!("'{name}' must be an array."),
        )),
    }
}

fn object<'v>(value: &'v Value, name: &str) -> Result<&'v Map<String, Value>, ScimError> {
    value
        .as_object()
        .ok_or_else(|| ScimError::bad("invalidValue", format!("'{name}' must be an object.")))
}

/// The members of `object` named in `keys`, under their canonical names.
fn kept(object: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|key| member(object, key).map(|v| (key.to_string(), v.clone())))
        .collect()
}

/// A User body (POST, PUT, or the result of a PATCH) as what the store writes: the person
/// and their SCIM attributes. `existing` is the person being replaced: what SCIM cannot
/// say (licenses, location, extension, SIP addresses, ...) is kept from it.
pub fn user_from_json(
    body: &Value,
    org: Uuid,
    existing: Option<&PersonRecord>,
) -> Result<(PersonDraft, ScimExtra, Option<String>), ScimError> {
    let body = object(body, "the body")?;
    let schemas = list(body, "schemas")?;
    if !schemas.iter().any(|s| {
        s.as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case(CORE_USER))
    }) {
        return Err(ScimError::bad(
            "invalidValue",
            format!("'schemas' must include '{CORE_USER}'."),
        ));
    }
    let user_name = string(body, "userName")?
        .ok_or_else(|| ScimError::bad("invalidValue", "'userName' is required."))?;
    if !is_valid_email(&user_name) {
        return Err(ScimError::bad(
            "invalidValue",
            "'userName' must be an email address.",
        ));
    }
    let mut emails = vec![user_name.clone()];
    for entry in list(body, "emails")? {
        let entry = object(entry, "emails")?;
        if let Some(email) = string(entry, "value")? {
            if !is_valid_email(&email) {
                return Err(ScimError::bad(
                    "invalidValue",
                    format!("'{email}' is not a valid email address."),
                ));
            }
            if !emails.iter().any(|e| email_key(e) == email_key(&email)) {
                emails.push(email);
            }
        }
    }
    let name = match member(body, "name") {
        Some(value) => object(value, "name")?.clone(),
        None => Map::new(),
    };
    let first_name = string(&name, "givenName")?;
    let last_name = string(&name, "familyName")?;
    let display_name = match string(body, "displayName")? {
        Some(name) => name,
        None => derived_display_name(first_name.as_deref(), last_name.as_deref())
            .unwrap_or_else(|| user_name.clone()),
    };
    let active = match member(body, "active") {
        None => true,
        Some(Value::Bool(b)) => *b,
        // Some IdPs send booleans as strings.
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => {
            return Err(ScimError::bad(
                "invalidValue",
                "'active' must be true or false.",
            ))
        }
    };

    let mut attributes = kept(body, &KEPT_CORE);
    let kept_name = kept(&name, &KEPT_NAME);
    if !kept_name.is_empty() {
        attributes.insert("name".into(), kept_name.into());
    }
    let mut phone_numbers = Vec::new();
    let mut other_phones = Vec::new();
    for entry in list(body, "phoneNumbers")? {
        let fields = object(entry, "phoneNumbers")?;
        let Some(value) = string(fields, "value")? else {
            continue;
        };
        let kind = string(fields, "type")?.unwrap_or_else(|| "work".into());
        match phone_type(&kind) {
            Some(number_type) => phone_numbers.push(PhoneNumber {
                number_type,
                value,
                primary: member(fields, "primary").and_then(Value::as_bool),
            }),
            None => other_phones.push(entry.clone()),
        }
    }
    if !other_phones.is_empty() {
        attributes.insert("phoneNumbers".into(), other_phones.into());
    }
    let mut addresses = Vec::new();
    for entry in list(body, "addresses")? {
        let fields = object(entry, "addresses")?;
        addresses.push(Address {
            address_type: string(fields, "type")?,
            street_address: string(fields, "streetAddress")?,
            locality: string(fields, "locality")?,
            region: string(fields, "region")?,
            postal_code: string(fields, "postalCode")?,
            country: string(fields, "country")?,
        });
    }
    let mut person_roles = Vec::new();
    for entry in list(body, "roles")? {
        let fields = object(entry, "roles")?;
        let is_cirole = string(fields, "type")?.is_none_or(|t| t.eq_ignore_ascii_case("cirole"));
        if let (true, Some(role)) = (is_cirole, string(fields, "value")?) {
            person_roles.push(role);
        }
    }
    let avatar = list(body, "photos")?
        .iter()
        .filter_map(Value::as_object)
        .find_map(|photo| member(photo, "value").and_then(Value::as_str))
        .map(str::to_string);

    let mut department = None;
    let mut manager_id = None;
    if let Some(value) = member(body, ENTERPRISE_USER) {
        let enterprise = object(value, ENTERPRISE_USER)?;
        department = string(enterprise, "department")?;
        if let Some(manager) = member(enterprise, "manager") {
            let manager = object(manager, "manager")?;
            if let Some(id) = string(manager, "value")? {
                manager_id = Some(Uuid::parse_str(&id).map_err(|_| {
                    ScimError::bad("invalidValue", "'manager.value' must be a user id.")
                })?);
            }
        }
        let kept_enterprise = kept(enterprise, &KEPT_ENTERPRISE);
        if !kept_enterprise.is_empty() {
            attributes.insert("enterprise".into(), kept_enterprise.into());
        }
    }
    if let Some(value) = member(body, CISCO_USER) {
        let mut cisco = object(value, CISCO_USER)?.clone();
        // Derived on every read: whether the user may sign in, and their organization.
        cisco.retain(|k, _| {
            !k.eq_ignore_ascii_case("meta") && !k.eq_ignore_ascii_case("accountStatus")
        });
        if !cisco.is_empty() {
            attributes.insert("cisco".into(), cisco.into());
        }
    }
    let password = string(body, "password")?;

    let base = existing.map(PersonRecord::to_draft).unwrap_or_default();
    let draft = PersonDraft {
        id: None,
        org_id: org,
        emails,
        phone_numbers,
        display_name,
        nick_name: string(body, "nickName")?,
        first_name,
        last_name,
        avatar,
        roles: person_roles,
        department,
        manager_id,
        title: string(body, "title")?,
        addresses,
        timezone: string(body, "timezone")?,
        login_enabled: active,
        ..base
    };
    let extra = ScimExtra {
        external_id: string(body, "externalId")?,
        attributes,
    };
    Ok((draft, extra, password))
}
