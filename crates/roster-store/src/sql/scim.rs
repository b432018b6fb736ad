//! The SCIM store ([`ScimStore`]) on both backends: users as people plus a `scim_users` row,
//! groups and their members, and SCIM filters compiled to SQL.
//!
//! A filter is compiled against a table of the attributes each resource can be filtered
//! by ([`user_attribute`], [`group_attribute`]): each names the SQL expression that holds
//! it and how it compares (folded to lower case, case-exact, a time, a boolean), or the rows
//! a multi-valued attribute lives in (emails, phone numbers, addresses, roles, members),
//! which become `EXISTS` subqueries. Every value is bound; only names from these tables
//! reach the SQL text.

use super::db::Tx;
use super::dialect::Dialect;
use super::people::{self, NewPerson};
use super::query::{uuid_text, Query, Value};
use super::rows::{parse_uuid, ScimGroupRow, ScimMemberRow, ScimUserRow};
use super::SqlStore;
use crate::records::*;
use crate::scim::filter::{AttrPath, CompareOp, Filter, Literal};
use crate::scim::*;
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use std::collections::HashSet;
use uuid::Uuid;

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:user";
const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user";
const CISCO_USER: &str = "urn:scim:schemas:extension:cisco:webexidentity:2.0:user";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:group";

/// How a single-valued attribute is held and compared.
enum Target {
    /// Text compared case-insensitively; `folded` when the expression is stored lowercased
    /// already (an indexed key), else it is lowercased in SQL.
    Text {
        expr: String,
        folded: bool,
    },
    /// Case-exact text (ids, `externalId`).
    Exact(String),
    /// Milliseconds since the epoch, compared with RFC 3339 times.
    Time(String),
    Bool(String),
    /// `userName`: the person's first email, through the unique email index.
    UserName,
    /// A multi-valued attribute: the rows its values live in.
    Multi(Multi),
}

