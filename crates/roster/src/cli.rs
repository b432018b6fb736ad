//! The command line: every subcommand, its flags and its help.

use clap::{Args, Parser, Subcommand, ValueEnum};
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
    /// OpenID Connect ("Login with Webex") signing keys: list them, rotate to a new one.
    #[command(
        subcommand,
        after_help = "Examples:\n  roster oidc keys\n  roster oidc rotate-key\n  roster oidc keys --json | jq -r 'select(.state == \"active\") | .kid'"
    )]
    Oidc(OidcCommand),
    /// Bulk-load people from CSV (with a header row) or JSON Lines in the Person shape.
    #[command(
        after_help = "Examples:\n  roster import people.csv --org Acme\n  roster export > directory.jsonl && roster import directory.jsonl --database-url sqlite://copy.db --create-orgs\n\nCSV columns: email, displayName, firstName, lastName, title, department, manager, avatar,\ntimezone, extension, type, orgId, roles (';'-separated), phone, mobile.\nPeople whose email is already present are left alone, so re-running a file adds no duplicates.\nExit status 1 when any row was rejected (the other rows are imported)."
    )]
    Import(ImportArgs),
    /// Write every person as JSON Lines in the Person shape (what `import` reads).
    #[command(after_help = "Example:\n  roster export --output directory.jsonl")]
    Export(ExportArgs),
    /// Set a person's presence, or their status sharing, for testing clients.
    #[command(subcommand)]
    Presence(PresenceCommand),
    /// Copy a whole deployment (organizations, people, tokens) into an empty database of
    /// either backend, with a progress bar and a count check at the end.
    #[command(
        after_help = "Example:\n  roster migrate-store --from sqlite://roster.db --to postgres://roster@db.internal/roster"
    )]
    MigrateStore(MigrateArgs),
    /// Write a consistent, checked copy of a running SQLite deployment to a file (on
    /// PostgreSQL: explains pg_dump and prints the command).
    #[command(
        after_help = "Examples:\n  roster backup --output /backups/roster-$(date +%F).db\n  ROSTER_DATABASE_URL=sqlite:///var/lib/roster/roster.db roster backup --output roster.bak\n\nThe server may keep running: the copy is one consistent snapshot (SQLite's VACUUM INTO)\nholding every write acknowledged before it started. It is synced to disk, readable by its\nowner only, and checked (integrity_check and the rows of every table) before it is reported."
    )]
    Backup(BackupArgs),
    /// Put a backup file in place of an empty SQLite database (stop the server first).
    #[command(
        after_help = "Examples:\n  roster restore --from roster.bak --database-url sqlite://roster.db\n  roster restore --from roster.bak --force     # replace a database that has data\n\nThe backup is checked first. The target must be new or empty unless --force is given. Stop\nany server on the target first: it would keep writing to the file being replaced.\nMigrations of a newer Roster run when the restored database is next opened."
    )]
    Restore(RestoreArgs),
    /// Your own details, from a running Roster or from Webex (`--base-url`).
    #[command(
        after_help = "Examples:\n  roster me --token $TOKEN\n  WEBEX_ACCESS_TOKEN=... roster me --base-url https://webexapis.com/v1 --json"
    )]
    Me {
        #[command(flatten)]
        api: ApiArgs,
        /// Include Webex Calling details (admins).
        #[arg(long)]
        calling_data: bool,
    },
    /// The People API from the terminal: list, get, create, update, delete.
    #[command(subcommand)]
    People(PeopleCommand),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  roster completions bash > /etc/bash_completion.d/roster")]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Manage organizations and which partner organizations manage which customers,
    /// directly on the database.
    #[command(
        subcommand,
        after_help = "Examples:\n  roster org create --name \"Acme\"\n  roster org list\n  roster org manage --partner \"Acme Partners\" --customer \"Acme\""
    )]
    Org(OrgCommand),
    /// Add, list, show and remove people, directly on the database.
    #[command(
        subcommand,
        after_help = "Examples:\n  roster person add --email ada@acme.test --display-name \"Ada Lovelace\"\n  roster person list --display-name ada\n  roster person show ada@acme.test\n  roster person remove ada@acme.test"
    )]
    Person(PersonCommand),
    /// Drive a server's test control API (`serve --control-listen`): faults, the request
    /// journal, snapshots and reset, the clock.
    #[command(
        after_help = "Examples:\n  export ROSTER_CONTROL_URL=http://127.0.0.1:9090 ROSTER_CONTROL_TOKEN=...\n  roster control fault add --path '/v1/people/*' --status 503 --skip 2 --times 1\n  roster control requests --path /v1/people/me --json\n  roster control snapshot save clean && roster control snapshot restore clean\n  roster control clock advance 2h"
    )]
    Control {
        #[command(flatten)]
        control: ControlArgs,
        #[command(subcommand)]
        command: ControlCommand,
    },
    /// Register OAuth integrations (clients of `/v1/authorize` and `/v1/access_token`),
    /// directly on the database.
    #[command(
        subcommand,
        after_help = "Examples:\n  roster integration create --name \"Planner\" --redirect-uri http://localhost:3000/callback --scope spark:people_read\n  roster integration list\n  roster integration rotate-secret C1234..."
    )]
    Integration(IntegrationCommand),
}

