//! One module per subcommand.

mod export;
mod import;
mod init;
mod presence;
mod serve;
mod token;

use crate::cli::{Command, PresenceCommand, TokenCommand};
use anyhow::Context;
use roster_store::{Store, StoreOptions};
use std::sync::Arc;

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Init(args) => init::run(args).await,
        Command::Token(TokenCommand::Create(args)) => token::create(args).await,
        Command::Token(TokenCommand::List { database, email }) => {
            token::list(&database.database_url, email.as_deref()).await
        }
        Command::Token(TokenCommand::Revoke { database, id }) => {
            token::revoke(&database.database_url, id).await
        }
        Command::Import(args) => import::run(args).await,
        Command::Export(args) => export::run(args).await,
        Command::Presence(PresenceCommand::Set {
            database,
            email,
            state,
            duration,
        }) => presence::set(&database.database_url, &email, &state, duration).await,
        Command::Presence(PresenceCommand::Sharing {
            database,
            email,
            setting,
        }) => presence::sharing(&database.database_url, &email, setting == "on").await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut command = crate::cli::Cli::command();
            clap_complete::generate(shell, &mut command, "roster", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// An organization named by its Webex id, its UUID or its exact display name.
pub async fn resolve_org(store: &dyn Store, text: &str) -> anyhow::Result<uuid::Uuid> {
    if let Ok(id) = roster_types::GlobalId::decode_uuid(roster_types::IdKind::Organization, text) {
        if store.get_org(id).await?.is_some() {
            return Ok(id);
        }
    }
    let matches: Vec<_> = store
        .list_orgs()
        .await?
        .into_iter()
        .filter(|o| o.display_name == text)
        .collect();
    match matches.as_slice() {
        [org] => Ok(org.id),
        [] => anyhow::bail!("no organization is called or has the id '{text}'"),
        _ => anyhow::bail!("several organizations are called '{text}'; use its id"),
    }
}

/// A person named by email, or a clear error.
pub async fn person_by_email(
    store: &dyn Store,
    email: &str,
) -> anyhow::Result<roster_store::PersonRecord> {
    store
        .find_person_by_email(email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no person has the email '{email}'"))
}

pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    roster_store::open(url, &StoreOptions::default())
        .await
        .with_context(|| format!("cannot open the database {}", roster_store::redact_url(url)))
}
