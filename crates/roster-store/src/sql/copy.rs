//! [`CopyStore`] for both backends: pages read in primary-key order with every value cast
//! to text, and written back with each value turned into its column's kind (`catalog.rs`).

use super::catalog::{self, quoted, Column};
use super::query::{Query, Value};
use super::SqlStore;
use crate::{CopyStore, StoreError, StoreResult, TableRow};
use async_trait::async_trait;

/// Values bound by one multi-row `INSERT`: within both backends' limits.
const VALUES_PER_INSERT: usize = 20_000;

/// A row of any width, every column decoded as optional text.
struct TextRow(TableRow);

impl<'r, R> sqlx::FromRow<'r, R> for TextRow
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        (0..row.len())
            .map(|i| row.try_get::<Option<String>, _>(i))
            .collect::<Result<_, _>>()
            .map(TextRow)
    }
}

fn joined(columns: &[&Column]) -> String {
    columns
        .iter()
        .map(|c| quoted(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait]
impl CopyStore for SqlStore {
    async fn directory_tables(&self) -> StoreResult<Vec<String>> {
        let mut tx = self.db.begin_read().await?;
        catalog::directory_tables(&mut tx, self.db.dialect()).await
    }

    async fn table_columns(&self, table: &str) -> StoreResult<Vec<String>> {
        let mut tx = self.db.begin_read().await?;
        catalog::column_names(&mut tx, self.db.dialect(), table).await
    }

    async fn read_rows(
        &self,
        table: &str,
        after: Option<&TableRow>,
        limit: u32,
    ) -> StoreResult<Vec<TableRow>> {
        let mut tx = self.db.begin_read().await?;
        let columns = catalog::columns(&mut tx, self.db.dialect(), table).await?;
        let all: Vec<&Column> = columns.iter().collect();
        let select = all
            .iter()
            .map(|c| format!("CAST({} AS TEXT)", quoted(&c.name)))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = Query::new(format!("SELECT {select} FROM {}", quoted(table)));
        let mut key: Vec<(usize, &Column)> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.key_position.is_some())
            .collect();
        key.sort_by_key(|(_, c)| c.key_position);
        if !key.is_empty() {
            let key_columns: Vec<&Column> = key.iter().map(|(_, c)| *c).collect();
            if let Some(after) = after {
                let values = key
                    .iter()
                    .map(|(i, c)| c.value(after.get(*i).and_then(Option::as_deref)))
                    .collect::<StoreResult<Vec<Value>>>()?;
                sql.push(&format!(" WHERE ({}) > (", joined(&key_columns)));
                sql.push_list(values).push(")");
            }
            sql.push(&format!(" ORDER BY {} LIMIT ", joined(&key_columns)))
                .push_bind(i64::from(limit));
        } else if after.is_some() {
            // The whole table came in the first page.
            return Ok(Vec::new());
        }
        let rows = tx.fetch_all::<TextRow>(&sql).await?;
        Ok(rows.into_iter().map(|row| row.0).collect())
    }

    async fn write_rows(
        &self,
        table: &str,
        columns: &[String],
        rows: &[TableRow],
    ) -> StoreResult<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let dialect = self.db.dialect();
        let mut tx = self.db.begin_write().await?;
        let target = catalog::columns(&mut tx, dialect, table).await?;
        let columns = columns
            .iter()
            .map(|name| {
                target.iter().find(|c| &c.name == name).ok_or_else(|| {
                    StoreError::Invalid(format!("the target has no column {table}.{name}"))
                })
            })
            .collect::<StoreResult<Vec<&Column>>>()?;
        let as_is = if columns.iter().any(|c| c.identity) {
            dialect.insert_as_is
        } else {
            ""
        };
        let per_insert = (VALUES_PER_INSERT / columns.len().max(1)).max(1);
        let mut written = 0;
        for chunk in rows.chunks(per_insert) {
            let values = chunk
                .iter()
                .map(|row| {
                    if row.len() != columns.len() {
                        return Err(StoreError::Invalid(format!(
                            "a row of {table} has {} values for {} columns",
                            row.len(),
                            columns.len()
                        )));
                    }
                    columns
                        .iter()
                        .zip(row)
                        .map(|(column, text)| column.value(text.as_deref()))
                        .collect::<StoreResult<Vec<Value>>>()
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let mut sql = Query::new(format!(
                "INSERT INTO {} ({}) {as_is}VALUES ",
                quoted(table),
                joined(&columns)
            ));
            sql.push_rows(values);
            written += tx.execute(&sql).await?;
        }
        // Only PostgreSQL has identity columns; their sequences must start after the copied
        // values, or the next insert would take one of them again.
        for column in columns.iter().filter(|c| c.identity) {
            let name = quoted(&column.name);
            let sql = Query::new(format!(
                "SELECT setval(pg_get_serial_sequence(?, ?), MAX({name})) FROM {} \
                 HAVING MAX({name}) IS NOT NULL",
                quoted(table)
            ))
            .bind(quoted(table))
            .bind(column.name.as_str());
            tx.execute(&sql).await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn count_rows(&self, table: &str) -> StoreResult<i64> {
        let sql = Query::new(format!("SELECT COUNT(*) FROM {}", quoted(table)));
        Ok(self.db.fetch_one::<(i64,)>(&sql).await?.0)
    }
}
