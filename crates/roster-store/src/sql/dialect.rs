//! The dialect table: every way the SQL Roster runs differs between SQLite and PostgreSQL.
//!
//! Everything else is the same text on both. Things that look like differences but are not:
//! both take `INSERT ... ON CONFLICT DO NOTHING` (SQLite since 3.24), `RETURNING` (3.35),
//! `TRUE`/`FALSE` (3.23), `SAVEPOINT`/`RELEASE`/`ROLLBACK TO SAVEPOINT`, and `EXISTS`,
//! `COALESCE` and `COUNT(*)` with the same meaning. Placeholders differ (`?` and `$n`);
//! [`Dialect::text`] gives each its own, so statements are always written with `?`.

use super::query::Query;
use std::borrow::Cow;

/// One backend's spelling of the things that differ.
#[derive(Debug)]
pub(crate) struct Dialect {
    /// A short name for logs (`sqlite`, `postgres`).
    pub name: &'static str,
    /// How a transaction that will write starts. SQLite's `BEGIN IMMEDIATE` takes the write
    /// lock at once, so a transaction never fails half-way when a read turns into a write
    /// while another connection writes; PostgreSQL locks rows as it goes.
    pub begin_write: &'static str,
    /// The larger of two values: SQLite's scalar `MAX(a, b)`, PostgreSQL's `GREATEST(a, b)`.
    pub greatest: &'static str,
    /// Whether placeholders are numbered (`$1`) rather than `?`.
    numbered_placeholders: bool,
    json_array: JsonArray,
}

#[derive(Debug)]
enum JsonArray {
    /// `json_group_array` over an ordered subquery (it has no `ORDER BY` of its own).
    GroupArray,
    /// `json_agg(... ORDER BY ...)`, which is NULL over no rows.
    Agg,
}

pub(crate) const SQLITE: Dialect = Dialect {
    name: "sqlite",
    begin_write: "BEGIN IMMEDIATE",
    greatest: "MAX",
    numbered_placeholders: false,
    json_array: JsonArray::GroupArray,
};

pub(crate) const POSTGRES: Dialect = Dialect {
    name: "postgres",
    begin_write: "BEGIN",
    greatest: "GREATEST",
    numbered_placeholders: true,
    json_array: JsonArray::Agg,
};

impl Dialect {
    /// The statement's text with this backend's placeholders.
    pub fn text<'q>(&self, query: &'q Query) -> Cow<'q, str> {
        if self.numbered_placeholders {
            Cow::Owned(query.numbered_text())
        } else {
            Cow::Borrowed(query.text())
        }
    }

    /// A scalar subquery giving, as JSON text, the array of `column` over the rows of `from`
    /// (a table and its `WHERE`), in `order`; `[]` when there are none.
    pub fn json_array(&self, column: &str, from: &str, order: &str) -> String {
        match self.json_array {
            JsonArray::GroupArray => format!(
                "(SELECT json_group_array({column}) FROM (SELECT {column} FROM {from} ORDER BY {order}))"
            ),
            JsonArray::Agg => format!(
                "COALESCE((SELECT json_agg({column} ORDER BY {order}) FROM {from}), '[]')::text"
            ),
        }
    }
}
