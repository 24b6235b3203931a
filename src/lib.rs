//! leakhound: a secrets-exposure scanner and auditor.
//!
//! Data flows one way: a source (`sources::*`) produces blobs with provenance, the `engine`
//! matches them against the rule catalogue (`rules`), `scan` turns matches into `finding`s,
//! `validate` optionally checks which secrets are live, `report` renders them, and `revoke`
//! makes leaked credentials stop working.

pub mod audit;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod content;
pub mod engine;
pub mod finding;
pub mod hook;
pub mod interrupt;
pub mod progress;
pub mod remediate;
pub mod report;
pub mod revoke;
pub mod rules;
pub mod scan;
pub mod sources;
pub mod validate;
