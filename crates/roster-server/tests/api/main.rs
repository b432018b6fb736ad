//! HTTP integration tests: the real server on a random port, a fresh database per test.

mod ambiguity;
mod create;
mod delete;
mod fuzz;
mod get;
mod helpers;
mod isolation;
mod limits;
mod list;
mod list_cache;
mod me;
mod methods;
mod openapi;
mod pagination;
mod update;
