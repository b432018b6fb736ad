//! What OAuth 2 (Webex integrations and the sign-in pages) keeps: integrations, passwords,
//! authorization codes, grants and their tokens, browser sessions, remembered consents,
//! sign-in throttling and sign-ins approved ahead of time.
//!
//! Secrets are never stored: client secrets, codes, refresh tokens and session cookies are
//! kept as the SHA-256 hex of the value ([`crate::token::hash`]), passwords as Argon2id PHC
//! strings ([`password`]). Scopes are lists of OAuth scope names.

use crate::{StoreResult, TokenRecord};
use async_trait::async_trait;
use uuid::Uuid;

/// An OAuth client of one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationRecord {
    pub id: Uuid,
    /// `C` + 64 lowercase hex digits, as Webex's.
    pub client_id: String,
    pub org_id: Uuid,
    pub name: String,
    /// SHA-256 hex of the client secret.
    pub secret_hash: String,
    /// Matched exactly against `redirect_uri`.
    pub redirect_uris: Vec<String>,
    /// The data scopes the integration may ask for.
    pub scopes: Vec<String>,
    pub created: i64,
}

/// What `create_integration` needs besides the generated credentials.
#[derive(Debug, Clone)]
pub struct IntegrationDraft {
    pub org_id: Uuid,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
}

/// An authorization code as issued by `/v1/authorize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub client_id: String,
    pub person_id: Uuid,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    /// When the person last signed in (for the id_token's `auth_time`), in milliseconds.
    pub auth_time: i64,
    pub created: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The grant the code's first use made.
    pub authorization_id: Option<Uuid>,
}

/// A grant: a person let a client act for them with some scopes. The refresh token and
/// every access token issued under it die with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRecord {
    pub id: Uuid,
    pub person_id: Uuid,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub refresh_expires_at: i64,
    pub created: i64,
    pub revoked_at: Option<i64>,
}

impl AuthorizationRecord {
    pub fn is_usable_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.refresh_expires_at > now
    }
}

/// An access token to store. `scopes: None` is full access (`roster token create`).
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    pub person_id: Uuid,
    pub token_hash: String,
    pub label: Option<String>,
    pub expires_at: Option<i64>,
    pub scopes: Option<Vec<String>>,
    /// The grant the token is issued under; the token is only stored while it is live.
    pub authorization_id: Option<Uuid>,
}

/// A new grant, with its refresh token and its first access token.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub person_id: Uuid,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub refresh_hash: String,
    pub refresh_expires_at: i64,
    pub access_hash: String,
    pub access_expires_at: i64,
}

/// A browser session of the sign-in pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub person_id: Uuid,
    pub auth_time: i64,
    pub expires_at: i64,
}

/// A sign-in approved ahead of time: the next `/v1/authorize` of `client_id` (any client
/// when `None`) signs `person_id` in and consents without showing a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInApproval {
    pub id: Uuid,
    pub person_id: Uuid,
    pub client_id: Option<String>,
    pub created: i64,
    pub taken_at: Option<i64>,
}

