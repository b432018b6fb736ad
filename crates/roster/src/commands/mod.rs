//! One module per subcommand.

mod init;
mod serve;
mod token;

use crate::cli::{Command, TokenCommand};
use anyhow::Context;
use roster_store::{Store, StoreOptions};
use std::sync::Arc;

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Init(args) => init::run(args).await,
        Command::Token(TokenCommand::Create(args)) => token::create(args).await,
    }
}

pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    roster_store::open(url, &StoreOptions::default())
        .await
        .with_context(|| format!("cannot open the database {}", roster_store::redact_url(url)))
}
