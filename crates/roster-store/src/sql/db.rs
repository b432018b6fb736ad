//! The one way a statement runs, on either backend.
//!
//! [`Db`] holds the pool of whichever backend the URL named. Each operation matches on the
//! backend once, here, and hands sqlx the statement's text (numbered for PostgreSQL) and its
//! values; rows come back through `#[derive(sqlx::FromRow)]` types, which decode from either
//! backend's rows (see `rows.rs`). Code above this file never names a backend.

use super::dialect::{Dialect, POSTGRES, SQLITE};
use super::query::{Query, Value};
use super::writer::Writer;
use crate::{PoolStats, StoreError, StoreOptions, StoreResult};
use futures_util::future::BoxFuture;
use roster_types::time::Clock;
use sqlx::migrate::Migrator;
use sqlx::pool::{PoolConnection, PoolOptions};
use sqlx::postgres::{PgConnectOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Arguments, Database, Encode, PgConnection, Postgres, Sqlite, SqliteConnection, Type};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// A row type both backends can decode (what `#[derive(sqlx::FromRow)]` gives for fields of
/// text, integer and boolean columns).
pub(crate) trait Row:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Row for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

pub(crate) struct Db {
    pool: Pool,
    /// SQLite allows one writer at a time. Write transactions of this process take turns
    /// here, in order, instead of in SQLite's busy handler, which polls with growing sleeps
    /// (up to 100 ms) and so kept waiting writers asleep long after the lock was free. Other
    /// processes (the CLI) still meet the busy handler. PostgreSQL needs no gate.
    write_gate: Option<Arc<Mutex<()>>>,
    /// SQLite's group commit (`writer.rs`); `None` on PostgreSQL.
    writer: Option<Writer>,
    /// PostgreSQL's tables' growth through bulk inserts (see [`Growth`]).
    growth: Arc<Growth>,
    clock: Clock,
}

/// How to reach a backend: its connection options and its migrations.
pub(crate) enum Connect {
    Sqlite(SqliteConnectOptions, &'static Migrator),
    Postgres(PgConnectOptions, &'static Migrator),
}

/// The pool settings common to both backends.
fn pool_options<DB: Database>(options: &StoreOptions) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .acquire_timeout(options.acquire_timeout)
}

fn migration_failed(error: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Database(format!("migration failed: {error}"))
}

impl Db {
    /// Connects and runs the backend's pending migrations.
    pub async fn open(connect: Connect, options: &StoreOptions) -> StoreResult<Db> {
        let pool = match connect {
            Connect::Sqlite(connect, migrator) => {
                let pool = pool_options(options).connect_with(connect).await?;
                migrator.run(&pool).await.map_err(migration_failed)?;
                Pool::Sqlite(pool)
            }
            Connect::Postgres(connect, migrator) => {
                let pool = pool_options(options).connect_with(connect).await?;
                migrator.run(&pool).await.map_err(migration_failed)?;
                Pool::Postgres(pool)
            }
        };
        Ok(Db::new(pool, options.clock.clone()))
    }

    fn new(pool: Pool, clock: Clock) -> Db {
        let (write_gate, writer) = match &pool {
            Pool::Sqlite(sqlite) => {
                let gate = Arc::new(Mutex::new(()));
                let sqlite = sqlite.clone();
                let writer_clock = clock.clone();
                // The writer holds the gate itself while its transaction is open.
                let begin = move || -> BoxFuture<'static, StoreResult<Tx>> {
                    let sqlite = sqlite.clone();
                    let now = writer_clock.now_millis();
                    Box::pin(async move { Tx::begin_sqlite(&sqlite, None, now).await })
                };
                (Some(gate.clone()), Some(Writer::start(gate, begin)))
            }
            Pool::Postgres(_) => (None, None),
        };
        Db {
            pool,
            write_gate,
            writer,
            growth: Arc::default(),
            clock,
        }
    }

