//! The command line: every subcommand, its flags and its help.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Roster: a self-hostable server for the Webex People API",
    long_about = "Roster serves the Webex People API (GET /v1/people/me and the People resource) \
                  from an embedded SQLite file, so Webex SDKs and bots can run against a fast, \
                  offline, deterministic Webex. Not affiliated with Cisco or Webex.",
    after_help = "Quick start:\n  roster serve --demo\n  curl -H \"Authorization: Bearer <token>\" http://127.0.0.1:8080/v1/people/me"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// Database URL: sqlite:PATH (created if missing).
    #[arg(
        long,
        env = "ROSTER_DATABASE_URL",
        default_value = "sqlite://roster.db",
        value_name = "URL"
    )]
    pub database_url: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server.
    #[command(
        after_help = "Examples:\n  roster serve\n  roster serve --demo --listen 0.0.0.0:8080\n  ROSTER_DATABASE_URL=sqlite:///var/lib/roster/roster.db roster serve"
    )]
    Serve(ServeArgs),
    /// Create the database, its organization and the organization's full admin; prints the
    /// admin's token on stdout.
    #[command(
        after_help = "Example:\n  roster init --org \"Acme\" --admin-email admin@acme.test --admin-name \"Ada Admin\""
    )]
    Init(InitArgs),
    /// Manage access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address to listen on.
    #[arg(
        long,
        env = "ROSTER_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: SocketAddr,
    /// Add sample people, among them the reference example person (John Andersen), and print
    /// a token for them.
    #[arg(long)]
    pub demo: bool,
    /// Externally visible base URL, used in pagination links when Roster runs behind a proxy.
    #[arg(long, env = "ROSTER_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// How often activity (lastActivity) is written to the database.
    #[arg(long, env = "ROSTER_ACTIVITY_FLUSH", default_value = "60s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub activity_flush: std::time::Duration,
    /// Requests per minute per token (per client address without a token); 0 turns rate
    /// limiting off. Over the limit: 429 with Retry-After.
    #[arg(long, env = "ROSTER_RATE_LIMIT", default_value_t = roster_server::config::DEFAULT_RATE_LIMIT_PER_MINUTE, value_name = "N")]
    pub rate_limit: u32,
    /// Largest accepted request body in bytes (413 beyond).
    #[arg(long, env = "ROSTER_MAX_BODY_BYTES", default_value_t = 64 * 1024, value_name = "BYTES")]
    pub max_body_bytes: usize,
    /// How long one request may take (408 beyond).
    #[arg(long, env = "ROSTER_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub request_timeout: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The organization's display name.
    #[arg(long, value_name = "NAME")]
    pub org: String,
    /// The full admin's email address.
    #[arg(long, value_name = "EMAIL")]
    pub admin_email: String,
    /// The full admin's display name.
    #[arg(long, value_name = "NAME", default_value = "Administrator")]
    pub admin_name: String,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token for an existing person; prints only the token on stdout. A running
    /// server on the same database accepts it at once.
    #[command(
        after_help = "Examples:\n  roster token create --email john.andersen@example.com\n  roster token create --email bot@example.com --ttl 12h"
    )]
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Email of the person the token is for.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Lifetime of the token (e.g. 30m, 12h, 90d); without it the token does not expire.
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub ttl: Option<std::time::Duration>,
    /// A note to recognise the token by in listings.
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
}