/// Where the control API is, its token, and how to print.
#[derive(Debug, Args, Clone)]
pub struct ControlArgs {
    /// The control API's URL (the address given to `serve --control-listen`).
    #[arg(long, env = "ROSTER_CONTROL_URL", value_name = "URL", global = true)]
    pub control_url: Option<String>,
    /// The control token (`ROSTER_CONTROL_TOKEN` of the server, or the one it printed).
    #[arg(
        long,
        env = "ROSTER_CONTROL_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        global = true
    )]
    pub control_token: Option<String>,
    /// Print JSON (the control API's own shapes) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    /// Fault rules: add, list, clear.
    #[command(subcommand)]
    Fault(FaultCommand),
    /// The requests the API served, oldest first.
    Requests {
        #[arg(long)]
        method: Option<String>,
        /// A path prefix.
        #[arg(long)]
        path: Option<String>,
        /// A person id or email.
        #[arg(long)]
        person: Option<String>,
        #[arg(long)]
        status: Option<u16>,
        /// RFC 3339.
        #[arg(long)]
        since: Option<String>,
        /// Empty the journal instead.
        #[arg(long, conflicts_with_all = ["method", "path", "person", "status", "since"])]
        clear: bool,
    },
    /// Snapshots of the whole directory.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Put the directory back as it was when the server started.
    Reset,
    /// The server's clock.
    #[command(subcommand)]
    Clock(ClockCommand),
    /// Approve the next sign-in at /v1/authorize as a person, with consent, so an app's
    /// Login-with-Webex code runs without a browser; without an EMAIL, list the pending ones.
    SignIn {
        /// The person (an email or an id).
        person: Option<String>,
        /// Only for this integration's next authorization (any integration without it).
        #[arg(long, value_name = "CLIENT_ID", requires = "person")]
        client_id: Option<String>,
    },
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum FaultCommand {
    /// Add a rule; prints its id (the whole rule with --json).
    Add {
        #[arg(long)]
        method: Option<String>,
        /// A path pattern; `*` stands for any characters.
        #[arg(long)]
        path: Option<String>,
        /// A person id or email.
        #[arg(long)]
        person: Option<String>,
        #[arg(long)]
        token_id: Option<String>,
        /// 429, 500, 502, 503, 504 or another 4xx.
        #[arg(long)]
        status: Option<u16>,
        /// Seconds, for 429 and 503.
        #[arg(long)]
        retry_after: Option<u64>,
        #[arg(long)]
        latency_ms: Option<u64>,
        #[arg(long, value_parser = ["respond", "drop", "stall"])]
        action: Option<String>,
        #[arg(long)]
        times: Option<u64>,
        #[arg(long)]
        skip: Option<u64>,
        #[arg(long)]
        probability: Option<f64>,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long)]
        enforce_retry_after: bool,
        #[arg(long)]
        message: Option<String>,
    },
    /// List the rules and how often each fired.
    List,
    /// Delete one rule, or all without an id.
    Clear { id: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Save the whole directory under NAME (replacing a snapshot of that name).
    Save { name: String },
    /// Replace the whole directory with the snapshot NAME.
    Restore { name: String },
    /// List the snapshots.
    List,
    /// Delete the snapshot NAME.
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum ClockCommand {
    /// The server's time.
    Show,
    /// Move the clock forward by a duration (30s, 15m, 2h).
    Advance { by: String },
    /// Put the clock at a time (RFC 3339); it runs on from there.
    Set { now: String },
    /// Back to real time.
    Real,
}

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Register an integration; prints its client id and its client secret (shown once,
    /// stored only as a hash).
    Create(IntegrationCreateArgs),
    /// List integrations (never their secrets).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Only this organization's integrations.
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// Print one JSON object per integration and line.
        #[arg(long)]
        json: bool,
    },
    /// Show one integration.
    Show {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The client id.
        client_id: String,
        /// Print a JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Delete an integration and revoke every token issued to it.
    Delete {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The client id.
        client_id: String,
    },
    /// Replace an integration's client secret; prints the new one (shown once).
    RotateSecret {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The client id.
        client_id: String,
        /// Print a JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct IntegrationCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The name people see on the consent page.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// A redirect URI, matched exactly (repeat for several).
    #[arg(long = "redirect-uri", value_name = "URI", required = true)]
    pub redirect_uris: Vec<String>,
    /// A data scope the integration may ask for (repeat for several), e.g. spark:people_read.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The organization; needed only when the database has several.
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Print one JSON object: id, clientId, clientSecret, redirectUris, scopes.
    #[arg(long)]
    pub json: bool,
}

/// Where the API is and who is asking.
#[derive(Debug, Args, Clone)]
pub struct ApiArgs {
    /// The API's base URL: a Roster server, or https://webexapis.com/v1.
    #[arg(
        long,
        env = "ROSTER_BASE_URL",
        default_value = "http://127.0.0.1:8080/v1",
        value_name = "URL"
    )]
    pub base_url: String,
    /// The access token.
    #[arg(
        long,
        env = "WEBEX_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: String,
    /// Print JSON (one object, or JSON Lines for lists) instead of a table or card.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// List people (follows pagination to the end, or up to --limit).
    #[command(
        after_help = "Examples:\n  roster people list --display-name Ada\n  roster people list --email ada@acme.test --json"
    )]
    List {
        #[command(flatten)]
        api: ApiArgs,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Person ids (repeat or comma-separate).
        #[arg(long = "id", value_delimiter = ',')]
        ids: Vec<String>,
        #[arg(long)]
        org_id: Option<String>,
        /// Page size asked of the server.
        #[arg(long)]
        max: Option<u32>,
        /// Stop after this many people.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show one person.
    #[command(after_help = "Example:\n  roster people get Y2lzY29zcGFyazovL3VzL1BFT1BMRS8...")]
    Get {
        #[command(flatten)]
        api: ApiArgs,
        id: String,
    },
    /// Create a person (admins).
    #[command(
        after_help = "Example:\n  roster people create --email ada@acme.test --display-name \"Ada Lovelace\" --title Countess"
    )]
    Create {
        #[command(flatten)]
        api: ApiArgs,
        #[command(flatten)]
        fields: PersonFields,
    },
    /// Update a person (admins): fetches them, changes the given fields, and PUTs the whole
    /// person back, so fields you do not mention are kept.
    #[command(after_help = "Example:\n  roster people update Y2lz... --title \"Chief Scientist\"")]
    Update {
        #[command(flatten)]
        api: ApiArgs,
        id: String,
        #[command(flatten)]
        fields: PersonFields,
    },
    /// Delete a person (admins).
    #[command(after_help = "Example:\n  roster people delete Y2lz...")]
    Delete {
        #[command(flatten)]
        api: ApiArgs,
        id: String,
    },
}

