//! The store's own tests: one story per test, run on whichever backend the environment
//! names (SQLite by default, PostgreSQL with `ROSTER_TEST_POSTGRES_URL`), each on a fresh
//! database, through the public API only. A backend bug shows up here rather than three
//! layers up in the HTTP tests.

mod activity;
mod changes;
mod clock;
mod copy;
mod emails;
mod helpers;
mod import;
mod lifecycle;
mod oauth;
mod oidc;
mod orgs;
mod paging;
mod people;
mod restore;
mod scim;
mod snapshots;
mod tokens;
