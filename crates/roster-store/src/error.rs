use thiserror::Error;

/// What can go wrong in storage, in terms the server maps onto HTTP statuses.
#[derive(Debug, Clone, Error)]
pub enum StoreError {
    /// The write would break a uniqueness rule (a taken email, an existing id).
    #[error("{0}")]
    Conflict(String),
    /// The write names something that does not exist or is not allowed.
    #[error("{0}")]
    Invalid(String),
    /// The record to change does not exist.
    #[error("not found")]
    NotFound,
    /// The database cannot be reached or is overloaded; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(error.to_string())
            }
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    StoreError::Conflict(db.message().to_string())
                } else if db.is_foreign_key_violation() || db.is_check_violation() {
                    StoreError::Invalid(db.message().to_string())
                } else if db
                    .code()
                    .is_some_and(|code| code.starts_with("22") || code.starts_with("54"))
                {
                    // SQLSTATE classes 22, "data exception", and 54, "program limit exceeded":
                    // a value the database cannot take (a NUL byte, a number out of range, a
                    // key too large to index) is the client's input, not a server fault.
                    StoreError::Invalid(format!("The database refused a value: {}", db.message()))
                } else if db.message().contains("database is locked") {
                    StoreError::Unavailable(db.message().to_string())
                } else {
                    StoreError::Database(db.message().to_string())
                }
            }
            _ => StoreError::Database(error.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError::Database(format!("stored JSON is unreadable: {error}"))
    }
}
