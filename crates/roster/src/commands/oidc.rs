//! `roster oidc keys|rotate-key`: the OpenID Connect signing keys, on the database directly
//! (a running server picks up a rotation with its next id_token).

use super::output::{emit, Table};
use anyhow::Context;
use roster_server::oidc::keys::{self, Jwk};
use roster_store::{SigningKeyRecord, Store};
use roster_types::time::format_millis;
use serde::Serialize;

/// One line of `roster oidc keys --json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyJson {
    kid: String,
    /// `active`, `published` (retired, still in the JWKS) or `expired`.
    state: &'static str,
    created: String,
    retired_at: Option<String>,
    published_until: Option<String>,
    /// The public key as /v1/verification lists it.
    jwk: Option<Jwk>,
}

fn state(key: &SigningKeyRecord, now: i64) -> &'static str {
    if key.is_active() {
        "active"
    } else if keys::is_published(key, now) {
        "published"
    } else {
        "expired"
    }
}

pub async fn keys(url: &str, as_json: bool) -> anyhow::Result<()> {
    let store = super::open_store(url).await?;
    let result = list_in(store.as_ref(), as_json).await;
    store.close().await;
    emit(&result?)?;
    Ok(())
}

async fn list_in(store: &dyn Store, as_json: bool) -> anyhow::Result<String> {
    let now = store.clock().now_millis();
    let keys = store
        .signing_keys()
        .await
        .context("cannot list the signing keys")?;
    if as_json {
        let mut out = String::new();
        for key in &keys {
            let line = KeyJson {
                kid: key.kid.clone(),
                state: state(key, now),
                created: format_millis(key.created),
                retired_at: key.retired_at.map(format_millis),
                published_until: keys::published_until(key).map(format_millis),
                jwk: serde_json::from_str(&key.public_jwk).ok(),
            };
            out.push_str(&serde_json::to_string(&line).context("cannot write JSON")?);
            out.push('\n');
        }
        return Ok(out);
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|key| {
            let or_dash = |at: Option<i64>| at.map(format_millis).unwrap_or_else(|| "-".into());
            vec![
                key.kid.clone(),
                state(key, now).to_string(),
                format_millis(key.created),
                or_dash(key.retired_at),
                or_dash(keys::published_until(key)),
            ]
        })
        .collect();
    Ok(Table::new(vec![
        "KID",
        "STATE",
        "CREATED",
        "RETIRED",
        "PUBLISHED UNTIL",
    ])
    .render(&rows))
}

pub async fn rotate_key(url: &str) -> anyhow::Result<()> {
    let store = super::open_store(url).await?;
    let result = keys::rotate_signing_key(store.as_ref()).await;
    store.close().await;
    let key = result.context("cannot rotate the signing key")?;
    eprintln!(
        "New signing key {} is active; the previous key stays in the JWKS for {} more minutes.",
        key.kid,
        roster_server::oidc::ID_TOKEN_LIFETIME.as_secs() / 60
    );
    emit(&format!("{}\n", key.kid))?;
    Ok(())
}
