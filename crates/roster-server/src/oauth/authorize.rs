//! `GET /v1/authorize` and the forms it shows: sign in, consent, then back to the app.
//!
//! A request names its client and redirect URI first; until both check out, every problem
//! is an error page (a redirect to an unchecked URI would be an open redirect). After that,
//! problems go back to the app as `error=...` on the redirect URI, as RFC 6749, 4.1.2.1 says.
//! The forms post back to the same URL, so the request's parameters travel in its query
//! string and are checked again on every step.

use super::openapi::{BackToApp, FORM, HTML};
use super::pages::{self, Consent, SignIn};
use super::session::{self, CSRF_COOKIE, SESSION_COOKIE};
use super::throttle;
use super::{millis, new_secret, scopes};
use crate::edge::ClientAddress;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_store::oauth::{password, CodeRecord, IntegrationRecord, NewToken, SessionRecord};
use roster_store::PersonRecord;
use std::collections::HashMap;

/// How long an authorization code may wait to be exchanged.
pub const CODE_MILLIS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    Code,
    Token,
    IdToken,
    IdTokenToken,
}

impl ResponseType {
    fn parse(text: &str) -> Option<ResponseType> {
        let mut parts: Vec<&str> = text.split(' ').collect();
        parts.sort_unstable();
        Some(match parts.as_slice() {
            ["code"] => ResponseType::Code,
            ["token"] => ResponseType::Token,
            ["id_token"] => ResponseType::IdToken,
            ["id_token", "token"] => ResponseType::IdTokenToken,
            _ => return None,
        })
    }

    /// Implicit responses go in the fragment, so that they never reach a server.
    fn in_fragment(self) -> bool {
        self != ResponseType::Code
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prompt {
    None,
    Login,
    SelectAccount,
    Consent,
}

/// An authorization request whose client and redirect URI are known good.
struct Request {
    client: IntegrationRecord,
    redirect_uri: String,
    params: HashMap<String, String>,
}

/// What the rest of the request asks for, once checked.
struct Asked {
    response_type: ResponseType,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    nonce: Option<String>,
    prompt: Option<Prompt>,
    max_age: Option<i64>,
    login_hint: Option<String>,
}

impl Request {
    fn state_param(&self) -> Option<&str> {
        self.params.get("state").map(String::as_str)
    }

    fn in_fragment(&self) -> bool {
        self.params
            .get("response_type")
            .and_then(|t| ResponseType::parse(t))
            .is_some_and(ResponseType::in_fragment)
    }

    /// A redirect back to the app with `pairs` (and `state`, as it came).
    fn redirect(&self, mut pairs: Vec<(&str, String)>, cookies: &[String]) -> Response {
        if let Some(state) = self.state_param() {
            pairs.push(("state", state.to_string()));
        }
        let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let separator = if self.in_fragment() {
            '#'
        } else if self.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        let location = format!("{}{separator}{encoded}", self.redirect_uri);
        let mut response = StatusCode::FOUND.into_response();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&location) {
            headers.insert(header::LOCATION, value);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        for cookie in cookies {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                headers.append(header::SET_COOKIE, value);
            }
        }
        response
    }

    fn error(&self, error: &str, description: &str) -> Response {
        self.redirect(
            vec![
                ("error", error.to_string()),
                ("error_description", description.to_string()),
            ],
            &[],
        )
    }
}

/// An answer that ends the request early: an error page, or an error back to the app
/// (boxed: a response is large, and this is the uncommon path).
type Refusal = Box<Response>;

/// The query's parameters, each once; anything else is an error page.
fn parameters(raw: Option<&str>) -> Result<HashMap<String, String>, Refusal> {
    let bad = |message: &str| Box::new(pages::error(StatusCode::BAD_REQUEST, message));
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| bad("The request is not readable."))?;
    let mut params = HashMap::new();
    for (name, value) in pairs {
        if params.contains_key(&name) {
            return Err(bad(&format!(
                "The parameter '{name}' is given more than once."
            )));
        }
        params.insert(name, value);
    }
    Ok(params)
}