/// Where the values of a multi-valued attribute live.
#[derive(Clone, Copy)]
enum Multi {
    Emails,
    /// A JSON array column of the person (`phone_numbers`, `addresses`).
    Json(&'static str),
    Roles,
    /// The groups of a user.
    Groups,
    /// The members of a group.
    Members,
}

/// The sub-attributes of addresses, with the keys they are stored under.
const ADDRESS_KEYS: [&str; 6] = [
    "type",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
];

fn text(expr: impl Into<String>) -> Target {
    Target::Text {
        expr: expr.into(),
        folded: false,
    }
}

fn folded(expr: impl Into<String>) -> Target {
    Target::Text {
        expr: expr.into(),
        folded: true,
    }
}

/// The schema a filter's attribute belongs to (`None`: written without a URN).
fn schema(path: &AttrPath, known: &[&'static str]) -> Result<Option<&'static str>, String> {
    match &path.urn {
        None => Ok(None),
        Some(urn) => known
            .iter()
            .find(|k| **k == urn.as_str())
            .map(|k| Some(*k))
            .ok_or_else(|| format!("The schema '{urn}' has no attribute '{}'.", path.dotted())),
    }
}

/// What a user attribute in a filter refers to (see the module documentation).
fn user_attribute(dialect: &Dialect, path: &AttrPath) -> Result<Target, String> {
    let side = |keys: &[&str]| text(dialect.json_text("s.attributes", keys));
    let schema = schema(path, &[CORE_USER, ENTERPRISE_USER, CISCO_USER])?;
    let core = matches!(schema, None | Some(CORE_USER));
    let enterprise = matches!(schema, None | Some(ENTERPRISE_USER));
    let dotted = path.dotted();
    let target = match dotted.as_str() {
        "id" if core => Target::Exact("p.id".into()),
        "username" if core => Target::UserName,
        "externalid" if core => Target::Exact("s.external_id".into()),
        "displayname" if core => folded("p.display_name_key"),
        "nickname" if core => text("p.nick_name"),
        "title" if core => text("p.title"),
        "timezone" if core => text("p.timezone"),
        "active" if core => Target::Bool("p.login_enabled".into()),
        "name.givenname" if core => text("p.first_name"),
        "name.familyname" if core => text("p.last_name"),
        "name.middlename" if core => side(&["name", "middleName"]),
        "name.formatted" if core => side(&["name", "formatted"]),
        "name.honorificprefix" if core => side(&["name", "honorificPrefix"]),
        "name.honorificsuffix" if core => side(&["name", "honorificSuffix"]),
        "usertype" if core => side(&["userType"]),
        "locale" if core => side(&["locale"]),
        "preferredlanguage" if core => side(&["preferredLanguage"]),
        "profileurl" if core => side(&["profileUrl"]),
        "meta.created" if core => Target::Time("p.created".into()),
        "meta.lastmodified" if core => Target::Time("p.last_modified".into()),
        "emails" | "emails.value" | "emails.display" | "emails.type" | "emails.primary" if core => {
            Target::Multi(Multi::Emails)
        }
        "phonenumbers" | "phonenumbers.value" | "phonenumbers.display" | "phonenumbers.type"
            if core =>
        {
            Target::Multi(Multi::Json("p.phone_numbers"))
        }
        a if core && a.split('.').next() == Some("addresses") => {
            Target::Multi(Multi::Json("p.addresses"))
        }
        "roles" | "roles.value" | "roles.type" if core => Target::Multi(Multi::Roles),
        "groups" | "groups.value" if core => Target::Multi(Multi::Groups),
        "department" if enterprise => text("p.department"),
        "manager.value" | "manager" if enterprise => Target::Exact("p.manager_id".into()),
        "manager.displayname" if enterprise => text("p.manager"),
        "employeenumber" | "costcenter" | "organization" | "division" if enterprise => {
            let key = match dotted.as_str() {
                "employeenumber" => "employeeNumber",
                "costcenter" => "costCenter",
                "organization" => "organization",
                _ => "division",
            };
            side(&["enterprise", key])
        }
        "meta.organizationid" if schema == Some(CISCO_USER) => Target::Exact("p.org_id".into()),
        _ => return Err(unknown_attribute(path)),
    };
    Ok(target)
}

/// What a group attribute in a filter refers to.
fn group_attribute(path: &AttrPath) -> Result<Target, String> {
    schema(path, &[CORE_GROUP])?;
    Ok(match path.dotted().as_str() {
        "id" => Target::Exact("g.id".into()),
        "displayname" => folded("g.display_name_key"),
        "externalid" => Target::Exact("g.external_id".into()),
        "meta.created" => Target::Time("g.created".into()),
        "meta.lastmodified" => Target::Time("g.last_modified".into()),
        "members" | "members.value" | "members.type" => Target::Multi(Multi::Members),
        _ => return Err(unknown_attribute(path)),
    })
}

fn unknown_attribute(path: &AttrPath) -> String {
    format!("The attribute '{path}' cannot be filtered on.")
}

impl Multi {
    /// The rows of this attribute's values for the resource at hand, as `FROM ... WHERE ...`.
    fn rows(self, dialect: &Dialect) -> String {
        match self {
            Multi::Emails => "person_emails e WHERE e.person_id = p.id".into(),
            Multi::Json(column) => format!("{} WHERE TRUE", dialect.json_elements(column, "j")),
            Multi::Roles => "person_roles r WHERE r.person_id = p.id".into(),
            Multi::Groups => "scim_group_members gm WHERE gm.person_id = p.id".into(),
            Multi::Members => "scim_group_members gm WHERE gm.group_id = g.id".into(),
        }
    }

    /// A sub-attribute of one value (`value` when none is named).
    fn sub_attribute(self, dialect: &Dialect, sub: &str) -> Result<Target, String> {
        let target = match (self, sub) {
            (Multi::Emails, "value" | "display") => folded("e.email_key"),
            (Multi::Emails, "type") => {
                folded("CASE WHEN e.position = 0 THEN 'work' ELSE 'other' END")
            }
            (Multi::Emails, "primary") => Target::Bool("(e.position = 0)".into()),
            (Multi::Json("p.addresses"), sub) => {
                let key = ADDRESS_KEYS
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(sub))
                    .ok_or_else(|| format!("Addresses have no sub-attribute '{sub}'."))?;
                text(dialect.json_element_text("j", key))
            }
            (Multi::Json(_), "value" | "display") => text(dialect.json_element_text("j", "value")),
            (Multi::Json(_), "type") => text(dialect.json_element_text("j", "type")),
            (Multi::Roles, "value") => text("r.role_id"),
            (Multi::Roles, "type") => folded("'cirole'"),
            (Multi::Groups, "value") => Target::Exact("gm.group_id".into()),
            (Multi::Members, "value") => Target::Exact("gm.person_id".into()),
            (Multi::Members, "type") => folded("'user'"),
            (_, sub) => return Err(format!("No sub-attribute '{sub}' can be filtered on here.")),
        };
        Ok(target)
    }
}

/// Compiles filters for one kind of resource.
struct Compiler<'d> {
    dialect: &'d Dialect,
    resolve: fn(&Dialect, &AttrPath) -> Result<Target, String>,
    /// Whether the filter reads the `scim_users` row (so the statement must join it).
    reads_side: bool,
    /// Whether the filter takes a range of the email index (`userName sw`), which should
    /// drive the query rather than the organization's index.
    email_range: bool,
}

impl Compiler<'_> {
    fn compile(&mut self, filter: &Filter, sql: &mut Query) -> Result<(), String> {
        match filter {
            Filter::And(a, b) | Filter::Or(a, b) => {
                let joiner = if matches!(filter, Filter::And(..)) {
                    " AND "
                } else {
                    " OR "
                };
                sql.push("(");
                self.compile(a, sql)?;
                sql.push(joiner);
                self.compile(b, sql)?;
                sql.push(")");
                Ok(())
            }
            Filter::Not(inner) => {
                // `NOT` of an unknown (NULL) comparison would be unknown too; COALESCE makes a
                // missing attribute "does not match", so `not (...)` matches it.
                sql.push("NOT COALESCE((");
                self.compile(inner, sql)?;
                sql.push("), FALSE)");
                Ok(())
            }
            Filter::Present(path) => match self.target(path)? {
                Target::Multi(multi) => self.exists(multi, sql, |_, _| Ok(())),
                target => present(target, sql),
            },
            Filter::Compare(path, op, value) => match self.target(path)? {
                Target::Multi(multi) => {
                    let sub = path.sub.clone().unwrap_or_else(|| "value".into());
                    let dialect = self.dialect;
                    self.exists(multi, sql, |_, sql| {
                        compare(
                            dialect,
                            multi.sub_attribute(dialect, &sub)?,
                            *op,
                            value,
                            sql,
                        )
                    })
                }
                target => {
                    self.email_range |= matches!(target, Target::UserName) && *op == CompareOp::Sw;
                    compare(self.dialect, target, *op, value, sql)
                }
            },
            Filter::ValuePath(path, inner) => match self.target(path)? {
                Target::Multi(multi) if path.sub.is_none() => {
                    self.exists(multi, sql, |dialect, sql| {
                        compile_element(dialect, multi, inner, sql)
                    })
                }
                _ => Err(format!("'{path}' is not a multi-valued attribute.")),
            },
        }
    }

