//! Writing what the administration commands print: tables, cards and JSON Lines.
//!
//! Only results go to stdout. A closed pipe (`roster person list | head`) ends the output
//! quietly instead of failing.

use crate::cli::RoleArg;
use roster_store::{roles, PersonRecord};
use roster_types::id::{encode, encode_uuid};
use roster_types::time::format_millis;
use roster_types::IdKind;
use serde_json::{json, Map, Value};
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
        RoleArg::FullAdmin => roles::FULL_ADMIN,
        RoleArg::UserAdmin => roles::USER_ADMIN,
        RoleArg::ReadonlyAdmin => roles::READONLY_ADMIN,
        RoleArg::DeviceAdmin => roles::DEVICE_ADMIN,
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
pub fn person_json(person: &PersonRecord) -> Value {
    let mut map = Map::new();
    let mut put = |key: &str, value: Value| {
        map.insert(key.to_string(), value);
    };
    let opt = |value: &Option<String>| value.as_ref().map(|v| json!(v));
    put("id", json!(person_id(person)));
    put("uuid", json!(person.id.hyphenated().to_string()));
    put("emails", json!(person.emails));
    put("phoneNumbers", json!(person.phone_numbers));
    let optional = [
        ("extension", opt(&person.extension)),
        (
            "locationId",
            person
                .location_id
                .as_ref()
                .map(|l| json!(encode(IdKind::Location, l))),
        ),
        ("displayName", Some(json!(person.display_name))),
        ("nickName", opt(&person.nick_name)),
        ("firstName", opt(&person.first_name)),
        ("lastName", opt(&person.last_name)),
        ("avatar", opt(&person.avatar)),
        (
            "orgId",
            Some(json!(encode_uuid(IdKind::Organization, &person.org_id))),
        ),
        (
            "roles",
            Some(json!(person
                .roles
                .iter()
                .map(|r| role_name(r))
                .collect::<Vec<_>>())),
        ),
        (
            "licenses",
            Some(json!(person
                .licenses
                .iter()
                .map(|l| encode(IdKind::License, l))
                .collect::<Vec<_>>())),
        ),
        ("department", opt(&person.department)),
        ("manager", opt(&person.manager)),
        (
            "managerId",
            person
                .manager_id
                .as_ref()
                .map(|m| json!(encode_uuid(IdKind::People, m))),
        ),
        ("title", opt(&person.title)),
        (
            "addresses",
            (!person.addresses.is_empty()).then(|| json!(person.addresses)),
        ),
        ("created", Some(json!(format_millis(person.created)))),
        (
            "lastModified",
            Some(json!(format_millis(person.last_modified))),
        ),
        ("timezone", opt(&person.timezone)),
        (
            "lastActivity",
            person.last_activity.map(|t| json!(format_millis(t))),
        ),
        (
            "siteUrls",
            (!person.site_urls.is_empty()).then(|| json!(person.site_urls)),
        ),
        (
            "sipAddresses",
            (!person.sip_addresses.is_empty()).then(|| json!(person.sip_addresses)),
        ),
        ("xmppFederationJid", opt(&person.xmpp_federation_jid)),
        ("presence", person.presence.map(|p| json!(p))),
        (
            "presenceUntil",
            person.presence_until.map(|t| json!(format_millis(t))),
        ),
        ("statusSharing", Some(json!(person.status_sharing))),
        ("invitePending", Some(json!(person.invite_pending))),
        ("loginEnabled", Some(json!(person.login_enabled))),
        ("type", Some(json!(person.person_type.as_str()))),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            put(key, value);
        }
    }
    Value::Object(map)
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