#[derive(Debug, Args, Clone)]
pub struct PersonFields {
    /// Email address (repeat for several; the first is primary).
    #[arg(long = "email")]
    pub emails: Vec<String>,
    #[arg(long)]
    pub display_name: Option<String>,
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub department: Option<String>,
    #[arg(long)]
    pub org_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The database to copy from.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The empty database to copy into (created and migrated if needed).
    #[arg(long, value_name = "URL")]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The file to write; it must not exist.
    #[arg(long, short, value_name = "FILE")]
    pub output: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The backup file to restore (made by `roster backup`).
    #[arg(long, value_name = "FILE")]
    pub from: std::path::PathBuf,
    /// Replace the target even when it holds data.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportFormat {
    Csv,
    Jsonl,
    /// JSON Lines of SCIM 2 User resources (as `GET /Users` returns them, or as an IdP
    /// sends them to `POST /Users`).
    Scim,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The file to read.
    pub file: std::path::PathBuf,
    /// The file's format; by default `.csv` files are CSV and everything else JSON Lines.
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,
    /// Organization (id, UUID or name) for rows without an orgId; needed when there are
    /// several.
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Stop at the first bad row (rows before it stay imported).
    #[arg(long)]
    pub strict: bool,
    /// Create organizations named by rows' orgId that do not exist yet.
    #[arg(long)]
    pub create_orgs: bool,
    /// Rows per transaction.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=100_000), value_name = "N")]
    pub batch_size: u32,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Only this organization (id, UUID or name).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Write here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PresenceCommand {
    /// Put a person in a presence state (active, call, DoNotDisturb, inactive, meeting,
    /// OutOfOffice, pending, presenting, unknown), or `auto` to derive it from activity again.
    #[command(
        after_help = "Examples:\n  roster presence set ada@acme.test DoNotDisturb --for 30m\n  roster presence set ada@acme.test auto"
    )]
    Set {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The person's email.
        email: String,
        /// The state, or `auto`.
        state: String,
        /// How long the state lasts; without it, until changed.
        #[arg(long = "for", value_parser = humantime::parse_duration, value_name = "DURATION")]
        duration: Option<std::time::Duration>,
    },
    /// Turn a person's status sharing on or off (off hides status and lastActivity).
    #[command(after_help = "Example:\n  roster presence sharing ada@acme.test off")]
    Sharing {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The person's email.
        email: String,
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        setting: String,
    },
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
    /// How long start-up waits for an unreachable database, retrying, before giving up.
    #[arg(long, env = "ROSTER_DB_WAIT", default_value = "30s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub db_wait: std::time::Duration,
    /// Database connections in the pool.
    #[arg(
        long,
        env = "ROSTER_DB_POOL_SIZE",
        default_value_t = 8,
        value_name = "N"
    )]
    pub db_pool_size: u32,
    /// How long a request waits for a free database connection before a 503.
    #[arg(long, env = "ROSTER_DB_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub db_acquire_timeout: std::time::Duration,
    /// How long one request may take (408 beyond).
    #[arg(long, env = "ROSTER_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub request_timeout: std::time::Duration,
    /// Entries each in-memory cache (tokens, people, emails, rendered answers) keeps; the
    /// people and rendered-answer caches are also bounded in bytes (4 KiB and 2 KiB an
    /// entry, at most 32 MiB and 16 MiB).
    #[arg(long, env = "ROSTER_CACHE_CAPACITY", default_value_t = roster_server::config::DEFAULT_CACHE_CAPACITY, value_name = "N")]
    pub cache_capacity: u64,
    /// Lifetime of access tokens issued by /v1/access_token.
    #[arg(long, env = "ROSTER_ACCESS_TOKEN_TTL", default_value = "14d", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub access_token_ttl: std::time::Duration,
    /// Lifetime of refresh tokens issued by /v1/access_token.
    #[arg(long, env = "ROSTER_REFRESH_TOKEN_TTL", default_value = "90d", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub refresh_token_ttl: std::time::Duration,

    /// Serve the test control API (faults, request journal, snapshots, clock) on this
    /// address, a port of its own. Off unless given. Its token is ROSTER_CONTROL_TOKEN, or,
    /// on a loopback address only, a random one printed once.
    #[arg(long, env = "ROSTER_CONTROL_LISTEN", value_name = "ADDR")]
    pub control_listen: Option<SocketAddr>,

    /// How many requests the control API's journal keeps.
    #[arg(long, env = "ROSTER_JOURNAL_SIZE", default_value_t = roster_server::control::DEFAULT_JOURNAL_SIZE, value_name = "N")]
    pub journal_size: usize,
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
    /// List tokens (never the secrets): id, person, label, created, expiry, state.
    #[command(after_help = "Example:\n  roster token list --email ada@acme.test")]
    List {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Only this person's tokens.
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
    },
    /// Revoke a token by its id (from `token list`). A running server rejects it within
    /// its change-poll interval (200 ms by default).
    #[command(after_help = "Example:\n  roster token revoke 0b6e2c3a-7f0e-4c55-9d53-8f0c2a1d9e11")]
    Revoke {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The token id.
        id: uuid::Uuid,
    },
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
    /// Limit the token to these OAuth scopes (repeat for several); without it the token
    /// has full access.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// A note to recognise the token by in listings.
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
}