    fn target(&mut self, path: &AttrPath) -> Result<Target, String> {
        let target = (self.resolve)(self.dialect, path)?;
        if let Target::Text { expr, .. } | Target::Exact(expr) = &target {
            self.reads_side |= expr.starts_with("s.") || expr.contains("s.attributes");
        }
        Ok(target)
    }

    /// `EXISTS (SELECT 1 FROM <values> AND <condition>)`.
    fn exists(
        &self,
        multi: Multi,
        sql: &mut Query,
        condition: impl FnOnce(&Dialect, &mut Query) -> Result<(), String>,
    ) -> Result<(), String> {
        sql.push("EXISTS (SELECT 1 FROM ")
            .push(&multi.rows(self.dialect))
            .push(" AND (");
        let mut inner = Query::new("");
        condition(self.dialect, &mut inner)?;
        if inner.text().is_empty() {
            inner.push("TRUE");
        }
        sql.append(inner).push("))");
        Ok(())
    }
}

/// A filter on the values of a multi-valued attribute (inside `attr[...]`).
fn compile_element(
    dialect: &Dialect,
    multi: Multi,
    filter: &Filter,
    sql: &mut Query,
) -> Result<(), String> {
    let sub = |path: &AttrPath| -> Result<Target, String> {
        if path.urn.is_some() || path.sub.is_some() {
            return Err(format!("'{path}' is not a sub-attribute."));
        }
        multi.sub_attribute(dialect, &path.attr)
    };
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            sql.push("(");
            compile_element(dialect, multi, a, sql)?;
            sql.push(if matches!(filter, Filter::And(..)) {
                " AND "
            } else {
                " OR "
            });
            compile_element(dialect, multi, b, sql)?;
            sql.push(")");
        }
        Filter::Not(inner) => {
            sql.push("NOT COALESCE((");
            compile_element(dialect, multi, inner, sql)?;
            sql.push("), FALSE)");
        }
        Filter::Present(path) => present(sub(path)?, sql)?,
        Filter::Compare(path, op, value) => compare(dialect, sub(path)?, *op, value, sql)?,
        Filter::ValuePath(path, _) => {
            return Err(format!("A value path cannot nest another ('{path}')."))
        }
    }
    Ok(())
}

