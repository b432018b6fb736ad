//! [`SnapshotStore`] for both backends: each snapshot is a set of plain tables,
//! `control_snapshot_<id>_<n>`, made with `CREATE TABLE ... AS SELECT *` from the directory's
//! tables and copied back by a restore. Copies inside the same database are the quickest way
//! there is to save and restore (a restore of 1,000 people is a handful of `INSERT ...
//! SELECT`s), and they need no knowledge of the tables' columns or types.
//!
//! The tables are read from the catalog (`catalog.rs`), so tables added by later migrations
//! are part of every snapshot without a change here. A restore deletes children before
//! parents and inserts parents before children, in the order the catalog's foreign keys
//! give, with foreign keys checked at commit where the backend can defer them.

use super::catalog::{column_names, directory_tables, quoted, SNAPSHOT_PREFIX};
use super::db::Tx;
use super::people::note_change;
use super::query::Query;
use super::SqlStore;
use crate::{ChangeTopic, SnapshotRecord, SnapshotStore, StoreError, StoreResult};
use async_trait::async_trait;

fn copy_table(snapshot_id: i64, position: usize) -> String {
    format!("{SNAPSHOT_PREFIX}_{snapshot_id}_{position}")
}

#[derive(sqlx::FromRow)]
struct SnapshotRow {
    id: i64,
    name: String,
    created: i64,
    tables: String,
}

impl SnapshotRow {
    fn tables(&self) -> Vec<String> {
        self.tables
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn into_record(self) -> SnapshotRecord {
        SnapshotRecord {
            tables: self.tables(),
            name: self.name,
            created: self.created,
        }
    }
}

async fn find_snapshot(tx: &mut Tx, name: &str) -> StoreResult<Option<SnapshotRow>> {
    let sql = Query::new("SELECT id, name, created, tables FROM control_snapshots WHERE name = ?")
        .bind(name);
    tx.fetch_optional::<SnapshotRow>(&sql).await
}

/// Drops a snapshot's copies and its row.
async fn drop_snapshot(tx: &mut Tx, snapshot: &SnapshotRow) -> StoreResult<()> {
    for position in 0..snapshot.tables().len() {
        let sql = format!(
            "DROP TABLE IF EXISTS {}",
            quoted(&copy_table(snapshot.id, position))
        );
        tx.execute(&Query::new(sql)).await?;
    }
    let sql = Query::new("DELETE FROM control_snapshots WHERE id = ?").bind(snapshot.id);
    tx.execute(&sql).await?;
    Ok(())
}

fn check_name(name: &str) -> StoreResult<()> {
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "A snapshot name is 1 to 200 characters, none of them control characters.".into(),
        ));
    }
    Ok(())
}

#[async_trait]
impl SnapshotStore for SqlStore {
    async fn save_snapshot(&self, name: &str) -> StoreResult<SnapshotRecord> {
        check_name(name)?;
        let dialect = self.db.dialect();
        let mut tx = self.db.begin_write().await?;
        if let Some(existing) = find_snapshot(&mut tx, name).await? {
            drop_snapshot(&mut tx, &existing).await?;
        }
        let tables = directory_tables(&mut tx, dialect).await?;
        let created = tx.now();
        let sql = Query::new(
            "INSERT INTO control_snapshots (name, created, tables) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(created)
        .bind(tables.join(","));
        let (id,) = tx
            .fetch_optional::<(i64,)>(&sql)
            .await?
            .ok_or_else(|| StoreError::Database("no id for the new snapshot".into()))?;
        for (position, table) in tables.iter().enumerate() {
            let sql = format!(
                "CREATE TABLE {} AS SELECT * FROM {}",
                quoted(&copy_table(id, position)),
                quoted(table)
            );
            tx.execute(&Query::new(sql)).await?;
        }
        tx.commit().await?;
        Ok(SnapshotRecord {
            name: name.to_string(),
            created,
            tables,
        })
    }

    async fn list_snapshots(&self) -> StoreResult<Vec<SnapshotRecord>> {
        let sql = Query::new("SELECT id, name, created, tables FROM control_snapshots ORDER BY id");
        Ok(self
            .db
            .fetch_all::<SnapshotRow>(&sql)
            .await?
            .into_iter()
            .map(SnapshotRow::into_record)
            .collect())
    }

    async fn restore_snapshot(&self, name: &str) -> StoreResult<bool> {
        let dialect = self.db.dialect();
        let mut tx = self.db.begin_write().await?;
        let Some(snapshot) = find_snapshot(&mut tx, name).await? else {
            return Ok(false);
        };
        tx.execute(&Query::new(dialect.defer_foreign_keys)).await?;
        let tables = directory_tables(&mut tx, dialect).await?;
        for table in tables.iter().rev() {
            tx.execute(&Query::new(format!("DELETE FROM {}", quoted(table))))
                .await?;
        }
        // Tables made after the snapshot was taken stay empty, as they were then; tables
        // dropped since are skipped.
        let saved = snapshot.tables();
        for table in &tables {
            let Some(position) = saved.iter().position(|t| t == table) else {
                continue;
            };
            let copy = copy_table(snapshot.id, position);
            // The copy's columns, named: a column added since the snapshot takes its
            // default.
            let columns = column_names(&mut tx, dialect, &copy)
                .await?
                .iter()
                .map(|column| quoted(column))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO {} ({columns}) {}SELECT {columns} FROM {}",
                quoted(table),
                dialect.insert_as_is,
                quoted(&copy)
            );
            tx.execute(&Query::new(sql)).await?;
        }
        note_change(&mut tx, ChangeTopic::All, "").await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_snapshot(&self, name: &str) -> StoreResult<bool> {
        let mut tx = self.db.begin_write().await?;
        let Some(snapshot) = find_snapshot(&mut tx, name).await? else {
            return Ok(false);
        };
        drop_snapshot(&mut tx, &snapshot).await?;
        tx.commit().await?;
        Ok(true)
    }
}