/// The client and redirect URI, checked; every failure is an error page.
async fn checked_client(state: &AppState, raw: Option<&str>) -> Result<Request, Refusal> {
    let params = parameters(raw)?;
    let bad = |message: &str| Box::new(pages::error(StatusCode::BAD_REQUEST, message));
    let client_id = params
        .get("client_id")
        .ok_or_else(|| bad("The request names no client (client_id is missing)."))?;
    let client = state
        .store
        .get_integration(client_id)
        .await
        .map_err(|e| Box::new(ApiError::from(e).into_response()))?
        .ok_or_else(|| bad("No integration has this client_id."))?;
    let redirect_uri = match params.get("redirect_uri") {
        Some(uri) if client.redirect_uris.contains(uri) => uri.clone(),
        Some(_) => {
            return Err(bad(
                "This redirect_uri is not registered for the integration.",
            ))
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => {
            return Err(bad(
                "The integration has several redirect URIs; the request must name one.",
            ))
        }
    };
    Ok(Request {
        client,
        redirect_uri,
        params,
    })
}

/// The rest of the request, checked; failures go back to the app.
fn checked_asks(request: &Request) -> Result<Asked, Refusal> {
    let params = &request.params;
    let refuse = |error: &str, description: &str| Box::new(request.error(error, description));
    let invalid = |description: &str| refuse("invalid_request", description);
    let response_type = match params.get("response_type") {
        None => return Err(invalid("response_type is missing.")),
        Some(text) => ResponseType::parse(text).ok_or_else(|| {
            refuse(
                "unsupported_response_type",
                "response_type must be code, token, id_token or 'id_token token'.",
            )
        })?,
    };
    let scopes = roster_store::oauth::split_scopes(params.get("scope").map_or("", |s| s));
    if scopes.is_empty() {
        return Err(refuse("invalid_scope", "The scope is missing."));
    }
    if let Some(unregistered) = scopes
        .iter()
        .find(|s| scopes::needs_registration(s) && !request.client.scopes.contains(s))
    {
        return Err(refuse(
            "invalid_scope",
            &format!("The integration is not registered for the scope '{unregistered}'."),
        ));
    }
    let nonce = params.get("nonce").cloned();
    let wants_id_token = matches!(
        response_type,
        ResponseType::IdToken | ResponseType::IdTokenToken
    );
    if (wants_id_token || scopes.iter().any(|s| s == "openid")) && nonce.is_none() {
        return Err(invalid("A nonce is required with openid."));
    }
    if wants_id_token && !scopes.iter().any(|s| s == "openid") {
        return Err(invalid("An id_token needs the openid scope."));
    }
    let code_challenge = params.get("code_challenge").cloned();
    let code_challenge_method = match (&code_challenge, params.get("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => return Err(invalid("code_challenge_method without code_challenge.")),
        (Some(challenge), method) => {
            if !super::token::is_pkce_value(challenge) {
                return Err(invalid("The code_challenge is not a valid PKCE challenge."));
            }
            match method.map(String::as_str) {
                Some("S256") => Some("S256".to_string()),
                // RFC 7636, 4.3: plain when the method is left out.
                Some("plain") | None => Some("plain".to_string()),
                Some(_) => return Err(invalid("code_challenge_method must be S256 or plain.")),
            }
        }
    };
    let prompt = match params.get("prompt").map(String::as_str) {
        None | Some("") => None,
        Some("none") => Some(Prompt::None),
        Some("login") => Some(Prompt::Login),
        Some("select_account") => Some(Prompt::SelectAccount),
        Some("consent") => Some(Prompt::Consent),
        Some(_) => {
            return Err(invalid(
                "prompt must be none, login, consent or select_account.",
            ))
        }
    };
    let max_age = match params.get("max_age") {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| invalid("max_age must be a number of seconds."))?,
        ),
    };
    Ok(Asked {
        response_type,
        scopes,
        code_challenge,
        code_challenge_method,
        nonce,
        prompt,
        max_age,
        login_hint: params.get("login_hint").cloned(),
    })
}

fn secure_cookies(state: &AppState, headers: &HeaderMap) -> bool {
    state.public_base(headers).starts_with("https://")
}

/// The sign-in page, with a fresh CSRF cookie.
fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    request: &Request,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
) -> Response {
    let csrf = session::random_value();
    let cookie = session::set_cookie(CSRF_COOKIE, &csrf, 3600, secure_cookies(state, headers));
    let page = SignIn {
        app_name: &request.client.name,
        email,
        error,
        csrf: &csrf,
    };
    pages::html(status, page, &[cookie])
}

fn consent_page(
    state: &AppState,
    headers: &HeaderMap,
    request: &Request,
    asked: &Asked,
    person: &PersonRecord,
    cookies: &mut Vec<String>,
) -> Response {
    let csrf = session::random_value();
    cookies.push(session::set_cookie(
        CSRF_COOKIE,
        &csrf,
        3600,
        secure_cookies(state, headers),
    ));
    let who = match person.emails.first() {
        Some(email) => format!("{} <{email}>", person.display_name),
        None => person.display_name.clone(),
    };
    let page = Consent {
        app_name: &request.client.name,
        person: &who,
        scopes: asked.scopes.iter().map(|s| scopes::describe(s)).collect(),
        csrf: &csrf,
    };
    pages::html(StatusCode::OK, page, cookies)
}

