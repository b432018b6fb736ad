//! The database's own catalog, read the same way on both backends: which tables make up the
//! directory, in which order they can be filled, and what their columns are. Snapshots
//! (`snapshots.rs`) and row-for-row copies between deployments (`copy.rs`) both work from
//! it, so a table added by a later migration is included in both without a change here.

use super::db::Tx;
use super::dialect::Dialect;
use super::query::{Query, Value};
use crate::{StoreError, StoreResult};
use std::collections::{BTreeMap, BTreeSet};

/// The prefix of the snapshot bookkeeping table and of every snapshot's copies.
pub(crate) const SNAPSHOT_PREFIX: &str = "control_snapshot";

/// Whether `table` is part of the directory. Not: snapshots, the change feed (every node
/// follows it, so it only moves forward), and the bookkeeping of sqlx and SQLite.
fn is_directory_table(table: &str) -> bool {
    !(table.starts_with(SNAPSHOT_PREFIX)
        || table.starts_with("_sqlx")
        || table.starts_with("sqlite_")
        || table == "changes")
}

/// A table or column name as an SQL identifier. The names come from the catalog, but a
/// quoted identifier is correct whatever they are.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The directory's tables, parents before children (by their foreign keys; tables in a
/// cycle, if any, last, relying on deferred checks), ties in name order.
pub(crate) async fn directory_tables(tx: &mut Tx, dialect: &Dialect) -> StoreResult<Vec<String>> {
    let tables: BTreeSet<String> = tx
        .fetch_all::<(String,)>(&Query::new(dialect.tables))
        .await?
        .into_iter()
        .map(|(name,)| name)
        .filter(|name| is_directory_table(name))
        .collect();
    let mut parents: BTreeMap<&str, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for (child, parent) in tx
        .fetch_all::<(String, String)>(&Query::new(dialect.foreign_keys))
        .await?
    {
        if child != parent && tables.contains(&parent) {
            if let Some(set) = parents.get_mut(child.as_str()) {
                set.insert(parent);
            }
        }
    }
    let mut ordered: Vec<String> = Vec::with_capacity(tables.len());
    while !parents.is_empty() {
        let ready: Vec<&str> = parents
            .iter()
            .filter(|(_, waiting)| waiting.iter().all(|p| ordered.contains(p)))
            .map(|(table, _)| *table)
            .collect();
        // A cycle: take the rest as they are.
        let ready = if ready.is_empty() {
            parents.keys().copied().collect()
        } else {
            ready
        };
        for table in ready {
            parents.remove(table);
            ordered.push(table.to_string());
        }
    }
    Ok(ordered)
}

/// The column names of `table`, in order.
pub(crate) async fn column_names(
    tx: &mut Tx,
    dialect: &Dialect,
    table: &str,
) -> StoreResult<Vec<String>> {
    Ok(tx
        .fetch_all::<(String,)>(&Query::new(dialect.columns).bind(table))
        .await?
        .into_iter()
        .map(|(column,)| column)
        .collect())
}

/// The three kinds of value Roster's schema holds (see [`Value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    Bool,
}

/// A column as the catalog describes it.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub name: String,
    pub kind: Kind,
    /// Its place in the primary key (1-based), if it is part of it.
    pub key_position: Option<i64>,
    /// A PostgreSQL identity column, whose sequence must follow values copied into it.
    pub identity: bool,
}

impl Column {
    /// The value of this column whose text form (`CAST(... AS TEXT)`) is `text`.
    pub fn value(&self, text: Option<&str>) -> StoreResult<Value> {
        let invalid = |text: &str| {
            StoreError::Invalid(format!(
                "the value '{text}' of column {} is not of its type",
                self.name
            ))
        };
        Ok(match (self.kind, text) {
            (Kind::Text, text) => Value::Text(text.map(str::to_string)),
            (Kind::Int, None) => Value::Int(None),
            (Kind::Int, Some(text)) => Value::Int(Some(text.parse().map_err(|_| invalid(text))?)),
            (Kind::Bool, Some("1" | "true" | "t")) => Value::Bool(true),
            (Kind::Bool, Some("0" | "false" | "f")) => Value::Bool(false),
            (Kind::Bool, text) => return Err(invalid(text.unwrap_or("NULL"))),
        })
    }
}

/// The columns of `table`, in order, with their kinds and primary key.
pub(crate) async fn columns(
    tx: &mut Tx,
    dialect: &Dialect,
    table: &str,
) -> StoreResult<Vec<Column>> {
    tx.fetch_all::<(String, String, i64, bool)>(&Query::new(dialect.column_details).bind(table))
        .await?
        .into_iter()
        .map(|(name, declared, key_position, identity)| {
            let declared = declared.to_ascii_lowercase();
            let kind = if declared.contains("int") {
                Kind::Int
            } else if declared.contains("bool") {
                Kind::Bool
            } else if declared.contains("text") || declared.contains("char") {
                Kind::Text
            } else {
                return Err(StoreError::Database(format!(
                    "column {table}.{name} has the type '{declared}', which Roster does not copy"
                )));
            };
            Ok(Column {
                name,
                kind,
                key_position: (key_position > 0).then_some(key_position),
                identity,
            })
        })
        .collect()
}