/// How an organization is named on the command line.
const ORG_HELP: &str = "the Webex organization id, its UUID, or its exact display name";

#[derive(Debug, Subcommand)]
pub enum OidcCommand {
    /// List the signing keys, newest first: the active one, and retired ones with until
    /// when /v1/verification still publishes them.
    Keys {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print one JSON object per line (kid, state, created, retiredAt, publishedUntil,
        /// jwk) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Make a new signing key active; prints its key id. The old key signs no more at once
    /// and stays in the JWKS until the id_tokens it signed have expired (2 hours). Running
    /// servers use the new key from their next id_token on.
    RotateKey {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization; prints only its Webex id on stdout.
    #[command(
        after_help = "Examples:\n  roster org create --name \"Acme\"\n  roster org create --name \"Acme Partners\" --partner-of \"Acme\"\n\nORG may be the Webex organization id, the organization's UUID or its exact display name."
    )]
    Create(OrgCreateArgs),
    /// List organizations: id, name and the organizations each one manages.
    #[command(after_help = "Examples:\n  roster org list\n  roster org list --json | jq -r .id")]
    List(OrgListArgs),
    /// Make a partner organization manage a customer organization (its admins then
    /// administer the customer's people), or stop it with --remove.
    #[command(
        after_help = "Examples:\n  roster org manage --partner \"Acme Partners\" --customer \"Acme\"\n  roster org manage --partner \"Acme Partners\" --customer \"Acme\" --remove\n\nORG may be the Webex organization id, the organization's UUID or its exact display name."
    )]
    Manage(OrgManageArgs),
}

