//! `GET /v1/people`: List People.
//!
//! Reference: <https://developer.webex.com/docs/api/v1/people/list-people>.
//!
//! Non-admins must filter by `email`, `displayName` or `id` and only ever see their own
//! organization; admins may list their whole organization, or one they manage with `orgId`.
//! Pages are keyset pages: the cursor names the last person of the previous page, so pages
//! never overlap or skip, even while people are added or removed. The next page is announced
//! only by `Link: <absolute URL>; rel="next"`, which repeats every parameter of the request.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::view::{visibility, ViewContext, ViewOptions, Viewer};
use crate::wire::QueryParams;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use roster_store::{Cursor, PeopleQuery};
use roster_types::{ErrorBody, GlobalId, IdKind, PersonList};
use uuid::Uuid;

/// Page size when `max` is not given.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page; larger `max` values are clamped, as Webex does.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Webex's lower limits for the expensive variants.
pub const MAX_PAGE_SIZE_WITH_CALLING_DATA: u32 = 100;
pub const MAX_PAGE_SIZE_WITH_LOCATION: u32 = 50;
/// The most ids one `id=` may carry.
pub const MAX_IDS: usize = 85;
/// The query parameter carrying the opaque cursor in `Link` URLs.
pub const CURSOR_PARAM: &str = "cursor";

#[utoipa::path(
    get,
    path = "/v1/people",
    tag = "People",
    summary = "List People",
    description = "Non-admins must give email, displayName or id. The next page, if any, is in `Link: <URL>; rel=\"next\"`.",
    params(
        ("email" = Option<String>, Query, description = "Exact email address (case-insensitive)."),
        ("displayName" = Option<String>, Query, description = "Display name prefix (case-insensitive)."),
        ("id" = Option<String>, Query, description = "Up to 85 comma-separated person ids."),
        ("orgId" = Option<String>, Query, description = "An organization the caller administers or manages as a partner."),
        ("roles" = Option<String>, Query, description = "Comma-separated role ids (admins only)."),
        ("locationId" = Option<String>, Query, description = "A Webex Calling location id; pages hold at most 50."),
        ("callingData" = Option<bool>, Query, description = "Include Webex Calling details (admins only); pages hold at most 100."),
        ("excludeStatus" = Option<bool>, Query, description = "Leave out status and lastActivity."),
        ("max" = Option<u32>, Query, description = "Page size, a whole number from 1 to 2147483647, default 100; values above 1000 are clamped to 1000."),
        ("cursor" = Option<String>, Query, description = "Opaque position, as given in a Link header."),
    ),
    responses(
        (status = 200, description = "A page of people", body = PersonList, content_type = "application/json;charset=UTF-8",
            headers(("Link" = String, description = "`<absolute URL>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "A parameter is invalid or no filter was given", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The caller may not use that filter or organization", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_people(
    State(state): State<AppState>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    query: QueryParams,
) -> Result<Response, ApiError> {
    caller.require_scope(crate::oauth::scopes::PEOPLE_READ)?;
    let request = ListRequest::parse(&query, &caller.viewer)?;
    let (mut response, next) = one_page(&state, &caller, &request).await?;
    if let Some(cursor) = next {
        let base = state.public_base(&headers);
        let link = next_link(&base, uri.path(), &query, &encode_cursor(&cursor));
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert("Link", value);
        }
    }
    Ok(response)
}

/// What a list request asks for, once its parameters are read and checked against what the
/// caller may ask.
struct ListRequest<'q> {
    /// The store's query, asking for one person more than a page to learn whether another
    /// page follows.
    people: PeopleQuery,
    page_size: u32,
    /// The ids of `id=` as given, in the order of `people.ids`, for `notFoundIds`.
    requested_ids: Vec<&'q str>,
    options: ViewOptions,
}

impl<'q> ListRequest<'q> {
    fn parse(query: &'q QueryParams, viewer: &Viewer) -> Result<ListRequest<'q>, ApiError> {
        let email = query.text("email")?.map(str::to_string);
        let display_name = query.text("displayName")?.map(str::to_string);
        let raw_ids = query.text("id")?;
        let calling_data = query.bool("callingData", false)?;
        let exclude_status = query.bool("excludeStatus", false)?;

        let is_admin = viewer.is_admin_of(viewer.org_id);
        if !is_admin && email.is_none() && display_name.is_none() && raw_ids.is_none() {
            return Err(ApiError::bad_request(
                "Email, displayName, or id list should be specified.",
            ));
        }
        let org_ids = org_filter(query.text("orgId")?, raw_ids.is_some(), viewer)?;
        let (ids, requested_ids) = match raw_ids {
            Some(raw) => {
                let (ids, requested) = person_ids(raw)?;
                (Some(ids), requested)
            }
            None => (None, Vec::new()),
        };
        let roles = match query.text("roles")? {
            Some(_) if !is_admin => {
                return Err(ApiError::forbidden(
                    "Only admins may filter people by roles.",
                ));
            }
            Some(raw) => role_ids(raw)?,
            None => Vec::new(),
        };
        let location_id = match query.text("locationId")? {
            Some(raw) => Some(
                GlobalId::decode(IdKind::Location, raw)
                    .map_err(|e| ApiError::bad_request(e.to_string()))?
                    .value,
            ),
            None => None,
        };

        let page_size = page_size(query.text("max")?, calling_data, location_id.is_some())?;

        let mut people = PeopleQuery {
            org_ids,
            email,
            display_name_prefix: display_name,
            ids,
            roles,
            location_id,
            after: None,
            limit: page_size + 1,
        };
        if let Some(raw) = query.text(CURSOR_PARAM)? {
            let cursor = decode_cursor(raw)?;
            if cursor.name_key.is_some() != people.orders_by_name() {
                return Err(ApiError::bad_request(
                    "The cursor does not belong to this query; follow the Link header as given.",
                ));
            }
            people.after = Some(cursor);
        }
        let options = ViewOptions {
            context: ViewContext::List {
                by_ids: people.ids.is_some(),
            },
            calling_data,
            exclude_status,
        };
        Ok(ListRequest {
            people,
            page_size,
            requested_ids,
            options,
        })
    }
}

/// `max`, clamped to the largest page the request may have.
fn page_size(
    raw_max: Option<&str>,
    calling_data: bool,
    by_location: bool,
) -> Result<u32, ApiError> {
    let mut page_size = match raw_max {
        None => DEFAULT_PAGE_SIZE,
        Some(raw) => parse_max(raw)?,
    };
    page_size = page_size.min(MAX_PAGE_SIZE);
    if calling_data {
        page_size = page_size.min(MAX_PAGE_SIZE_WITH_CALLING_DATA);
    }
    if by_location {
        page_size = page_size.min(MAX_PAGE_SIZE_WITH_LOCATION);
    }
    Ok(page_size)
}

/// The organizations whose people may appear at all.
fn org_filter(raw_org: Option<&str>, by_ids: bool, viewer: &Viewer) -> Result<Vec<Uuid>, ApiError> {
    Ok(match raw_org {
        Some(raw) => {
            let org = GlobalId::decode_uuid(IdKind::Organization, raw)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            if !viewer.can_see(org) {
                return Err(ApiError::forbidden(
                    "Only admins of an organization or of its partner may list its people.",
                ));
            }
            vec![org]
        }
        // Ids may name people of managed organizations; other filters stay in one's own.
        None if by_ids => viewer.visible_orgs(),
        None => vec![viewer.org_id],
    })
}

/// The person ids of `id=`, decoded, with the text of each as given.
fn person_ids(raw: &str) -> Result<(Vec<Uuid>, Vec<&str>), ApiError> {
    let parts: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() > MAX_IDS {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_IDS} ids may be given in 'id'."
        )));
    }
    let mut ids = Vec::with_capacity(parts.len());
    for part in &parts {
        ids.push(
            GlobalId::decode_uuid(IdKind::People, part)
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
        );
    }
    Ok((ids, parts))
}

