//! The acceptance suite, one binary: every file here is a feature, driven as a user would drive
//! it (a fresh HOME and project per test, a real moto_server, the real AWS CLI). One binary instead
//! of one per file keeps linking time and disk use down.

mod support;

mod aws_cli;
mod cli;
mod credentials_check;
mod credentials_configure;
mod credentials_mfa_device;
mod credentials_rotate;
mod faults;
mod guide;
mod harness;
mod help;
mod identities_keys;
mod identities_password;
mod identities_sts_regions;
mod kubectl;
mod mfa;
mod mfa_switch;
mod no_internal_words;
mod project_create;
mod project_graph;
mod project_model;
mod properties;
mod reference_docs;
mod run;
mod sso;
mod terraform;
mod tfautomv;
