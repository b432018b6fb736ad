use crate::cli::ServeArgs;
use anyhow::Context;
use roster_server::{Application, ServerConfig};
use roster_store::seed;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = open_with_retries(&args).await?;
    tracing::info!(
        database = %roster_store::redact_url(&args.database.database_url),
        backend = store.backend(),
        "database ready"
    );

    if !store.is_initialized().await? {
        // A first run should be usable at once: an organization, its admin, and a token.
        let org_id = args.demo.then_some(seed::EXAMPLE_ORG_ID);
        let (org, admin) = seed::initialize(
            store.as_ref(),
            org_id,
            if args.demo { "Example Org" } else { "Roster" },
            "admin@example.com",
            "Roster Admin",
        )
        .await
        .context("cannot set up the new database")?;
        eprintln!(
            "Created organization '{}' and its full admin admin@example.com.",
            org.display_name
        );
        eprintln!(
            "Admin token (shown once, keep it):\n\n    {}\n",
            admin.token
        );
        if args.demo {
            let example = seed::add_demo_people(store.as_ref(), &org)
                .await
                .context("cannot add the demo people")?;
            eprintln!(
                "Added demo people. Token of {} <{}>:\n\n    {}\n",
                example.person.display_name,
                seed::EXAMPLE_EMAIL,
                example.token
            );
            let password = demo_passwords(store.as_ref(), &org)
                .await
                .context("cannot give the demo people a password")?;
            eprintln!(
                "Every demo person signs in at /v1/authorize with the password (shown once):\n\n    {password}\n"
            );
        }
    } else if args.demo {
        tracing::info!("database already initialized; --demo adds people only to a new database");
    }

    let control = match args.control_listen {
        None => None,
        Some(listen) => {
            let given = std::env::var("ROSTER_CONTROL_TOKEN").ok();
            let (token, generated) = roster_server::control::choose_token(listen, given)
                .map_err(|message| anyhow::anyhow!(message))?;
            if generated {
                eprintln!("Control API token (shown once):\n\n    {token}\n");
            }
            Some(roster_server::control::ControlConfig {
                listen,
                token,
                journal_size: args.journal_size,
            })
        }
    };
    let config = ServerConfig {
        listen: args.listen,
        public_url: args.public_url,
        activity_flush_interval: args.activity_flush,
        rate_limit_per_minute: args.rate_limit,
        max_body_bytes: args.max_body_bytes,
        request_timeout: args.request_timeout,
        cache_capacity: args.cache_capacity,
        access_token_ttl: args.access_token_ttl,
        refresh_token_ttl: args.refresh_token_ttl,
        control,
        ..ServerConfig::default()
    };
    let app = Application::build(config, store.clone())
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %app.local_addr(), "serving the Webex People API under /v1");
    if let Some(address) = app.control_addr() {
        tracing::info!(%address, "serving the control API");
    }
    app.run_until(shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Gives every person of the demo organization one new random password; returns it.
async fn demo_passwords(
    store: &dyn roster_store::Store,
    org: &roster_store::OrgRecord,
) -> anyhow::Result<String> {
    let password = roster_store::oauth::credentials::new_client_secret()[..16].to_string();
    let hash = roster_store::oauth::password::hash(&password);
    let query = roster_store::PeopleQuery {
        org_ids: vec![org.id],
        limit: 1000,
        ..roster_store::PeopleQuery::default()
    };
    for person in store.list_people(&query).await? {
        store.set_password(person.id, &hash).await?;
    }
    Ok(password)
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Opens the database, waiting (bounded by `--db-wait`) while it is not reachable yet, as
/// when a fleet and its database start together.
async fn open_with_retries(
    args: &ServeArgs,
) -> anyhow::Result<std::sync::Arc<dyn roster_store::Store>> {
    let options = roster_store::StoreOptions {
        max_connections: args.db_pool_size.max(1),
        acquire_timeout: args.db_acquire_timeout,
        ..roster_store::StoreOptions::default()
    };
    let url = &args.database.database_url;
    let deadline = std::time::Instant::now() + args.db_wait;
    let mut attempt = 1u32;
    loop {
        match roster_store::open(url, &options).await {
            Ok(store) => return Ok(store),
            Err(roster_store::StoreError::Unavailable(detail))
                if std::time::Instant::now() < deadline =>
            {
                tracing::warn!(
                    attempt,
                    database = %roster_store::redact_url(url),
                    %detail,
                    "database not reachable yet; retrying in 1 s"
                );
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            Err(error) => {
                return Err(anyhow::Error::new(error).context(format!(
                    "cannot open the database {}",
                    roster_store::redact_url(url)
                )))
            }
        }
    }
}
