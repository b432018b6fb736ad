use crate::cli::TokenCreateArgs;
use anyhow::{bail, Context};
use roster_store::seed;
use roster_types::time::now_millis;

pub async fn create(args: TokenCreateArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.database.database_url).await?;
    let person = store
        .find_person_by_email(&args.email)
        .await
        .context("cannot look up the person")?;
    let Some(person) = person else {
        store.close().await;
        bail!("no person has the email '{}'", args.email);
    };
    let expires_at = match args.ttl {
        Some(ttl) => {
            let millis = i64::try_from(ttl.as_millis()).context("--ttl is too long")?;
            Some(
                now_millis()
                    .checked_add(millis)
                    .context("--ttl is too long")?,
            )
        }
        None => None,
    };
    let token = seed::issue_token(store.as_ref(), &person, args.label.as_deref(), expires_at)
        .await
        .context("cannot store the token")?;
    store.close().await;
    println!("{token}");
    Ok(())
}