#[derive(Debug, Args)]
pub struct OrgCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The organization's display name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Make the new organization a partner of ORG: the new organization manages ORG.
    #[arg(long, value_name = "ORG", long_help = format!("Make the new organization a partner of ORG: the new organization manages ORG. ORG is {ORG_HELP}."))]
    pub partner_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct OrgListArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Print one JSON object per line (id, name, created, managedOrgs) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OrgManageArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The managing (partner) organization.
    #[arg(long, value_name = "ORG", long_help = format!("The managing (partner) organization: {ORG_HELP}."))]
    pub partner: String,
    /// The managed (customer) organization.
    #[arg(long, value_name = "ORG", long_help = format!("The managed (customer) organization: {ORG_HELP}."))]
    pub customer: String,
    /// Stop the partner managing the customer.
    #[arg(long)]
    pub remove: bool,
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Add a person; prints only the new person's Webex id on stdout. Like a person created
    /// through the API, they start with an invite pending and login enabled.
    #[command(
        after_help = "Examples:\n  roster person add --email ada@acme.test --first-name Ada --last-name Lovelace\n  roster person add --email boss@acme.test --role full-admin --role user-admin\n  roster person add --email helper@webex.bot --display-name Helper --bot --org \"Acme\""
    )]
    Add(PersonAddArgs),
    /// List people as a table (id, email, name, type, roles) or as JSON Lines.
    #[command(
        after_help = "Examples:\n  roster person list\n  roster person list --org \"Acme\" --display-name ada\n  roster person list --json | jq -r '.emails[0]'"
    )]
    List(PersonListArgs),
    /// Show everything stored about a person.
    #[command(
        after_help = "Examples:\n  roster person show ada@acme.test\n  roster person show Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY --json"
    )]
    Show(PersonShowArgs),
    /// Remove a person and their tokens.
    #[command(
        after_help = "Examples:\n  roster person remove ada@acme.test\n  roster person remove f5b36187-c8dd-4727-8b2f-f9c447f29046"
    )]
    Remove(PersonRemoveArgs),
    /// Set a person's password for the sign-in page (stored as an Argon2id hash).
    #[command(
        after_help = "Examples:\n  roster person password ada@acme.test\n  printf '%s' \"$PASSWORD\" | roster person password ada@acme.test --password-stdin"
    )]
    Password(PersonPasswordArgs),
}

