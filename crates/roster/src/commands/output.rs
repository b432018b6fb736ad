//! Writing what the administration commands print: tables, cards and JSON Lines.
//!
//! Only results go to stdout. A closed pipe (`roster person list | head`) ends the output
//! quietly instead of failing.

use crate::cli::RoleArg;
use roster_store::{roles, PersonRecord};
use roster_types::id::{encode, encode_uuid};
use roster_types::time::format_millis;
use roster_types::IdKind;
use roster_types::{Address, PersonType, PhoneNumber, PresenceStatus, SipAddress};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

/// Writes `text` to stdout. `Ok(false)` when the reader has gone away (broken pipe).
pub fn emit(text: &str) -> anyhow::Result<bool> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write to stdout")),
    }
}

/// A table printed as it goes: column widths are taken from the header and the first
/// batch of rows (up to a cap), so a long listing never has to be held in memory. A later,
/// longer value widens its own row only.
pub struct Table {
    headers: Vec<&'static str>,
    widths: Option<Vec<usize>>,
}

/// No column but the first (ids, all of one length) is padded wider than this; longer
/// values stay whole.
const MAX_COLUMN_WIDTH: usize = 48;

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Table {
        Table {
            headers,
            widths: None,
        }
    }

    /// Renders a batch of rows, preceded by the header line on the first call.
    pub fn render(&mut self, rows: &[Vec<String>]) -> String {
        let mut out = String::new();
        if self.widths.is_none() {
            let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
            for row in rows {
                for (i, (width, cell)) in widths.iter_mut().zip(row).enumerate() {
                    let len = cell.chars().count();
                    *width = (*width).max(if i == 0 {
                        len
                    } else {
                        len.min(MAX_COLUMN_WIDTH)
                    });
                }
            }
            let header: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
            push_row(&mut out, &widths, &header);
            self.widths = Some(widths);
        }
        let widths = self.widths.as_ref().expect("set above");
        for row in rows {
            push_row(&mut out, widths, row);
        }
        out
    }
}

