use crate::cli::TokenCreateArgs;
use anyhow::{bail, Context};
use roster_store::seed;

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
                store
                    .clock()
                    .now_millis()
                    .checked_add(millis)
                    .context("--ttl is too long")?,
            )
        }
        None => None,
    };
    let token = if args.scopes.is_empty() {
        seed::issue_token(store.as_ref(), &person, args.label.as_deref(), expires_at)
            .await
            .context("cannot store the token")?
    } else {
        let secret = roster_store::token::generate(person.org_id);
        store
            .create_token_with(roster_store::oauth::NewToken {
                person_id: person.id,
                token_hash: roster_store::token::hash(&secret),
                label: args.label.clone(),
                expires_at,
                scopes: Some(args.scopes.clone()),
                authorization_id: None,
            })
            .await
            .context("cannot store the token")?;
        secret
    };
    store.close().await;
    println!("{token}");
    Ok(())
}

pub async fn list(url: &str, email: Option<&str>) -> anyhow::Result<()> {
    let store = super::open_store(url).await?;
    let person = match email {
        Some(email) => Some(
            super::person::resolve_person(store.as_ref(), email)
                .await?
                .id,
        ),
        None => None,
    };
    let tokens = store.list_tokens(person).await?;
    let now = store.clock().now_millis();
    println!(
        "{:<36}  {:<36}  {:<8}  {:<24}  {:<24}  LABEL",
        "ID", "PERSON", "STATE", "CREATED", "EXPIRES"
    );
    for token in tokens {
        let state = if token.revoked_at.is_some() {
            "revoked"
        } else if token.expires_at.is_some_and(|at| at <= now) {
            "expired"
        } else {
            "active"
        };
        let format = roster_types::time::format_millis;
        println!(
            "{:<36}  {:<36}  {:<8}  {:<24}  {:<24}  {}",
            token.id,
            token.person_id,
            state,
            format(token.created),
            token
                .expires_at
                .map(format)
                .unwrap_or_else(|| "never".into()),
            token.label.unwrap_or_default()
        );
    }
    store.close().await;
    Ok(())
}

pub async fn revoke(url: &str, id: uuid::Uuid) -> anyhow::Result<()> {
    let store = super::open_store(url).await?;
    let revoked = store.revoke_token(id).await?;
    store.close().await;
    if !revoked {
        bail!("no active token has the id {id}");
    }
    eprintln!("revoked token {id}");
    Ok(())
}
