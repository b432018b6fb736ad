//! The People resource, one module per operation.

pub mod me;
