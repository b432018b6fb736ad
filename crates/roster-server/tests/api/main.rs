//! HTTP integration tests: the real server on a random port, a fresh database per test.

mod fuzz;
mod helpers;
mod isolation;
mod limits;
mod me;
mod people;
