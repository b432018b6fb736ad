use crate::cli::ServeArgs;
use anyhow::Context;
use roster_server::{Application, ServerConfig};
use roster_store::seed;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
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
        }
    } else if args.demo {
        tracing::info!("database already initialized; --demo adds people only to a new database");
    }

    let config = ServerConfig {
        listen: args.listen,
        public_url: args.public_url,
        activity_flush_interval: args.activity_flush,
        rate_limit_per_minute: args.rate_limit,
        max_body_bytes: args.max_body_bytes,
        request_timeout: args.request_timeout,
        ..ServerConfig::default()
    };
    let app = Application::build(config, store.clone())
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %app.local_addr(), "serving the Webex People API under /v1");
    app.run_until(shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
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