/// The person of a live session, if they may still sign in.
async fn session_person(
    state: &AppState,
    session: &SessionRecord,
) -> Result<Option<PersonRecord>, ApiError> {
    Ok(state
        .caches
        .person(session.person_id)
        .await?
        .filter(|p| p.login_enabled)
        .map(|p| (*p).clone()))
}

// The query of an authorization request, described for the OpenAPI document only: the
// handlers read the query themselves, each parameter at most once. The forms post back to
// the same URL, so `POST` carries the same query.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuthorizeParams {
    /// `code`, or for the implicit flows `token`, `id_token` or `id_token token`.
    response_type: String,
    /// The integration's client id.
    client_id: String,
    /// One of the integration's registered redirect URIs; may be left out when it has
    /// only one.
    redirect_uri: Option<String>,
    /// Space-separated scopes; the integration must be registered for each data scope
    /// (the OpenID Connect scopes need no registration).
    scope: String,
    /// Handed back to the app as it came.
    state: Option<String>,
    /// A PKCE challenge (RFC 7636).
    code_challenge: Option<String>,
    /// `S256`, or `plain` (the default).
    code_challenge_method: Option<String>,
    /// Required with `openid`; copied into the id_token.
    nonce: Option<String>,
    /// `none` (no page: an error if the person would have to sign in or consent), `login`,
    /// `select_account` (sign in again) or `consent` (ask again).
    prompt: Option<String>,
    /// Seconds since the last sign-in after which the person signs in again.
    max_age: Option<u64>,
    /// An email address to fill in on the sign-in page.
    login_hint: Option<String>,
}

// Described for the OpenAPI document only: `submit` reads the form itself.
/// What the sign-in and consent pages post.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AuthorizeForm {
    /// `sign_in` or `consent`: which page posted.
    step: String,
    /// The value of the page's CSRF cookie.
    csrf_token: String,
    /// Sign-in: the person's email address.
    email: Option<String>,
    /// Sign-in: the person's password.
    password: Option<String>,
    /// Consent: `accept` or `decline`.
    decision: Option<String>,
}

/// `GET /v1/authorize`.
#[utoipa::path(
    get,
    path = "/v1/authorize",
    tag = "OAuth",
    summary = "Authorize an Integration",
    description = "Where an app sends a person's browser to sign in and consent. Until the client and its redirect URI check out, a problem is an error page; after that, problems go back to the app as `error` and `error_description` on the redirect URI. A person already signed in who consented to these scopes before goes straight back to the app: with `code` in the query, or with the implicit flows' tokens in the fragment.",
    params(AuthorizeParams),
    responses(
        (status = 200, description = "The sign-in page, or the consent page for a person signed in", body = String, content_type = HTML),
        BackToApp,
        (status = 400, description = "An error page: no such client, a redirect URI it did not register, or an unreadable or repeated parameter", body = String, content_type = HTML),
    )
)]
pub async fn authorize(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let request = match checked_client(&state, raw.as_deref()).await {
        Ok(request) => request,
        Err(page) => return *page,
    };
    let asked = match checked_asks(&request) {
        Ok(asked) => asked,
        Err(redirect) => return *redirect,
    };
    match begin(&state, &headers, &request, &asked).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn begin(
    state: &AppState,
    headers: &HeaderMap,
    request: &Request,
    asked: &Asked,
) -> Result<Response, ApiError> {
    // A sign-in approved ahead of time (test controls) signs its person in and consents.
    if let Some(approval) = state
        .store
        .take_sign_in_approval(&request.client.client_id)
        .await?
    {
        if let Some(person) = state.caches.person(approval.person_id).await? {
            if person.login_enabled {
                let (value, session) = session::start(state, person.id).await?;
                let cookie = session::set_cookie(
                    SESSION_COOKIE,
                    &value,
                    session::SESSION_MILLIS / 1000,
                    secure_cookies(state, headers),
                );
                state
                    .store
                    .remember_consent(person.id, &request.client.client_id, &asked.scopes)
                    .await?;
                return issue(state, headers, request, asked, &person, &session, &[cookie]).await;
            }
        }
    }
    let now = state.store.clock().now_millis();
    let mut current = session::current(state, headers).await?;
    if matches!(
        asked.prompt,
        Some(Prompt::Login) | Some(Prompt::SelectAccount)
    ) {
        current = None;
    }
    if let (Some(max_age), Some(session)) = (asked.max_age, &current) {
        if now - session.auth_time > max_age.saturating_mul(1000) {
            current = None;
        }
    }
    let signed_in = match &current {
        Some(session) => session_person(state, session)
            .await?
            .map(|person| (person, session.clone())),
        None => None,
    };
    let Some((person, session)) = signed_in else {
        if asked.prompt == Some(Prompt::None) {
            return Ok(request.error("login_required", "The person is not signed in."));
        }
        let email = asked.login_hint.as_deref().unwrap_or("");
        return Ok(sign_in_page(
            state,
            headers,
            request,
            StatusCode::OK,
            email,
            None,
        ));
    };
    after_sign_in(
        state,
        headers,
        request,
        asked,
        &person,
        &session,
        Vec::new(),
    )
    .await
}

/// Signed in: straight back to the app when the scopes were consented to before,
/// otherwise the consent page.
async fn after_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    request: &Request,
    asked: &Asked,
    person: &PersonRecord,
    session: &SessionRecord,
    mut cookies: Vec<String>,
) -> Result<Response, ApiError> {
    let consented = state
        .store
        .consented_scopes(person.id, &request.client.client_id)
        .await?;
    if scopes::covered(&asked.scopes, &consented) && asked.prompt != Some(Prompt::Consent) {
        return issue(state, headers, request, asked, person, session, &cookies).await;
    }
    if asked.prompt == Some(Prompt::None) {
        return Ok(request.error("consent_required", "The person has not consented yet."));
    }
    Ok(consent_page(
        state,
        headers,
        request,
        asked,
        person,
        &mut cookies,
    ))
}