fn present(target: Target, sql: &mut Query) -> Result<(), String> {
    match target {
        Target::Text { expr, .. } | Target::Exact(expr) => {
            sql.push(&format!("({expr} IS NOT NULL AND {expr} <> '')"));
        }
        Target::Time(expr) | Target::Bool(expr) => {
            sql.push(&format!("{expr} IS NOT NULL"));
        }
        Target::UserName => {
            sql.push("TRUE");
        }
        Target::Multi(_) => unreachable!("multi-valued attributes are handled by the caller"),
    }
    Ok(())
}

/// A comparison of one single-valued target with a literal.
fn compare(
    dialect: &Dialect,
    target: Target,
    op: CompareOp,
    value: &Literal,
    sql: &mut Query,
) -> Result<(), String> {
    match target {
        Target::UserName => {
            let key = email_key(string_value(value)?);
            if op == CompareOp::Eq {
                // The fast path IdPs take for every user: one look-up in the email index.
                sql.push("p.id = (SELECT person_id FROM person_emails WHERE email_key = ")
                    .push_bind(key)
                    .push(" AND position = 0)");
                return Ok(());
            }
            // A range (`sw`) is served by the email index; other operators read the
            // organization's primary emails.
            let (rows, correlation) = match op {
                CompareOp::Sw => ("p.id IN (SELECT person_id FROM person_emails e", ""),
                _ => (
                    "EXISTS (SELECT 1 FROM person_emails e",
                    " AND e.person_id = p.id",
                ),
            };
            sql.push(rows)
                .push(" WHERE e.position = 0")
                .push(correlation)
                .push(" AND ");
            compare_text(dialect, "e.email_key", op, key, sql)?;
            sql.push(")");
        }
        Target::Text { expr, folded } => {
            let expr = if folded {
                expr
            } else {
                format!("lower({expr})")
            };
            compare_text(dialect, &expr, op, string_value(value)?.to_lowercase(), sql)?;
        }
        Target::Exact(expr) => {
            compare_text(dialect, &expr, op, string_value(value)?.to_string(), sql)?
        }
        Target::Time(expr) => {
            let at = chrono::DateTime::parse_from_rfc3339(string_value(value)?)
                .map_err(|_| "Times are compared with RFC 3339 strings.".to_string())?
                .timestamp_millis();
            let operator = ordering_operator(op)
                .ok_or_else(|| format!("Times cannot be compared with '{op:?}'."))?;
            sql.push(&format!("{expr} {operator} ")).push_bind(at);
        }
        Target::Bool(expr) => {
            let Literal::Bool(wanted) = value else {
                return Err("Booleans are compared with true or false.".into());
            };
            let wanted = match op {
                CompareOp::Eq => *wanted,
                CompareOp::Ne => !*wanted,
                _ => return Err("Booleans are compared with eq or ne only.".into()),
            };
            sql.push(&format!("{expr} = ")).push_bind(wanted);
        }
        Target::Multi(_) => unreachable!("multi-valued attributes are handled by the caller"),
    }
    Ok(())
}

/// The SQL operator of an ordering comparison (and of `eq`/`ne`).
fn ordering_operator(op: CompareOp) -> Option<&'static str> {
    Some(match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        _ => return None,
    })
}

fn string_value(value: &Literal) -> Result<&str, String> {
    match value {
        Literal::String(s) => Ok(s),
        other => Err(format!(
            "This attribute is compared with a string, not {other:?}."
        )),
    }
}

