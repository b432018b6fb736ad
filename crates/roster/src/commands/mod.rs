//! One module per subcommand.

mod api;
mod backup;
mod control;
mod export;
mod import;
mod init;
mod integration;
mod migrate;
mod oidc;
mod org;
mod output;
mod person;
mod presence;
mod serve;
mod token;

use crate::cli::{Command, OidcCommand, OrgCommand, PersonCommand, PresenceCommand, TokenCommand};
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
        Command::Oidc(OidcCommand::Keys { database, json }) => {
            oidc::keys(&database.database_url, json).await
        }
        Command::Oidc(OidcCommand::RotateKey { database }) => {
            oidc::rotate_key(&database.database_url).await
        }
        Command::Import(args) => import::run(args).await,
        Command::MigrateStore(args) => migrate::run(args).await,
        Command::Backup(args) => backup::backup(args).await,
        Command::Restore(args) => backup::restore(args).await,
        Command::Me { api, calling_data } => api::me(api, calling_data).await,
        Command::People(command) => api::people(command).await,
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
        Command::Org(OrgCommand::Create(args)) => org::create(args).await,
        Command::Org(OrgCommand::List(args)) => org::list(args).await,
        Command::Org(OrgCommand::Manage(args)) => org::manage(args).await,
        Command::Person(PersonCommand::Add(args)) => person::add(args).await,
        Command::Person(PersonCommand::List(args)) => person::list(args).await,
        Command::Person(PersonCommand::Show(args)) => person::show(args).await,
        Command::Person(PersonCommand::Remove(args)) => person::remove(args).await,
        Command::Control { control, command } => control::run(control, command).await,
        Command::Person(PersonCommand::Password(args)) => person::password(args).await,
        Command::Integration(command) => integration::run(command).await,
    }
}

/// The store at `url`. With `ROSTER_CONTROL_URL` set, its clock is the server's (see
/// `control::server_clock`), so that expiries and timestamps written here (`token create
/// --ttl`, `presence set --for`) are in the time the server runs on.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let options = StoreOptions {
        clock: control::server_clock().await?,
        ..StoreOptions::default()
    };
    open_store_with(url, &options).await
}

pub async fn open_store_with(url: &str, options: &StoreOptions) -> anyhow::Result<Arc<dyn Store>> {
    roster_store::open(url, options)
        .await
        .with_context(|| format!("cannot open the database {}", roster_store::redact_url(url)))
}