/// OAuth's part of the store (a supertrait of [`crate::Store`]).
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// A taken client id is a [`crate::StoreError::Conflict`]; an unknown org is `Invalid`.
    async fn create_integration(&self, draft: IntegrationDraft) -> StoreResult<IntegrationRecord>;
    async fn get_integration(&self, client_id: &str) -> StoreResult<Option<IntegrationRecord>>;
    /// Every integration, or those of one organization, oldest first.
    async fn list_integrations(&self, org: Option<Uuid>) -> StoreResult<Vec<IntegrationRecord>>;
    /// Deletes an integration, revoking every token issued to it first.
    async fn delete_integration(&self, client_id: &str) -> StoreResult<bool>;
    async fn set_integration_secret(&self, client_id: &str, secret_hash: &str)
        -> StoreResult<bool>;

    /// Sets (or replaces) a person's password hash; false when there is no such person.
    async fn set_password(&self, person: Uuid, hash: &str) -> StoreResult<bool>;
    async fn password_hash(&self, person: Uuid) -> StoreResult<Option<String>>;

    async fn create_code(&self, code_hash: &str, code: &CodeRecord) -> StoreResult<()>;
    async fn find_code(&self, code_hash: &str) -> StoreResult<Option<CodeRecord>>;
    /// Uses a code once: marks it used and makes its grant, in one transaction. `None` when
    /// it had been used already; then whatever its first use issued is revoked.
    async fn redeem_code(
        &self,
        code_hash: &str,
        grant: NewGrant,
    ) -> StoreResult<Option<AuthorizationRecord>>;
    /// Revokes what a used code issued (a second use of the code was seen).
    async fn revoke_code_grant(&self, code_hash: &str) -> StoreResult<bool>;

    /// Makes a grant without a code (tests, tools).
    async fn create_grant(&self, grant: NewGrant) -> StoreResult<AuthorizationRecord>;
    async fn find_grant_by_refresh(
        &self,
        refresh_hash: &str,
    ) -> StoreResult<Option<AuthorizationRecord>>;
    async fn get_authorization(&self, id: Uuid) -> StoreResult<Option<AuthorizationRecord>>;
    /// A person's live grants, oldest first.
    async fn list_authorizations(&self, person: Uuid) -> StoreResult<Vec<AuthorizationRecord>>;
    /// Revokes a grant and its tokens (on every node through the change feed).
    async fn revoke_authorization(&self, id: Uuid) -> StoreResult<bool>;
    /// Revokes every grant of a client to people of `org`; how many.
    async fn revoke_client_authorizations(&self, client_id: &str, org: Uuid) -> StoreResult<u64>;

    /// Stores a token. With `authorization_id` it is stored only while that grant is live
    /// (`None` otherwise).
    async fn create_token_with(&self, token: NewToken) -> StoreResult<Option<TokenRecord>>;

    async fn create_session(&self, session_hash: &str, session: &SessionRecord) -> StoreResult<()>;
    async fn find_session(&self, session_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, session_hash: &str) -> StoreResult<bool>;

    /// The scopes a person has consented to for a client (empty when none).
    async fn consented_scopes(&self, person: Uuid, client_id: &str) -> StoreResult<Vec<String>>;
    /// Adds `scopes` to what a person has consented to for a client.
    async fn remember_consent(
        &self,
        person: Uuid,
        client_id: &str,
        scopes: &[String],
    ) -> StoreResult<()>;

    /// Failures of `key` in its current window (one that started at or after `since`).
    async fn sign_in_failures(&self, key: &str, since: i64) -> StoreResult<i64>;
    /// Counts one more failure of `key`, starting a new window when the last one began
    /// before `since`; the failures in the window now.
    async fn note_sign_in_failure(&self, key: &str, since: i64) -> StoreResult<i64>;
    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()>;

    async fn approve_sign_in(
        &self,
        person: Uuid,
        client_id: Option<&str>,
    ) -> StoreResult<SignInApproval>;
    /// Takes the oldest pending approval for `client_id` (or for any client), once.
    async fn take_sign_in_approval(&self, client_id: &str) -> StoreResult<Option<SignInApproval>>;
    /// Every approval, used ones included (with `taken_at`), oldest first.
    async fn list_sign_in_approvals(&self) -> StoreResult<Vec<SignInApproval>>;
}

/// Client credentials in Webex's shapes.
pub mod credentials {
    use rand::RngCore;

    fn random_hex() -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        crate::token::hex(&bytes)
    }

    /// `C` + 64 lowercase hex digits.
    pub fn new_client_id() -> String {
        format!("C{}", random_hex())
    }

    /// 64 lowercase hex digits (256 bits).
    pub fn new_client_secret() -> String {
        random_hex()
    }

    pub fn is_client_id(text: &str) -> bool {
        text.len() == 65
            && text.starts_with('C')
            && text[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

/// Passwords: Argon2id with the crate's default parameters (OWASP's minimum), as PHC strings.
pub mod password {
    use argon2::password_hash::{rand_core::OsRng, PasswordHash, SaltString};
    use argon2::{Argon2, PasswordHasher, PasswordVerifier};

    /// The shortest password Roster stores, in characters (the CLI's and SCIM's rule): the
    /// sign-in page is for test people, yet a one-letter password is almost always a slip.
    pub const MIN_CHARS: usize = 8;

    /// Why `password` cannot be stored, if it cannot.
    pub fn problem(password: &str) -> Option<String> {
        (password.chars().count() < MIN_CHARS)
            .then(|| format!("the password must have at least {MIN_CHARS} characters"))
    }

    pub fn hash(password: &str) -> String {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .expect("Argon2 hashes any password with default parameters")
            .to_string()
    }

    /// Whether `password` matches a stored hash (the comparison is constant-time inside
    /// the argon2 crate). An unreadable hash matches nothing.
    pub fn verify(password: &str, stored: &str) -> bool {
        PasswordHash::new(stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    }

    /// A hash to verify against when the account has no password, so that an unknown
    /// account takes as long as a wrong password.
    pub fn decoy() -> &'static str {
        static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        DECOY.get_or_init(|| hash("no password is this"))
    }
}

/// Scope lists as OAuth writes them: space-separated.
pub fn join_scopes(scopes: &[String]) -> String {
    scopes.join(" ")
}

pub fn split_scopes(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_have_webex_shapes() {
        let id = credentials::new_client_id();
        assert!(credentials::is_client_id(&id), "{id}");
        assert_ne!(id, credentials::new_client_id());
        let secret = credentials::new_client_secret();
        assert_eq!(secret.len(), 64);
        assert!(!credentials::is_client_id(&secret));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let stored = password::hash("correct horse");
        assert!(stored.starts_with("$argon2id$"));
        assert!(password::verify("correct horse", &stored));
        assert!(!password::verify("correct horsf", &stored));
        assert!(!password::verify("correct horse", "not a hash"));
    }
}
