//! A statement written once: SQL text with `?` placeholders and the values bound to them.
//!
//! Both backends run the same text. SQLite takes `?` as it is; for PostgreSQL the
//! placeholders are numbered (`$1`, `$2`, ...) when the statement runs (see `db.rs`). The
//! text never holds a literal `?` of its own (no `?` inside string literals, no PostgreSQL
//! JSON `?` operators), so every `?` is a placeholder.

use uuid::Uuid;

/// A value bound to a placeholder. Roster's schema needs only these three column types on
/// both backends: text (UUIDs are lowercase hyphenated text), 64-bit integers (timestamps
/// are milliseconds) and booleans.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}

impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        Value::Text(v.clone())
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Value::Text(v.map(str::to_string))
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<Uuid> for Value {
    fn from(v: Uuid) -> Self {
        Value::Text(Some(uuid_text(&v)))
    }
}

impl From<&Uuid> for Value {
    fn from(v: &Uuid) -> Self {
        Value::Text(Some(uuid_text(v)))
    }
}

impl From<Option<Uuid>> for Value {
    fn from(v: Option<Uuid>) -> Self {
        Value::Text(v.as_ref().map(uuid_text))
    }
}

/// How a UUID is stored: lowercase and hyphenated, on both backends.
pub(crate) fn uuid_text(id: &Uuid) -> String {
    id.hyphenated().to_string()
}

/// SQL text and its bound values, in placeholder order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    text: String,
    values: Vec<Value>,
}

impl Query {
    pub fn new(text: impl Into<String>) -> Query {
        Query {
            text: text.into(),
            values: Vec::new(),
        }
    }

    /// Binds the next `?` of a statement written whole.
    pub fn bind(mut self, value: impl Into<Value>) -> Query {
        self.values.push(value.into());
        self
    }

    /// Appends text (for statements built piece by piece).
    pub fn push(&mut self, text: &str) -> &mut Query {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn push_bind(&mut self, value: impl Into<Value>) -> &mut Query {
        self.text.push('?');
        self.values.push(value.into());
        self
    }

    /// Appends another statement, text and values, as a subquery would.
    pub fn append(&mut self, other: Query) -> &mut Query {
        self.text.push_str(&other.text);
        self.values.extend(other.values);
        self
    }

    /// Appends `?, ?, ...`, one placeholder per value.
    pub fn push_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Query {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.push_bind(value);
        }
        self
    }

    /// Appends `(?, ?), (?, ?), ...`: one parenthesised group per row, for multi-row
    /// `INSERT ... VALUES`.
    pub fn push_rows<R, V>(&mut self, rows: impl IntoIterator<Item = R>) -> &mut Query
    where
        R: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        for (i, row) in rows.into_iter().enumerate() {
            self.text.push_str(if i == 0 { "(" } else { ", (" });
            self.push_list(row);
            self.text.push(')');
        }
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The text with its placeholders numbered `$1`, `$2`, ..., as PostgreSQL wants them.
    pub fn numbered_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 2 * self.values.len());
        let mut n = 0;
        for c in self.text.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_for_postgres() {
        let mut q = Query::new("SELECT * FROM t WHERE a = ? AND b IN (").bind(0i64);
        q.push_bind(1i64)
            .push(", ")
            .push_bind("x")
            .push(") AND c IN (");
        q.push_list([3i64, 4, 5]).push(")");
        assert_eq!(
            q.numbered_text(),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) AND c IN ($4, $5, $6)"
        );
        assert_eq!(q.values().len(), 6);
    }

    #[test]
    fn rows_become_parenthesised_groups() {
        let mut q = Query::new("INSERT INTO t (a, b) VALUES ");
        q.push_rows([
            [Value::from(1i64), Value::from("x")],
            [Value::from(2i64), Value::from("y")],
        ]);
        assert_eq!(q.text(), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
        assert_eq!(q.values()[3], Value::Text(Some("y".into())));
    }
}