/// `expr <op> value` for text, with `value` already folded as `expr` is.
fn compare_text(
    dialect: &Dialect,
    expr: &str,
    op: CompareOp,
    value: String,
    sql: &mut Query,
) -> Result<(), String> {
    let binary = dialect.binary_collation;
    match op {
        CompareOp::Eq => {
            sql.push(&format!("{expr} = ")).push_bind(value);
        }
        CompareOp::Ne => {
            sql.push(&format!("({expr} IS NULL OR {expr} <> "))
                .push_bind(value)
                .push(")");
        }
        CompareOp::Sw => {
            // A range in code point order rather than LIKE, so an index serves it and '%'
            // or '_' in the value mean themselves.
            sql.push(&format!("({expr}{binary} >= "))
                .push_bind(value.clone())
                .push(&format!(" AND {expr}{binary} < "))
                .push_bind(format!("{value}\u{10FFFF}"))
                .push(")");
        }
        CompareOp::Ew | CompareOp::Co => {
            let escaped = value
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = match op {
                CompareOp::Ew => format!("%{escaped}"),
                _ => format!("%{escaped}%"),
            };
            sql.push(&format!("{expr} LIKE "))
                .push_bind(pattern)
                .push(" ESCAPE '\\'");
        }
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            let operator = ordering_operator(op).unwrap_or("=");
            sql.push(&format!("{expr}{binary} {operator} "))
                .push_bind(value);
        }
    }
    Ok(())
}

/// The `WHERE` clause of a list: the organization, and the filter when there is one.
/// Whether it reads the `scim_users` row comes with it.
fn list_condition(
    dialect: &Dialect,
    alias: &str,
    query: &ScimQuery,
    resolve: fn(&Dialect, &AttrPath) -> Result<Target, String>,
) -> StoreResult<(Query, bool)> {
    let mut compiler = Compiler {
        dialect,
        resolve,
        reads_side: false,
        email_range: false,
    };
    let mut filter = Query::new("");
    if let Some(parsed) = &query.filter {
        filter.push(" AND (");
        compiler
            .compile(parsed, &mut filter)
            .map_err(StoreError::Invalid)?;
        filter.push(")");
    }
    // Without statistics SQLite would walk the organization's index in page order and test
    // every person against the email range (a million rows for a page of a few); written as
    // an expression, the organization is checked on the few people the range finds.
    let org = match compiler.email_range {
        true => format!(" WHERE {alias}.org_id || '' = "),
        false => format!(" WHERE {alias}.org_id = "),
    };
    let mut sql = Query::new(org);
    sql.push_bind(query.org_id).append(filter);
    Ok((sql, compiler.reads_side))
}

fn order_and_page(sql: &mut Query, order: &str, query: &ScimQuery, tie: &str) {
    let direction = if query.descending { " DESC" } else { "" };
    sql.push(&format!(" ORDER BY {order}{direction}, {tie}{direction}"));
    sql.push(" LIMIT ")
        .push_bind(i64::from(query.count))
        .push(" OFFSET ")
        .push_bind(query.start_index.saturating_sub(1).min(i64::MAX as u64) as i64);
}

/// The users of `org` whose userName (first email) starts with `prefix`, compared as the
/// filter `userName sw` compares it, as one JSON array of `[id, last_modified]` pairs in
/// creation order, at most `limit + 1` of them (so that more than `limit` shows).
///
/// One pass over the range of the email index, each match checked against the person's
/// id index for its organization and version; no record is read, and the count is the
/// length of the array. The join order is fixed (`CROSS JOIN` in SQLite; PostgreSQL plans
/// it itself) so that SQLite, which has no statistics, never walks the organization's
/// people testing each against the range.
fn user_name_prefix_statement(
    dialect: &Dialect,
    org: Uuid,
    prefix: &str,
    limit: usize,
) -> StoreResult<Query> {
    let pairs = dialect.json_array_agg(&dialect.json_row("id, last_modified"), "seq");
    let mut sql = Query::new(format!(
        "SELECT {pairs} FROM (SELECT p.seq, p.id, p.last_modified \
         FROM person_emails e CROSS JOIN people p WHERE e.position = 0 AND "
    ));
    compare_text(
        dialect,
        "e.email_key",
        CompareOp::Sw,
        email_key(prefix),
        &mut sql,
    )
    .map_err(StoreError::Invalid)?;
    sql.push(" AND p.id = e.person_id AND p.org_id = ")
        .push_bind(org)
        .push(" LIMIT ")
        .push_bind(i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1)
        .push(") page");
    Ok(sql)
}

/// Writes a user's SCIM attributes (inserting or replacing their row).
async fn write_extra(tx: &mut Tx, id: Uuid, extra: &ScimExtra) -> StoreResult<()> {
    let sql = Query::new(
        "INSERT INTO scim_users (person_id, external_id, attributes) VALUES (?, ?, ?) \
         ON CONFLICT (person_id) DO UPDATE SET external_id = excluded.external_id, \
         attributes = excluded.attributes",
    )
    .bind(id)
    .bind(&extra.external_id)
    .bind(serde_json::to_string(&extra.attributes)?);
    tx.execute(&sql).await?;
    Ok(())
}