/// The role ids of `roles=`, decoded.
fn role_ids(raw: &str) -> Result<Vec<String>, ApiError> {
    let mut roles = Vec::new();
    for part in raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(MAX_IDS + 1)
    {
        roles.push(
            GlobalId::decode(IdKind::Role, part)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .value,
        );
    }
    if roles.len() > MAX_IDS {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_IDS} roles may be given in 'roles'."
        )));
    }
    Ok(roles)
}

/// One page of people as the caller sees them, and the position after its last person when
/// another page follows.
///
/// The page is read as ids and versions from the store's page indexes; records come from
/// the cache when it holds those versions, and bodies from the renders `/me` uses. A lookup
/// by email alone (at most one person, never a next page) does not read the store at all
/// once warm.
async fn one_page(
    state: &AppState,
    caller: &Caller,
    request: &ListRequest<'_>,
) -> Result<(Response, Option<Cursor>), ApiError> {
    let query = &request.people;
    let (records, has_more) = match query.only_email() {
        Some(email) => {
            let person = state.caches.person_by_email(email).await?;
            let visible = person.filter(|person| query.org_ids.contains(&person.org_id));
            (visible.into_iter().collect(), false)
        }
        None => {
            let mut versions = state.store.list_person_versions(query).await?;
            let has_more = versions.len() > request.page_size as usize;
            versions.truncate(request.page_size as usize);
            (state.caches.people_at(&versions).await?, has_more)
        }
    };
    let not_found_ids: Option<Vec<String>> = query.ids.as_ref().map(|ids| {
        ids.iter()
            .zip(&request.requested_ids)
            .filter(|(id, _)| !records.iter().any(|r| r.id == **id))
            .map(|(_, raw)| raw.to_string())
            .collect()
    });
    let items = records.iter().map(|record| {
        let visibility = visibility(record, &caller.viewer, &request.options);
        (record, visibility, caller.live(state, record))
    });
    let page = state.caches.renders().page(items, not_found_ids.as_deref());
    let next = match records.last() {
        Some(last) if has_more => Some(Cursor {
            name_key: query
                .orders_by_name()
                .then(|| roster_store::display_name_key(&last.display_name)),
            seq: last.seq,
        }),
        _ => None,
    };
    Ok((page, next))
}

