//! leverage: the binbash Leverage CLI as one Rust binary. The modules are the domain: the
//! project on disk, the AWS files and calls, credentials, MFA, terraform runs, identities, the
//! user interface; `cli` is a thin command tree over them.

pub(crate) mod atomic_file;
pub(crate) mod auth;
pub mod aws;
pub(crate) mod build_script;
pub mod cli;
pub mod credentials;
pub mod error;
pub mod exit_status;
pub(crate) mod graph;
pub(crate) mod home;
pub(crate) mod identities;
pub(crate) mod kubectl;
pub(crate) mod lock;
pub(crate) mod mfa;
pub(crate) mod private_dir;
pub(crate) mod process;
pub mod project;
pub mod reference;
pub(crate) mod runtime;
pub(crate) mod scaffold;
pub(crate) mod sso;
pub(crate) mod terraform;
#[cfg(test)]
pub(crate) mod test_files;
pub(crate) mod tfautomv;
pub mod ui;

pub use error::{Error, Result};