/// The redirect that hands the app what it asked for.
async fn issue(
    state: &AppState,
    headers: &HeaderMap,
    request: &Request,
    asked: &Asked,
    person: &PersonRecord,
    session: &SessionRecord,
    cookies: &[String],
) -> Result<Response, ApiError> {
    let now = state.store.clock().now_millis();
    let mut pairs = Vec::new();
    if asked.response_type == ResponseType::Code {
        let (code, code_hash) = new_secret(person.org_id);
        let record = CodeRecord {
            client_id: request.client.client_id.clone(),
            person_id: person.id,
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: asked.code_challenge.clone(),
            code_challenge_method: asked.code_challenge_method.clone(),
            scopes: asked.scopes.clone(),
            nonce: asked.nonce.clone(),
            auth_time: session.auth_time,
            created: now,
            expires_at: now + CODE_MILLIS,
            used_at: None,
            authorization_id: None,
        };
        state.store.create_code(&code_hash, &record).await?;
        pairs.push(("code", code));
        return Ok(request.redirect(pairs, cookies));
    }
    if matches!(
        asked.response_type,
        ResponseType::IdToken | ResponseType::IdTokenToken
    ) {
        let issuer = crate::oidc::issuer(state, headers);
        let id_token = super::id_token::mint(
            state,
            &super::id_token::IdTokenRequest {
                issuer: &issuer,
                client_id: &request.client.client_id,
                person,
                scopes: &asked.scopes,
                nonce: asked.nonce.as_deref(),
                auth_time: session.auth_time,
            },
        )
        .await?;
        // `checked_asks` made sure an id_token flow has `openid`, so there is one.
        if let Some(id_token) = id_token {
            pairs.push(("id_token", id_token));
        }
    }
    if matches!(
        asked.response_type,
        ResponseType::Token | ResponseType::IdTokenToken
    ) {
        // Implicit access tokens have no refresh token and no grant (RFC 6749, 4.2).
        let (access, access_hash) = new_secret(person.org_id);
        let ttl = millis(state.config.access_token_ttl);
        state
            .store
            .create_token_with(NewToken {
                person_id: person.id,
                token_hash: access_hash,
                label: Some(format!("implicit: {}", request.client.name)),
                expires_at: Some(now.saturating_add(ttl)),
                scopes: Some(asked.scopes.clone()),
                authorization_id: None,
            })
            .await?;
        pairs.push(("access_token", access));
        pairs.push(("token_type", "Bearer".into()));
        pairs.push(("expires_in", (ttl / 1000).to_string()));
    }
    Ok(request.redirect(pairs, cookies))
}