/// The values `max` may take. Within them a page larger than [`MAX_PAGE_SIZE`] is clamped,
/// as Webex does; beyond them (a number no 32-bit client could mean) it is refused rather
/// than quietly read as the largest page.
const MAX_RANGE: std::ops::RangeInclusive<i64> = 1..=i32::MAX as i64;

fn parse_max(raw: &str) -> Result<u32, ApiError> {
    let refused = || {
        ApiError::bad_request(format!(
            "'max' must be a whole number from {} to {}; pages larger than {MAX_PAGE_SIZE} \
             are clamped to {MAX_PAGE_SIZE}.",
            MAX_RANGE.start(),
            MAX_RANGE.end()
        ))
    };
    // Webex types `max` as a number: "10.0" is 10, "1.5" is no page size.
    let text = raw.trim();
    let whole = match text.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') => {
            whole
        }
        Some(_) => return Err(refused()),
        None => text,
    };
    let digits = whole.strip_prefix('+').unwrap_or(whole);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused());
    }
    match digits.parse::<i64>() {
        Ok(value) if MAX_RANGE.contains(&value) => Ok(u32::try_from(value).unwrap_or(u32::MAX)),
        _ => Err(refused()),
    }
}

pub fn encode_cursor(cursor: &Cursor) -> String {
    let text = match &cursor.name_key {
        Some(key) => format!("n:{}:{}", cursor.seq, key),
        None => format!("s:{}", cursor.seq),
    };
    URL_SAFE_NO_PAD.encode(text)
}

pub fn decode_cursor(raw: &str) -> Result<Cursor, ApiError> {
    let invalid =
        || ApiError::bad_request("The cursor is not valid; follow the Link header as given.");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    if let Some(seq) = text.strip_prefix("s:") {
        return Ok(Cursor {
            name_key: None,
            seq: seq.parse().map_err(|_| invalid())?,
        });
    }
    let rest = text.strip_prefix("n:").ok_or_else(invalid)?;
    let (seq, key) = rest.split_once(':').ok_or_else(invalid)?;
    if key.chars().any(char::is_control) {
        return Err(invalid());
    }
    Ok(Cursor {
        name_key: Some(key.to_string()),
        seq: seq.parse().map_err(|_| invalid())?,
    })
}

/// `<base/path?every original parameter&cursor=...>; rel="next"`.
fn next_link(base: &str, path: &str, query: &QueryParams, cursor: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .0
        .iter()
        .filter(|(k, _)| k != CURSOR_PARAM)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.push((CURSOR_PARAM, cursor));
    let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("<{base}{path}?{encoded}>; rel=\"next\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_in_both_orders() {
        for cursor in [
            Cursor {
                name_key: None,
                seq: 42,
            },
            Cursor {
                name_key: Some("zoë: o'brien".into()),
                seq: 7,
            },
        ] {
            assert_eq!(decode_cursor(&encode_cursor(&cursor)).unwrap(), cursor);
        }
        assert!(decode_cursor("garbage!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("s:abc")).is_err());
    }

    #[test]
    fn max_accepts_whole_numbers_in_its_range_only() {
        assert_eq!(parse_max("10").unwrap(), 10);
        assert_eq!(parse_max("10.0").unwrap(), 10);
        assert_eq!(parse_max("+7").unwrap(), 7);
        assert_eq!(parse_max("2147483647").unwrap(), 2147483647);
        for bad in [
            "0",
            "-1",
            "1.5",
            "1.",
            ".0",
            "abc",
            "NaN",
            "inf",
            "1e3",
            "",
            "2147483648",
            "9223372036854775808",
            "99999999999999999999",
        ] {
            assert!(parse_max(bad).is_err(), "{bad}");
        }
    }
}
