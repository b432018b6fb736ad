//! A fresh database per test: a SQLite file in a temporary directory by default, or a new
//! PostgreSQL database (dropped afterwards) when `ROSTER_TEST_POSTGRES_URL` names a server,
//! e.g. `postgres://postgres@127.0.0.1:5432/postgres`. Test code only (feature `testing`).

use sqlx::Connection;

/// The environment variable that switches tests to PostgreSQL.
pub const POSTGRES_URL_VAR: &str = "ROSTER_TEST_POSTGRES_URL";

pub struct TestDb {
    /// The URL to open the store with.
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var(POSTGRES_URL_VAR) {
            Ok(admin) if !admin.is_empty() => Self::postgres(admin).await,
            _ => Self::sqlite(),
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        TestDb {
            url: format!("sqlite://{}", dir.path().join("roster.db").display()),
            postgres: None,
            _dir: Some(dir),
        }
    }

    pub async fn postgres(admin_url: String) -> TestDb {
        let name = format!("roster_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!("{POSTGRES_URL_VAR} is set but PostgreSQL is not reachable: {e}")
            });
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        // The same server and credentials, another database name.
        let (address, query) = match admin_url.split_once('?') {
            Some((address, query)) => (address, format!("?{query}")),
            None => (admin_url.as_str(), String::new()),
        };
        let host_start = address.find("://").map_or(0, |i| i + 3);
        let server = match address[host_start..].find('/') {
            Some(slash) => &address[..host_start + slash],
            None => address,
        };
        let url = format!("{server}/{name}{query}");
        TestDb {
            url,
            postgres: Some((admin_url, name)),
            _dir: None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any async context we can rely on: use a thread of our own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut admin)
                            .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}