/// `POST /v1/authorize`: the sign-in and consent forms.
#[utoipa::path(
    post,
    path = "/v1/authorize",
    operation_id = "authorize_form",
    tag = "OAuth",
    summary = "Sign In or Consent",
    description = "What the sign-in and consent pages of `GET /v1/authorize` post, with the same query. A sign-in that succeeds goes on to the consent page, or back to the app when the scopes were consented to before; a consent goes back to the app, with what it asked for or with `access_denied`.",
    params(AuthorizeParams),
    request_body(content = AuthorizeForm, content_type = FORM),
    responses(
        (status = 200, description = "The consent page", body = String, content_type = HTML),
        BackToApp,
        (status = 400, description = "An error page: the request or the form cannot be read", body = String, content_type = HTML),
        (status = 401, description = "The sign-in page again: wrong email or password, or the session ended", body = String, content_type = HTML),
        (status = 403, description = "The form's CSRF token does not match, or the person may not sign in", body = String, content_type = HTML),
        (status = 429, description = "The sign-in page again: too many failed sign-ins for now", body = String, content_type = HTML),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    address: Option<axum::Extension<ClientAddress>>,
    body: Bytes,
) -> Response {
    let request = match checked_client(&state, raw.as_deref()).await {
        Ok(request) => request,
        Err(page) => return *page,
    };
    let asked = match checked_asks(&request) {
        Ok(asked) => asked,
        Err(redirect) => return *redirect,
    };
    let form = match super::client::parse_form(&headers, &body) {
        Ok(form) => form,
        Err(_) => return pages::error(StatusCode::BAD_REQUEST, "The form is not readable."),
    };
    if !session::csrf_matches(&headers, form.get("csrf_token").map(String::as_str)) {
        return pages::error(
            StatusCode::FORBIDDEN,
            "The form has expired or did not come from this site. Go back and try again.",
        );
    }
    let address = address.map(|a| a.0 .0.ip());
    let result = match form.get("step").map(String::as_str) {
        Some("sign_in") => sign_in(&state, &headers, &request, &asked, &form, address).await,
        Some("consent") => consent(&state, &headers, &request, &asked, &form).await,
        _ => Ok(pages::error(
            StatusCode::BAD_REQUEST,
            "The form is not readable.",
        )),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    request: &Request,
    asked: &Asked,
    form: &HashMap<String, String>,
    address: Option<std::net::IpAddr>,
) -> Result<Response, ApiError> {
    let email = form.get("email").map_or("", |e| e.trim());
    let password_given = form.get("password").map_or("", String::as_str);
    let account = throttle::account_key(email);
    let address = throttle::address_key(
        address.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
    );
    let store = state.store.as_ref();
    let page =
        |status, message| sign_in_page(state, headers, request, status, email, Some(message));
    if throttle::is_throttled(store, &account, &address).await? {
        return Ok(page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins. Wait a few minutes and try again.",
        ));
    }
    let person = if email.is_empty() {
        None
    } else {
        store.find_person_by_email(email).await?
    };
    let stored = match &person {
        Some(person) => store.password_hash(person.id).await?,
        None => None,
    };
    // An unknown account costs the same Argon2 work as a wrong password.
    let matches = password::verify(
        password_given,
        stored.as_deref().unwrap_or_else(|| password::decoy()),
    ) && stored.is_some();
    let Some(person) = person.filter(|_| matches) else {
        throttle::note_failure(store, &account, &address).await?;
        return Ok(page(StatusCode::UNAUTHORIZED, "Wrong email or password."));
    };
    store.clear_sign_in_failures(&account).await?;
    if !person.login_enabled {
        return Ok(page(
            StatusCode::FORBIDDEN,
            "This account may not sign in (login is disabled).",
        ));
    }
    let (value, session) = session::start(state, person.id).await?;
    let cookie = session::set_cookie(
        SESSION_COOKIE,
        &value,
        session::SESSION_MILLIS / 1000,
        secure_cookies(state, headers),
    );
    after_sign_in(
        state,
        headers,
        request,
        asked,
        &person,
        &session,
        vec![cookie],
    )
    .await
}

async fn consent(
    state: &AppState,
    headers: &HeaderMap,
    request: &Request,
    asked: &Asked,
    form: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let signed_in = match session::current(state, headers).await? {
        Some(session) => session_person(state, &session)
            .await?
            .map(|person| (person, session)),
        None => None,
    };
    let Some((person, session)) = signed_in else {
        return Ok(sign_in_page(
            state,
            headers,
            request,
            StatusCode::UNAUTHORIZED,
            "",
            Some("Your session has ended. Sign in again."),
        ));
    };
    match form.get("decision").map(String::as_str) {
        Some("accept") => {
            state
                .store
                .remember_consent(person.id, &request.client.client_id, &asked.scopes)
                .await?;
            issue(state, headers, request, asked, &person, &session, &[]).await
        }
        Some("decline") => Ok(request.error("access_denied", "The person declined.")),
        _ => Ok(pages::error(
            StatusCode::BAD_REQUEST,
            "The form is not readable.",
        )),
    }
}