fn push_row(out: &mut String, widths: &[usize], row: &[String]) {
    let mut line = String::new();
    for (i, cell) in row.iter().enumerate() {
        let cell = printable(cell);
        if i + 1 == row.len() {
            line.push_str(&cell);
        } else {
            let pad = widths[i].saturating_sub(cell.chars().count());
            line.push_str(&cell);
            line.push_str(&" ".repeat(pad + 2));
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Stored text is printed on one line: control characters (a newline in a name) are shown
/// escaped so they cannot break or forge table rows.
pub fn printable(text: &str) -> String {
    if text.chars().any(char::is_control) {
        text.chars().flat_map(char::escape_default).collect()
    } else {
        text.to_string()
    }
}

/// The role slug a `--role` value stands for.
pub fn role_slug(role: RoleArg) -> &'static str {
    match role {
        RoleArg::Full => roles::FULL_ADMIN,
        RoleArg::User => roles::USER_ADMIN,
        RoleArg::Readonly => roles::READONLY_ADMIN,
        RoleArg::Device => roles::DEVICE_ADMIN,
    }
}

/// How a stored role is shown: the name `--role` takes (`full-admin`), or the slug itself
/// for a role the command line does not know.
pub fn role_name(slug: &str) -> String {
    slug.strip_prefix("id_")
        .map(|name| name.replace('_', "-"))
        .unwrap_or_else(|| slug.to_string())
}

pub fn person_id(person: &PersonRecord) -> String {
    encode_uuid(IdKind::People, &person.id)
}

/// One table row of `roster person list`.
pub fn person_row(person: &PersonRecord) -> Vec<String> {
    vec![
        person_id(person),
        person.emails.join(","),
        person.display_name.clone(),
        person.person_type.as_str().to_string(),
        person
            .roles
            .iter()
            .map(|r| role_name(r))
            .collect::<Vec<_>>()
            .join(","),
    ]
}

/// Everything stored about a person as JSON: names and encodings as in the API (camelCase,
/// Webex ids, millisecond UTC timestamps; unset fields left out), roles by their command-line
/// names, plus the raw `uuid`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonJson<'a> {
    id: String,
    uuid: String,
    emails: &'a [String],
    phone_numbers: &'a [PhoneNumber],
    #[serde(skip_serializing_if = "Option::is_none")]
    extension: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_id: Option<String>,
    display_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nick_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<&'a str>,
    org_id: String,
    roles: Vec<String>,
    licenses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manager: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manager_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    addresses: &'a [Address],
    created: String,
    last_modified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_activity: Option<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    site_urls: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    sip_addresses: &'a [SipAddress],
    #[serde(skip_serializing_if = "Option::is_none")]
    xmpp_federation_jid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    presence: Option<PresenceStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    presence_until: Option<String>,
    status_sharing: bool,
    invite_pending: bool,
    login_enabled: bool,
    #[serde(rename = "type")]
    person_type: PersonType,
}

/// One line of JSON for a person (no trailing newline).
pub fn person_json(person: &PersonRecord) -> String {
    let view = PersonJson {
        id: person_id(person),
        uuid: person.id.hyphenated().to_string(),
        emails: &person.emails,
        phone_numbers: &person.phone_numbers,
        extension: person.extension.as_deref(),
        location_id: person
            .location_id
            .as_ref()
            .map(|l| encode(IdKind::Location, l)),
        display_name: &person.display_name,
        nick_name: person.nick_name.as_deref(),
        first_name: person.first_name.as_deref(),
        last_name: person.last_name.as_deref(),
        avatar: person.avatar.as_deref(),
        org_id: encode_uuid(IdKind::Organization, &person.org_id),
        roles: person.roles.iter().map(|r| role_name(r)).collect(),
        licenses: person
            .licenses
            .iter()
            .map(|l| encode(IdKind::License, l))
            .collect(),
        department: person.department.as_deref(),
        manager: person.manager.as_deref(),
        manager_id: person
            .manager_id
            .as_ref()
            .map(|m| encode_uuid(IdKind::People, m)),
        title: person.title.as_deref(),
        addresses: &person.addresses,
        created: format_millis(person.created),
        last_modified: format_millis(person.last_modified),
        timezone: person.timezone.as_deref(),
        last_activity: person.last_activity.map(format_millis),
        site_urls: &person.site_urls,
        sip_addresses: &person.sip_addresses,
        xmpp_federation_jid: person.xmpp_federation_jid.as_deref(),
        presence: person.presence,
        presence_until: person.presence_until.map(format_millis),
        status_sharing: person.status_sharing,
        invite_pending: person.invite_pending,
        login_enabled: person.login_enabled,
        person_type: person.person_type,
    };
    serde_json::to_string(&view).expect("plain data serializes")
}

/// A card of everything stored about a person, one `field: value` line each.
pub fn person_card(person: &PersonRecord, org_name: Option<&str>) -> String {
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |key: &'static str, value: String| lines.push((key, value));
    add("id", person_id(person));
    add("uuid", person.id.hyphenated().to_string());
    add("display name", person.display_name.clone());
    add("emails", person.emails.join(", "));
    add("type", person.person_type.as_str().to_string());
    let org = encode_uuid(IdKind::Organization, &person.org_id);
    add(
        "organization",
        match org_name {
            Some(name) => format!("{name} ({org})"),
            None => org,
        },
    );
    let roles: Vec<String> = person.roles.iter().map(|r| role_name(r)).collect();
    add("roles", roles.join(", "));
    let optional = [
        ("first name", &person.first_name),
        ("last name", &person.last_name),
        ("nick name", &person.nick_name),
        ("title", &person.title),
        ("department", &person.department),
        ("manager", &person.manager),
        ("extension", &person.extension),
        ("location", &person.location_id),
        ("timezone", &person.timezone),
        ("avatar", &person.avatar),
        ("xmpp federation jid", &person.xmpp_federation_jid),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            add(key, value.clone());
        }
    }
    if let Some(manager) = &person.manager_id {
        add("manager id", encode_uuid(IdKind::People, manager));
    }
    for number in &person.phone_numbers {
        let primary = if number.primary == Some(true) {
            " (primary)"
        } else {
            ""
        };
        add(
            "phone number",
            format!(
                "{} {}{primary}",
                json_text(&number.number_type),
                number.value
            ),
        );
    }
    for address in &person.addresses {
        add("address", compact_json(address));
    }
    for url in &person.site_urls {
        add("site url", url.clone());
    }
    for sip in &person.sip_addresses {
        let primary = if sip.primary { " (primary)" } else { "" };
        add(
            "sip address",
            format!("{} {}{primary}", json_text(&sip.address_type), sip.value),
        );
    }
    for license in &person.licenses {
        add("license", license.clone());
    }
    add("invite pending", yes_no(person.invite_pending));
    add("login enabled", yes_no(person.login_enabled));
    add("status sharing", yes_no(person.status_sharing));
    if let Some(presence) = person.presence {
        let until = person
            .presence_until
            .map(|t| format!(" until {}", format_millis(t)))
            .unwrap_or_default();
        add("presence", format!("{}{until}", json_text(&presence)));
    }
    add("created", format_millis(person.created));
    add("last modified", format_millis(person.last_modified));
    if let Some(at) = person.last_activity {
        add("last activity", format_millis(at));
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in lines {
        out.push_str(&format!(
            "{:width$}  {}\n",
            format!("{key}:"),
            printable(&value),
            width = width + 1
        ));
    }
    out
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

/// A serde enum's wire name (`work`, `personal-room`, `DoNotDisturb`).
fn json_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn compact_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
