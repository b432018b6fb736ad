//! `roster integration`: OAuth clients, registered directly on the database.

use super::org::resolve_org;
use super::output::printable;
use super::person::only_org;
use crate::cli::{IntegrationCommand, IntegrationCreateArgs};
use anyhow::{bail, Context};
use roster_store::oauth::{credentials, IntegrationDraft, IntegrationRecord};
use roster_store::{token, Store};
use roster_types::id::{encode, IdKind};
use serde_json::json;

pub async fn run(command: IntegrationCommand) -> anyhow::Result<()> {
    let url = match &command {
        IntegrationCommand::Create(args) => &args.database.database_url,
        IntegrationCommand::List { database, .. }
        | IntegrationCommand::Show { database, .. }
        | IntegrationCommand::Delete { database, .. }
        | IntegrationCommand::RotateSecret { database, .. } => &database.database_url,
    };
    let store = super::open_store(url).await?;
    let result = run_on(store.as_ref(), command).await;
    store.close().await;
    result
}

async fn run_on(store: &dyn Store, command: IntegrationCommand) -> anyhow::Result<()> {
    match command {
        IntegrationCommand::Create(args) => create(store, args).await,
        IntegrationCommand::List { org, json, .. } => {
            let org = match org {
                Some(raw) => Some(resolve_org(store, &raw).await?.id),
                None => None,
            };
            let integrations = store
                .list_integrations(org)
                .await
                .context("cannot list integrations")?;
            for integration in &integrations {
                if json {
                    println!("{}", describe(integration, None));
                } else {
                    println!(
                        "{}  {}  {}",
                        integration.client_id,
                        printable(&integration.name),
                        integration.redirect_uris.join(" ")
                    );
                }
            }
            Ok(())
        }
        IntegrationCommand::Show {
            client_id, json, ..
        } => {
            let integration = find(store, &client_id).await?;
            if json {
                println!("{}", describe(&integration, None));
            } else {
                print_card(&integration, None);
            }
            Ok(())
        }
        IntegrationCommand::Delete { client_id, .. } => {
            let integration = find(store, &client_id).await?;
            store
                .delete_integration(&integration.client_id)
                .await
                .context("cannot delete the integration")?;
            eprintln!(
                "Deleted the integration {} and revoked its tokens.",
                printable(&integration.name)
            );
            Ok(())
        }
        IntegrationCommand::RotateSecret {
            client_id, json, ..
        } => {
            let integration = find(store, &client_id).await?;
            let secret = credentials::new_client_secret();
            store
                .set_integration_secret(&integration.client_id, &token::hash(&secret))
                .await
                .context("cannot store the new secret")?;
            if json {
                println!("{}", describe(&integration, Some(&secret)));
            } else {
                print_card(&integration, Some(&secret));
            }
            Ok(())
        }
    }
}

async fn create(store: &dyn Store, args: IntegrationCreateArgs) -> anyhow::Result<()> {
    if args.name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    for uri in &args.redirect_uris {
        check_redirect_uri(uri)?;
    }
    for scope in &args.scopes {
        if scope.is_empty() || scope.contains(char::is_whitespace) {
            bail!("'{}' is not a scope name", printable(scope));
        }
    }
    let org = match &args.org {
        Some(raw) => resolve_org(store, raw).await?,
        None => only_org(store).await?,
    };
    let secret = credentials::new_client_secret();
    let integration = store
        .create_integration(IntegrationDraft {
            org_id: org.id,
            name: args.name.trim().to_string(),
            client_id: credentials::new_client_id(),
            secret_hash: token::hash(&secret),
            redirect_uris: args.redirect_uris,
            scopes: args.scopes,
        })
        .await
        .context("cannot store the integration")?;
    if args.json {
        println!("{}", describe(&integration, Some(&secret)));
    } else {
        print_card(&integration, Some(&secret));
    }
    Ok(())
}

/// A redirect URI must be absolute and carry no fragment (RFC 6749, 3.1.2). Any scheme is
/// taken: `http://127.0.0.1:PORT` and `http://localhost:PORT` for local apps, and native
/// apps' own schemes (RFC 8252).
fn check_redirect_uri(uri: &str) -> anyhow::Result<()> {
    let (_scheme, rest) = uri
        .split_once("://")
        .with_context(|| format!("'{}' is not an absolute URI", printable(uri)))?;
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    if host.is_empty() || uri.contains('#') || uri.contains(char::is_whitespace) {
        bail!(
            "'{}' is not a usable redirect URI (absolute, with a host, without a fragment)",
            printable(uri)
        );
    }
    Ok(())
}

async fn find(store: &dyn Store, client_id: &str) -> anyhow::Result<IntegrationRecord> {
    store
        .get_integration(client_id.trim())
        .await
        .context("cannot look up the integration")?
        .with_context(|| {
            format!(
                "no integration has the client id '{}' (see `roster integration list`)",
                printable(client_id.trim())
            )
        })
}

/// The JSON of an integration; the secret only when it was just made.
fn describe(integration: &IntegrationRecord, secret: Option<&str>) -> serde_json::Value {
    let mut value = json!({
        "id": encode(IdKind::Application, &integration.client_id),
        "clientId": integration.client_id,
        "clientSecret": secret,
        "redirectUris": integration.redirect_uris,
        "scopes": integration.scopes,
    });
    if secret.is_none() {
        let object = value.as_object_mut().expect("an object");
        object.remove("clientSecret");
        object.insert("name".into(), json!(integration.name));
    }
    value
}

fn print_card(integration: &IntegrationRecord, secret: Option<&str>) {
    println!("Name:          {}", printable(&integration.name));
    println!("Client id:     {}", integration.client_id);
    if let Some(secret) = secret {
        println!("Client secret: {secret}   (shown once; keep it)");
    }
    for uri in &integration.redirect_uris {
        println!("Redirect URI:  {}", printable(uri));
    }
    println!("Scopes:        {}", integration.scopes.join(" "));
}
