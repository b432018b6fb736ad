use crate::cli::InitArgs;
use anyhow::Context;
use roster_store::seed;

pub async fn run(args: InitArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let result = seed::initialize(
        store.as_ref(),
        None,
        &args.org,
        &args.admin_email,
        &args.admin_name,
    )
    .await;
    store.close().await;
    let (org, admin) = result.context("cannot initialize the database")?;
    tracing::info!(org = %org.display_name, admin = %args.admin_email, "initialized");
    println!("{}", admin.token);
    Ok(())
}