/// Refuses members who are not people of `org`, naming the first; the members without
/// repeats, in their order.
async fn check_members(tx: &mut Tx, org: Uuid, members: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    let mut seen = HashSet::new();
    let members: Vec<Uuid> = members
        .iter()
        .copied()
        .filter(|m| seen.insert(*m))
        .collect();
    let mut found = HashSet::new();
    for chunk in members.chunks(500) {
        let mut sql = Query::new("SELECT id FROM people WHERE org_id = ");
        sql.push_bind(org).push(" AND id IN (");
        sql.push_list(chunk.iter()).push(")");
        for (id,) in tx.fetch_all::<(String,)>(&sql).await? {
            found.insert(parse_uuid(&id)?);
        }
    }
    match members.iter().find(|m| !found.contains(m)) {
        Some(missing) => Err(StoreError::Invalid(format!(
            "The member '{missing}' is not a user of this organization."
        ))),
        None => Ok(members),
    }
}

async fn insert_members(tx: &mut Tx, group: Uuid, members: &[Uuid]) -> StoreResult<()> {
    let rows: Vec<Vec<Value>> = members
        .iter()
        .map(|m| vec![group.into(), (*m).into()])
        .collect();
    tx.insert_rows(
        "scim_group_members",
        &["group_id", "person_id"],
        &rows,
        1000,
    )
    .await?;
    Ok(())
}

const GROUP_SELECT: &str = "SELECT g.id, g.org_id, g.display_name, g.external_id, g.attributes, \
     g.created, g.last_modified, \
     (SELECT COUNT(*) FROM scim_group_members m WHERE m.group_id = g.id) AS member_count \
     FROM scim_groups g";

impl SqlStore {
    /// People with their SCIM attributes (`WHERE` and the rest are appended).
    fn scim_user_select(&self) -> String {
        let select = self
            .person_select
            .strip_suffix("FROM people p")
            .expect("the person select ends with its table");
        format!(
            "{select}, s.external_id AS scim_external_id, s.attributes AS scim_attributes \
             FROM people p LEFT JOIN scim_users s ON s.person_id = p.id"
        )
    }

    async fn scim_page<R, T>(&self, page: Query, count: Query) -> StoreResult<ScimPage<T>>
    where
        R: super::db::Row,
        T: TryFrom<R, Error = StoreError>,
    {
        let (total,) = self.db.fetch_one::<(i64,)>(&count).await?;
        let resources = self.db.records::<R, T>(&page).await?;
        Ok(ScimPage {
            total: total.max(0) as u64,
            resources,
        })
    }
}

