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
    /// What makes a text comparison follow code point order, as ranges over keys assume:
    /// SQLite compares bytes already; PostgreSQL's default collation may not.
    pub binary_collation: &'static str,
    /// Whether placeholders are numbered (`$1`) rather than `?`.
    numbered_placeholders: bool,
    /// The catalog, for snapshots (`snapshots.rs`): the name of every table ...
    pub tables: &'static str,
    /// ... each foreign key, as (table, the table it references) ...
    pub foreign_keys: &'static str,
    /// ... and the columns of the table `?`, in order ...
    pub columns: &'static str,
    /// ... and the same with, for each, its declared type, its place in the primary key (0
    /// when not in it) and whether it is an identity column, for copies (`copy.rs`).
    pub column_details: &'static str,
    /// Inside a transaction: foreign keys checked at commit rather than at each statement
    /// (SQLite's pragma; PostgreSQL's covers only deferrable keys, so restores also insert
    /// parents before children).
    pub defer_foreign_keys: &'static str,
    /// What an `INSERT` copying rows as they are says, so that PostgreSQL takes the
    /// values of `GENERATED ALWAYS` identity columns (`people.seq`) from the copy.
    pub insert_as_is: &'static str,
    json: Json,
}

/// The JSON functions of each backend.
#[derive(Debug)]
enum Json {
    /// SQLite: `json_group_array(x ORDER BY ...)` (3.44+; `[]` over no rows) and
    /// `json_array(a, b)`.
    Sqlite,
    /// PostgreSQL: `json_agg(x ORDER BY ...)` (NULL over no rows) and
    /// `json_build_array(a, b)`.
    Postgres,
}

pub(crate) const SQLITE: Dialect = Dialect {
    name: "sqlite",
    begin_write: "BEGIN IMMEDIATE",
    greatest: "MAX",
    binary_collation: "",
    numbered_placeholders: false,
    tables: "SELECT name FROM sqlite_master WHERE type = 'table'",
    foreign_keys: "SELECT m.name, f.\"table\" FROM sqlite_master AS m, \
                   pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table'",
    columns: "SELECT name FROM pragma_table_info(?) ORDER BY cid",
    column_details: "SELECT name, type, pk, FALSE FROM pragma_table_info(?) ORDER BY cid",
    defer_foreign_keys: "PRAGMA defer_foreign_keys = ON",
    insert_as_is: "",
    json: Json::Sqlite,
};

pub(crate) const POSTGRES: Dialect = Dialect {
    name: "postgres",
    begin_write: "BEGIN",
    greatest: "GREATEST",
    binary_collation: " COLLATE \"C\"",
    numbered_placeholders: true,
    tables: "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    foreign_keys: "SELECT c.relname::text, r.relname::text FROM pg_constraint k \
                   JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid \
                   JOIN pg_namespace n ON n.oid = c.relnamespace \
                   WHERE k.contype = 'f' AND n.nspname = current_schema()",
    columns: "SELECT column_name::text FROM information_schema.columns \
              WHERE table_schema = current_schema() AND table_name = ? \
              ORDER BY ordinal_position",
    column_details: "SELECT c.column_name::text, c.data_type::text, \
                     COALESCE(k.ordinal_position, 0)::bigint, c.is_identity = 'YES' \
                     FROM information_schema.columns c \
                     LEFT JOIN information_schema.table_constraints t \
                       ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                       AND t.constraint_type = 'PRIMARY KEY' \
                     LEFT JOIN information_schema.key_column_usage k \
                       ON k.constraint_schema = t.constraint_schema \
                       AND k.constraint_name = t.constraint_name AND k.column_name = c.column_name \
                     WHERE c.table_schema = current_schema() AND c.table_name = ? \
                     ORDER BY c.ordinal_position",
    defer_foreign_keys: "SET CONSTRAINTS ALL DEFERRED",
    insert_as_is: "OVERRIDING SYSTEM VALUE ",
    json: Json::Postgres,
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

    /// An aggregate giving, as JSON text, the array of `value` over the rows aggregated, in
    /// `order`; `[]` when there are none.
    pub fn json_array_agg(&self, value: &str, order: &str) -> String {
        match self.json {
            Json::Sqlite => format!("json_group_array({value} ORDER BY {order})"),
            Json::Postgres => {
                format!("COALESCE(json_agg({value} ORDER BY {order}), '[]')::text")
            }
        }
    }

    /// A JSON array of the values of `columns` (comma-separated) of one row.
    pub fn json_row(&self, columns: &str) -> String {
        match self.json {
            Json::Sqlite => format!("json_array({columns})"),
            Json::Postgres => format!("json_build_array({columns})"),
        }
    }

    /// The text at `keys` (a fixed path of object keys) inside the JSON text `expr`; NULL
    /// when absent. Keys come from Roster's own tables of attributes, never from a request.
    pub fn json_text(&self, expr: &str, keys: &[&str]) -> String {
        match self.json {
            Json::Sqlite => format!("json_extract({expr}, '$.{}')", keys.join(".")),
            Json::Postgres => format!("({expr}::jsonb #>> '{{{}}}')", keys.join(",")),
        }
    }

    /// Whether `column` is one of the strings of the JSON array `expr`. A list bound as one
    /// JSON value keeps a statement's text the same whatever the list's length, so it is
    /// prepared once per connection rather than once per length (a hundred lengths churn
    /// sqlx's per-connection statement cache). Both forms are index look-ups: SQLite
    /// searches the index for each element; PostgreSQL's `= ANY` of an array computed once
    /// (an `IN` over the function would be planned as a hash join over the whole table).
    pub fn in_json_list(&self, column: &str, expr: &str) -> String {
        match self.json {
            Json::Sqlite => format!("{column} IN (SELECT value FROM json_each({expr}))"),
            Json::Postgres => format!(
                "{column} = ANY(ARRAY(SELECT json_array_elements_text(CAST({expr} AS json))))"
            ),
        }
    }

    /// A `FROM` item naming each element of the JSON array text `expr` `{alias}.value`, to
    /// be read with [`Dialect::json_element_text`].
    pub fn json_elements(&self, expr: &str, alias: &str) -> String {
        match self.json {
            Json::Sqlite => format!("json_each({expr}) {alias}"),
            Json::Postgres => format!("jsonb_array_elements({expr}::jsonb) {alias}(value)"),
        }
    }

    /// The text at `key` of an element that [`Dialect::json_elements`] names `alias`.
    pub fn json_element_text(&self, alias: &str, key: &str) -> String {
        match self.json {
            Json::Sqlite => format!("json_extract({alias}.value, '$.{key}')"),
            Json::Postgres => format!("({alias}.value #>> '{{{key}}}')"),
        }
    }
}
