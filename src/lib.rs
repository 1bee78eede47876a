//! leverage: the binbash Leverage CLI as one Rust binary. Modules mirror the SPEC's sections:
//! `project` (§1), `aws` (§2), `credentials` (§3), `cli` (the command tree), `ui` (§7).

pub mod atomic_file;
pub mod aws;
pub mod cli;
pub mod credentials;
pub mod error;
pub mod identities;
pub mod mfa;
pub mod project;
pub mod sso;
pub mod terraform;
pub mod ui;

pub use error::Error;
