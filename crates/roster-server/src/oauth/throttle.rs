//! Throttling of failed sign-ins, per account and per client address, kept in the database
//! so that every node counts the same failures.
//!
//! Within a window of [`WINDOW_MILLIS`], an account is refused after [`ACCOUNT_LIMIT`]
//! failures and an address after [`ADDRESS_LIMIT`]; the window restarts after its end. A
//! successful sign-in clears the account's count (not the address's, so that one good
//! account cannot reset guessing at others).

use roster_store::{Store, StoreResult};
use std::net::IpAddr;

pub const WINDOW_MILLIS: i64 = 15 * 60 * 1000;
pub const ACCOUNT_LIMIT: i64 = 5;
pub const ADDRESS_LIMIT: i64 = 20;

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn address_key(address: IpAddr) -> String {
    format!("address:{address}")
}

/// Whether either key has used up its failures in the current window.
pub async fn is_throttled(store: &dyn Store, account: &str, address: &str) -> StoreResult<bool> {
    let since = store.clock().now_millis() - WINDOW_MILLIS;
    Ok(
        store.sign_in_failures(account, since).await? >= ACCOUNT_LIMIT
            || store.sign_in_failures(address, since).await? >= ADDRESS_LIMIT,
    )
}

pub async fn note_failure(store: &dyn Store, account: &str, address: &str) -> StoreResult<()> {
    let since = store.clock().now_millis() - WINDOW_MILLIS;
    store.note_sign_in_failure(account, since).await?;
    store.note_sign_in_failure(address, since).await?;
    Ok(())
}