    /// The clock the store's timestamps come from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn dialect(&self) -> &'static Dialect {
        match self.pool {
            Pool::Sqlite(_) => &SQLITE,
            Pool::Postgres(_) => &POSTGRES,
        }
    }

    async fn acquire(&self) -> StoreResult<Pooled> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Pooled::Sqlite(pool.acquire().await?),
            Pool::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
        })
    }

    pub async fn fetch_all<R: Row>(&self, query: &Query) -> StoreResult<Vec<R>> {
        self.acquire().await?.conn().fetch_all(query).await
    }

    pub async fn fetch_optional<R: Row>(&self, query: &Query) -> StoreResult<Option<R>> {
        self.acquire().await?.conn().fetch_optional(query).await
    }

    pub async fn fetch_one<R: Row>(&self, query: &Query) -> StoreResult<R> {
        self.acquire().await?.conn().fetch_one(query).await
    }

    /// The record made of the one row `query` returns, if any.
    pub async fn record<R: Row, T: TryFrom<R, Error = StoreError>>(
        &self,
        query: &Query,
    ) -> StoreResult<Option<T>> {
        self.fetch_optional::<R>(query)
            .await?
            .map(T::try_from)
            .transpose()
    }

    /// The records made of every row `query` returns.
    pub async fn records<R: Row, T: TryFrom<R, Error = StoreError>>(
        &self,
        query: &Query,
    ) -> StoreResult<Vec<T>> {
        self.fetch_all::<R>(query)
            .await?
            .into_iter()
            .map(T::try_from)
            .collect()
    }

    /// Runs a statement; returns the number of rows it changed.
    pub async fn execute(&self, query: &Query) -> StoreResult<u64> {
        self.acquire().await?.conn().execute(query).await
    }

    /// Starts a transaction that will write, for bulk writes (imports, copies, activity
    /// batches); every other write goes through [`Db::write`].
    pub async fn begin_write(&self) -> StoreResult<Tx> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let gate = self.write_gate.as_ref().expect("SQLite has a write gate");
                let turn = gate.clone().lock_owned().await;
                Tx::begin_sqlite(pool, Some(turn), self.clock.now_millis()).await
            }
            Pool::Postgres(pool) => Ok(Tx {
                inner: TxInner::Postgres(
                    pool.begin_with(POSTGRES.begin_write).await?,
                    self.growth.clone(),
                ),
                now: self.clock.now_millis(),
                _gate: None,
            }),
        }
    }

    /// Starts a transaction that only reads: one consistent view of the database, without
    /// SQLite's write lock or the write gate, so writers are not held up while it lasts.
    pub async fn begin_read(&self) -> StoreResult<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?, self.growth.clone()),
        };
        Ok(Tx {
            inner,
            now: self.clock.now_millis(),
            _gate: None,
        })
    }

    /// Runs `work` in a write transaction and returns its result once committed. A failed
    /// `work` changes nothing. On SQLite the transaction may be shared with other writes
    /// (group commit, `writer.rs`), each in its own savepoint.
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, StoreResult<T>> + Send + 'static,
    {
        if let Some(writer) = &self.writer {
            return writer.write(Box::new(work)).await;
        }
        let mut tx = self.begin_write().await?;
        let value = work(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle) = match &self.pool {
            Pool::Sqlite(pool) => (pool.size(), pool.num_idle()),
            Pool::Postgres(pool) => (pool.size(), pool.num_idle()),
        };
        PoolStats {
            size,
            idle: idle as u32,
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// A transaction, almost always one that writes ([`Db::begin_write`], [`Db::write`]).
/// Dropped without [`Tx::commit`], it rolls back.
pub(crate) struct Tx {
    inner: TxInner,
    /// The time of this transaction's writes, read from the store's clock when it began.
    now: i64,
    /// Held until the transaction ends (see `Db::write_gate`); declared after `inner` so it
    /// is released after the rollback of a dropped transaction.
    _gate: Option<OwnedMutexGuard<()>>,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>, Arc<Growth>),
}

/// Rows bulk-inserted into each PostgreSQL table since this process last had it analysed.
///
/// PostgreSQL plans from statistics that only `ANALYZE` (or, a minute or more later,
/// autovacuum) refreshes. A table loaded from empty in one go is planned as if still empty:
/// the `id IN (...)` look-ups of an import then scan the whole table, and importing 100,000
/// people into a new database took minutes instead of seconds. So a bulk insert analyses
/// its table whenever it has grown to four times its size at the last analysis (by at
/// least [`ANALYZE_AFTER_ROWS`]): a handful of analyses however large the load, and
/// statistics that never understate a table by more than that factor.
#[derive(Default)]
pub(crate) struct Growth(std::sync::Mutex<std::collections::HashMap<String, (u64, u64)>>);

/// The least growth, in rows, after which a table is analysed again.
const ANALYZE_AFTER_ROWS: u64 = 1_000;

impl Growth {
    /// Notes `rows` more rows in `table`; whether it should be analysed now.
    fn grew(&self, table: &str, rows: u64) -> bool {
        let mut tables = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (since, at_last) = tables.entry(table.to_string()).or_default();
        *since += rows;
        if *since >= (3 * *at_last).max(ANALYZE_AFTER_ROWS) {
            *at_last += *since;
            *since = 0;
            return true;
        }
        false
    }
}

impl Tx {
    async fn begin_sqlite(
        pool: &sqlx::SqlitePool,
        gate: Option<OwnedMutexGuard<()>>,
        now: i64,
    ) -> StoreResult<Tx> {
        Ok(Tx {
            inner: TxInner::Sqlite(pool.begin_with(SQLITE.begin_write).await?),
            now,
            _gate: gate,
        })
    }

    /// The time of this transaction's writes (`created`, `last_modified`, `revoked_at`, ...).
    pub fn now(&self) -> i64 {
        self.now
    }

    fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Conn::Sqlite(tx),
            TxInner::Postgres(tx, _) => Conn::Postgres(tx),
        }
    }

    pub async fn fetch_all<R: Row>(&mut self, query: &Query) -> StoreResult<Vec<R>> {
        self.conn().fetch_all(query).await
    }

    pub async fn fetch_optional<R: Row>(&mut self, query: &Query) -> StoreResult<Option<R>> {
        self.conn().fetch_optional(query).await
    }

    pub async fn execute(&mut self, query: &Query) -> StoreResult<u64> {
        self.conn().execute(query).await
    }

    /// Inserts `rows`, each the values of `columns` in order, into `table`; how many. On
    /// PostgreSQL a batch of [`COPY_FROM_ROWS`] or more goes through `COPY ... FROM STDIN`
    /// (CSV), which costs the server far less per row than binding every value of a multi-row
    /// `INSERT` (with it `roster migrate-store` into PostgreSQL went from 14,000 to 22,000 people/s);
    /// otherwise multi-row `INSERT`s of `rows_per_insert` rows.
    pub async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Value>],
        rows_per_insert: usize,
    ) -> StoreResult<u64> {
        let columns = columns.join(", ");
        if let TxInner::Postgres(tx, growth) = &mut self.inner {
            if rows.len() >= COPY_FROM_ROWS {
                let copy = format!("COPY {table} ({columns}) FROM STDIN (FORMAT csv)");
                let mut copy_in = tx.copy_in_raw(&copy).await?;
                copy_in.send(csv(rows)).await?;
                let copied = copy_in.finish().await?;
                if growth.grew(table, copied) {
                    sqlx::query(&format!("ANALYZE {table}"))
                        .execute(&mut **tx)
                        .await?;
                }
                return Ok(copied);
            }
        }
        let mut inserted = 0;
        for chunk in rows.chunks(rows_per_insert.max(1)) {
            let mut sql = Query::new(format!("INSERT INTO {table} ({columns}) VALUES "));
            sql.push_rows(chunk.iter().cloned());
            inserted += self.execute(&sql).await?;
        }
        Ok(inserted)
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx, _) => tx.commit().await?,
        }
        Ok(())
    }
}

enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Pooled {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(conn) => Conn::Sqlite(conn),
            Pooled::Postgres(conn) => Conn::Postgres(conn),
        }
    }
}

/// A connection of either backend, borrowed from the pool or from a transaction: the one
/// place statements are handed to sqlx.
enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// Builds the sqlx statement for `$query` with `$make` (`sqlx::query_with` or
/// `sqlx::query_as_with`) for whichever backend `$conn` is, in that backend's dialect, then
/// runs `$run` on it.
macro_rules! on_backend {
    ($conn:expr, $query:expr, $make:path, |$statement:ident, $c:ident| $run:expr) => {
        match $conn {
            Conn::Sqlite($c) => {
                let text = SQLITE.text($query);
                let $statement = $make(&text, arguments::<Sqlite>($query.values())?);
                $run
            }
            Conn::Postgres($c) => {
                let text = POSTGRES.text($query);
                let $statement = $make(&text, arguments::<Postgres>($query.values())?);
                $run
            }
        }
    };
}

impl Conn<'_> {
    async fn fetch_all<R: Row>(self, query: &Query) -> StoreResult<Vec<R>> {
        Ok(on_backend!(
            self,
            query,
            sqlx::query_as_with,
            |statement, conn| statement.fetch_all(conn).await?
        ))
    }

    async fn fetch_optional<R: Row>(self, query: &Query) -> StoreResult<Option<R>> {
        Ok(on_backend!(
            self,
            query,
            sqlx::query_as_with,
            |statement, conn| statement.fetch_optional(conn).await?
        ))
    }

    async fn fetch_one<R: Row>(self, query: &Query) -> StoreResult<R> {
        self.fetch_optional(query)
            .await?
            .ok_or_else(|| StoreError::Database(format!("no row from: {}", query.text())))
    }

    async fn execute(self, query: &Query) -> StoreResult<u64> {
        Ok(on_backend!(
            self,
            query,
            sqlx::query_with,
            |statement, conn| statement.execute(conn).await?.rows_affected()
        ))
    }
}

