//! leverage: the binbash Leverage CLI as one Rust binary. The modules are the domain: the
//! project on disk, the AWS files and calls, credentials, MFA, terraform runs, identities, the
//! user interface; `cli` is a thin command tree over them.

pub mod atomic_file;
pub mod auth;
pub mod aws;
pub mod build_script;
pub mod cli;
pub mod credentials;
pub mod error;
pub mod exit_status;
pub mod identities;
pub mod kubectl;
pub mod mfa;
pub mod process;
pub mod project;
pub mod runtime;
pub mod terraform;
pub mod tfautomv;
pub mod ui;

pub use error::{Error, Result};