#[derive(Debug, Args)]
pub struct PersonPasswordArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The person's Webex id, UUID or email address.
    #[arg(value_name = "ID|EMAIL")]
    pub person: String,
    /// Read the password from standard input (one line) instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

/// The admin roles that can be given on the command line (`--role full-admin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Reads and writes everything in the organization.
    #[value(name = "full-admin")]
    Full,
    /// Reads and writes people in the organization.
    #[value(name = "user-admin")]
    User,
    /// Reads what admins read; writes nothing.
    #[value(name = "readonly-admin")]
    Readonly,
    /// Manages devices only.
    #[value(name = "device-admin")]
    Device,
}

#[derive(Debug, Args)]
pub struct PersonAddArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The person's email address (unique, compared case-insensitively).
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Display name; by default the first and last names, or else the email address.
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// First name.
    #[arg(long, value_name = "NAME")]
    pub first_name: Option<String>,
    /// Last name.
    #[arg(long, value_name = "NAME")]
    pub last_name: Option<String>,
    /// The organization; needed only when the database has several.
    #[arg(long, value_name = "ORG", long_help = format!("The organization: {ORG_HELP}. Needed only when the database has several."))]
    pub org: Option<String>,
    /// A role to give (repeat for several).
    #[arg(long = "role", value_enum, value_name = "ROLE")]
    pub roles: Vec<RoleArg>,
    /// Job title.
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
    /// Create a bot rather than a person.
    #[arg(long)]
    pub bot: bool,
}

#[derive(Debug, Args)]
pub struct PersonListArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Only people of this organization (default: every organization).
    #[arg(long, value_name = "ORG", long_help = format!("Only people of this organization: {ORG_HELP}. By default people of every organization are listed."))]
    pub org: Option<String>,
    /// Only people whose display name starts with PREFIX (case-insensitive); the list is
    /// then ordered by name.
    #[arg(long, value_name = "PREFIX")]
    pub display_name: Option<String>,
    /// Print one JSON object per person and line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// How many people are read from the database at a time.
    #[arg(long, hide = true, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub page_size: u32,
}

#[derive(Debug, Args)]
pub struct PersonShowArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The person's Webex id, UUID or email address.
    #[arg(value_name = "ID|EMAIL")]
    pub person: String,
    /// Print a JSON object instead of a card.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PersonRemoveArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The person's Webex id, UUID or email address.
    #[arg(value_name = "ID|EMAIL")]
    pub person: String,
}