/// From how many rows on an insert into PostgreSQL goes through `COPY`.
const COPY_FROM_ROWS: usize = 64;

/// `rows` in the CSV form of PostgreSQL's `COPY`: text always quoted (so an empty string is
/// not NULL), NULL as an empty unquoted field.
fn csv(rows: &[Vec<Value>]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(rows.len() * 256);
    for row in rows {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match value {
                Value::Text(None) | Value::Int(None) => {}
                Value::Text(Some(text)) => {
                    out.push(b'"');
                    for byte in text.bytes() {
                        if byte == b'"' {
                            out.push(b'"');
                        }
                        out.push(byte);
                    }
                    out.push(b'"');
                }
                Value::Int(Some(int)) => {
                    let _ = write!(out, "{int}");
                }
                Value::Bool(flag) => out.extend_from_slice(if *flag { b"true" } else { b"false" }),
            }
        }
        out.push(b'\n');
    }
    out
}

/// A statement's values as one backend's arguments.
fn arguments<'q, DB: Database>(values: &'q [Value]) -> StoreResult<DB::Arguments<'q>>
where
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
{
    let mut arguments = DB::Arguments::default();
    for value in values {
        match value {
            Value::Text(text) => arguments.add(text.as_deref()),
            Value::Int(int) => arguments.add(*int),
            Value::Bool(flag) => arguments.add(*flag),
        }
        .map_err(|e| StoreError::Database(format!("cannot bind a value: {e}")))?;
    }
    Ok(arguments)
}
