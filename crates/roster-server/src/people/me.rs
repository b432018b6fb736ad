//! `GET /v1/people/me`: Get My Own Details.
//!
//! Reference: <https://developer.webex.com/docs/api/v1/people/get-my-own-details>.
//! The same as getting one's own person by id, plus one's roles and licenses.
//!
//! This is the hot path of the whole server (every bot's first call, every "Login with
//! Webex" app's userinfo), so its body is rendered once per version of the caller's record
//! and kept as three byte segments around the only two values that change between calls,
//! `lastActivity` and `status`. The render itself is an ordinary [`person_view`], so the
//! visibility rules stay in `view.rs`.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::view::{last_activity, person_view, presence, Live, ViewContext, ViewOptions};
use crate::wire::{json_response, QueryParams};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_store::PersonRecord;
use roster_types::time::format_millis;
use roster_types::{ErrorBody, Person, JSON_CONTENT_TYPE};
use std::sync::Arc;

#[utoipa::path(
    get,
    path = "/v1/people/me",
    tag = "People",
    summary = "Get My Own Details",
    description = "The caller's own person, including their roles and licenses.",
    params(("callingData" = Option<bool>, Query, description = "Include Webex Calling details (admins only).")),
    responses(
        (status = 200, description = "The caller", body = Person, content_type = "application/json;charset=UTF-8"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_my_own_details(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let calling_data = query.bool("callingData", false)?;
    let live = caller.live(&state, &caller.person);
    let key = (caller.person.id, calling_data);
    let render = match state.caches.me_renders.get(&key) {
        Some(render) if Arc::ptr_eq(&render.record, &caller.person) => render,
        _ => {
            let Some(render) = MeRender::new(&caller, calling_data, &live) else {
                // Unexpected shape: serve the plain view rather than fail.
                let options = ViewOptions {
                    calling_data,
                    ..ViewOptions::new(ViewContext::Me)
                };
                let person = person_view(&caller.person, &caller.viewer, &options, &live);
                return Ok(json_response(StatusCode::OK, &person));
            };
            let render = Arc::new(render);
            state.caches.me_renders.insert(key, render.clone());
            render
        }
    };
    Ok(render.respond(&caller.person, &live))
}

/// `/me` of one record, pre-serialised around its two live values.
pub struct MeRender {
    /// The record this was rendered from; a reloaded record is a different `Arc`.
    record: Arc<PersonRecord>,
    /// Body bytes before `lastActivity`'s value, between it and `status`'s, and after.
    /// With status sharing off there are no live values and `head` is the whole body.
    head: Vec<u8>,
    middle: Vec<u8>,
    tail: Vec<u8>,
    live_values: bool,
}

impl MeRender {
    /// Bytes held, for the cache's memory bound.
    pub fn weight(&self) -> u32 {
        (self.head.len() + self.middle.len() + self.tail.len() + 64) as u32
    }

    fn new(caller: &Caller, calling_data: bool, live: &Live) -> Option<MeRender> {
        let options = ViewOptions {
            calling_data,
            ..ViewOptions::new(ViewContext::Me)
        };
        let person = person_view(&caller.person, &caller.viewer, &options, live);
        let body = serde_json::to_vec(&person).ok()?;
        let record = caller.person.clone();
        match (&person.last_activity, person.status) {
            (None, None) => Some(MeRender {
                record,
                head: body,
                middle: Vec::new(),
                tail: Vec::new(),
                live_values: false,
            }),
            (Some(last_activity), Some(status)) => {
                // Keys with their opening quote cannot occur inside a JSON string (its
                // quotes are escaped), so these positions are exact.
                let activity_token = format!("\"lastActivity\":\"{last_activity}\"");
                let status_token = format!("\"status\":\"{}\"", status.as_str());
                let at = find(&body, activity_token.as_bytes())?;
                let st = find(&body, status_token.as_bytes())?;
                let activity_value = at + "\"lastActivity\":\"".len();
                let status_value = st + "\"status\":\"".len();
                if status_value < activity_value {
                    return None;
                }
                Some(MeRender {
                    record,
                    head: body[..activity_value].to_vec(),
                    middle: body[activity_value + last_activity.len()..status_value].to_vec(),
                    tail: body[status_value + status.as_str().len()..].to_vec(),
                    live_values: true,
                })
            }
            _ => None,
        }
    }

    fn respond(&self, record: &PersonRecord, live: &Live) -> Response {
        let mut body =
            Vec::with_capacity(self.head.len() + self.middle.len() + self.tail.len() + 40);
        body.extend_from_slice(&self.head);
        if self.live_values {
            let last_activity = last_activity(record, live).unwrap_or(live.now);
            body.extend_from_slice(format_millis(last_activity).as_bytes());
            body.extend_from_slice(&self.middle);
            body.extend_from_slice(presence(record, live).as_str().as_bytes());
            body.extend_from_slice(&self.tail);
        }
        (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            )],
            body,
        )
            .into_response()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
