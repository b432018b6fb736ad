//! OAuth 2 over HTTP against a real server on a random port: the sign-in and consent pages
//! driven form by form, the token endpoint, scopes on the People API, the Authorizations
//! API and revocation, each refusal with its status and error. Both backends (TestDb).

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod browser;
mod flow;
mod harness;
mod nodes;
mod refusals;