#[async_trait]
impl ScimStore for SqlStore {
    async fn create_scim_user(
        &self,
        draft: PersonDraft,
        extra: ScimExtra,
    ) -> StoreResult<ScimUserRecord> {
        let id = draft.id.unwrap_or_else(people::new_person_id);
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let now = tx.now();
                    let person =
                        people::insert_person(tx, &NewPerson::fresh(id, &draft, now)).await?;
                    write_extra(tx, id, &extra).await?;
                    Ok(ScimUserRecord { person, extra })
                })
            })
            .await
    }

    async fn get_scim_user(&self, id: Uuid) -> StoreResult<Option<ScimUserRecord>> {
        let sql = Query::new(format!("{} WHERE p.id = ?", self.scim_user_select())).bind(id);
        self.db.record::<ScimUserRow, _>(&sql).await
    }

    async fn get_scim_users(&self, ids: &[Uuid]) -> StoreResult<Vec<ScimUserRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Query::new(format!("{} WHERE p.id IN (", self.scim_user_select()));
        sql.push_list(ids.iter()).push(") ORDER BY p.seq");
        self.db.records::<ScimUserRow, _>(&sql).await
    }

    async fn replace_scim_user(
        &self,
        id: Uuid,
        draft: PersonDraft,
        extra: ScimExtra,
        if_version: Option<i64>,
    ) -> StoreResult<Versioned<ScimUserRecord>> {
        let dialect = self.db.dialect();
        let written = self
            .db
            .write(move |tx| {
                Box::pin(async move {
                    let mut replace = people::replace_statement(dialect, id, &draft, tx.now())?;
                    if let Some(version) = if_version {
                        replace.push(" AND last_modified = ").push_bind(version);
                    }
                    if tx.execute(&replace).await? == 0 {
                        let exists = Query::new("SELECT id FROM people WHERE id = ?").bind(id);
                        return match tx.fetch_optional::<(String,)>(&exists).await? {
                            Some(_) => Ok(false),
                            None => Err(StoreError::NotFound),
                        };
                    }
                    people::replace_person_lists(tx, id, &draft).await?;
                    write_extra(tx, id, &extra).await?;
                    people::note_change(tx, ChangeTopic::Person, &uuid_text(&id)).await?;
                    Ok(true)
                })
            })
            .await?;
        if !written {
            return Ok(Versioned::Stale);
        }
        let user = self.get_scim_user(id).await?.ok_or(StoreError::NotFound)?;
        Ok(Versioned::Written(user))
    }

    async fn import_scim_extras(&self, extras: &[(Uuid, ScimExtra)]) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        for (id, extra) in extras {
            write_extra(&mut tx, *id, extra).await?;
        }
        // The people exist already (and their versions do not move), so a server may have
        // cached them without these attributes: the change feed tells it to read them again.
        let now = tx.now();
        let changes: Vec<Vec<Value>> = extras
            .iter()
            .map(|(id, _)| {
                vec![
                    ChangeTopic::Person.as_str().into(),
                    uuid_text(id).into(),
                    now.into(),
                ]
            })
            .collect();
        tx.insert_rows("changes", &["topic", "key", "at"], &changes, 500)
            .await?;
        tx.commit().await
    }

    async fn list_scim_users(&self, query: &ScimQuery) -> StoreResult<ScimPage<ScimUserRecord>> {
        let dialect = self.db.dialect();
        let (condition, reads_side) = list_condition(dialect, "p", query, user_attribute)?;
        let order = match query.sort {
            ScimSort::Created => "p.seq",
            ScimSort::Name => {
                "(SELECT email_key FROM person_emails WHERE person_id = p.id AND position = 0)"
            }
            ScimSort::Id => "p.id",
            ScimSort::LastModified => "p.last_modified",
        };
        let mut page = Query::new(self.scim_user_select());
        page.append(condition.clone());
        order_and_page(&mut page, order, query, "p.seq");
        // The count joins the SCIM rows only when the filter reads them.
        let mut count = Query::new(match reads_side {
            true => "SELECT COUNT(*) FROM people p LEFT JOIN scim_users s ON s.person_id = p.id",
            false => "SELECT COUNT(*) FROM people p",
        });
        count.append(condition);
        self.scim_page::<ScimUserRow, _>(page, count).await
    }

    async fn user_name_prefix_versions(
        &self,
        org: Uuid,
        prefix: &str,
        limit: usize,
    ) -> StoreResult<Option<Vec<PersonVersion>>> {
        let sql = user_name_prefix_statement(self.db.dialect(), org, prefix, limit)?;
        let (pairs,) = self.db.fetch_one::<(String,)>(&sql).await?;
        let versions = people::parse_versions(&pairs)?;
        Ok((versions.len() <= limit).then_some(versions))
    }

    async fn create_scim_group(
        &self,
        org: Uuid,
        id: Option<Uuid>,
        draft: ScimGroupDraft,
    ) -> StoreResult<ScimGroupRecord> {
        let id = id.unwrap_or_else(Uuid::new_v4);
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let members = check_members(tx, org, &draft.members).await?;
                    let now = tx.now();
                    let sql = Query::new(
                        "INSERT INTO scim_groups (id, org_id, display_name, display_name_key, \
                         external_id, attributes, created, last_modified) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(id)
                    .bind(org)
                    .bind(&draft.display_name)
                    .bind(display_name_key(&draft.display_name))
                    .bind(&draft.external_id)
                    .bind(serde_json::to_string(&draft.attributes)?)
                    .bind(now)
                    .bind(now);
                    tx.execute(&sql).await.map_err(|e| match e {
                        StoreError::Conflict(_) => {
                            StoreError::Conflict(format!("A group with id {id} exists."))
                        }
                        other => other,
                    })?;
                    insert_members(tx, id, &members).await?;
                    Ok(())
                })
            })
            .await?;
        self.get_scim_group(id).await?.ok_or(StoreError::NotFound)
    }

    async fn get_scim_group(&self, id: Uuid) -> StoreResult<Option<ScimGroupRecord>> {
        let sql = Query::new(format!("{GROUP_SELECT} WHERE g.id = ?")).bind(id);
        self.db.record::<ScimGroupRow, _>(&sql).await
    }

    async fn replace_scim_group(
        &self,
        id: Uuid,
        draft: ScimGroupDraft,
        if_version: Option<i64>,
    ) -> StoreResult<Versioned<ScimGroupRecord>> {
        let greatest = self.db.dialect().greatest;
        let written = self
            .db
            .write(move |tx| {
                Box::pin(async move {
                    let current =
                        Query::new("SELECT org_id FROM scim_groups WHERE id = ?").bind(id);
                    let (org,) = tx
                        .fetch_optional::<(String,)>(&current)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    let members = check_members(tx, parse_uuid(&org)?, &draft.members).await?;
                    let mut update = Query::new(
                        "UPDATE scim_groups SET display_name = ?, display_name_key = ?, \
                         external_id = ?, attributes = ?, ",
                    )
                    .bind(&draft.display_name)
                    .bind(display_name_key(&draft.display_name))
                    .bind(&draft.external_id)
                    .bind(serde_json::to_string(&draft.attributes)?);
                    update
                        .push(&format!("last_modified = {greatest}("))
                        .push_bind(tx.now())
                        .push(", last_modified + 1) WHERE id = ")
                        .push_bind(id);
                    if let Some(version) = if_version {
                        update.push(" AND last_modified = ").push_bind(version);
                    }
                    if tx.execute(&update).await? == 0 {
                        return Ok(false);
                    }
                    tx.execute(
                        &Query::new("DELETE FROM scim_group_members WHERE group_id = ?").bind(id),
                    )
                    .await?;
                    insert_members(tx, id, &members).await?;
                    Ok(true)
                })
            })
            .await?;
        if !written {
            return Ok(Versioned::Stale);
        }
        let group = self.get_scim_group(id).await?.ok_or(StoreError::NotFound)?;
        Ok(Versioned::Written(group))
    }

    async fn delete_scim_group(&self, id: Uuid) -> StoreResult<bool> {
        let sql = Query::new("DELETE FROM scim_groups WHERE id = ?").bind(id);
        Ok(self.write_statement(sql).await? > 0)
    }

    async fn list_scim_groups(&self, query: &ScimQuery) -> StoreResult<ScimPage<ScimGroupRecord>> {
        let resolve: fn(&Dialect, &AttrPath) -> Result<Target, String> =
            |_, path| group_attribute(path);
        let (condition, _) = list_condition(self.db.dialect(), "g", query, resolve)?;
        let order = match query.sort {
            ScimSort::Created => "g.seq",
            ScimSort::Name => "g.display_name_key",
            ScimSort::Id => "g.id",
            ScimSort::LastModified => "g.last_modified",
        };
        let mut page = Query::new(GROUP_SELECT);
        page.append(condition.clone());
        order_and_page(&mut page, order, query, "g.seq");
        let mut count = Query::new("SELECT COUNT(*) FROM scim_groups g");
        count.append(condition);
        self.scim_page::<ScimGroupRow, _>(page, count).await
    }

    async fn scim_group_members(
        &self,
        group: Uuid,
        start_index: u64,
        count: u32,
    ) -> StoreResult<ScimPage<ScimMember>> {
        let page = Query::new(
            "SELECT p.id, p.display_name FROM scim_group_members m \
             JOIN people p ON p.id = m.person_id WHERE m.group_id = ? \
             ORDER BY p.seq LIMIT ? OFFSET ?",
        )
        .bind(group)
        .bind(i64::from(count))
        .bind(start_index.saturating_sub(1).min(i64::MAX as u64) as i64);
        let total =
            Query::new("SELECT COUNT(*) FROM scim_group_members WHERE group_id = ?").bind(group);
        self.scim_page::<ScimMemberRow, _>(page, total).await
    }

    async fn scim_groups_of(&self, person: Uuid) -> StoreResult<Vec<ScimGroupRecord>> {
        let sql = Query::new(format!(
            "{GROUP_SELECT} WHERE g.id IN \
             (SELECT group_id FROM scim_group_members WHERE person_id = ?) ORDER BY g.seq"
        ))
        .bind(person);
        self.db.records::<ScimGroupRow, _>(&sql).await
    }
}
