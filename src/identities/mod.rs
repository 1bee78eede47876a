//! The seeds' manual identity steps as commands (SPEC §6). So far: switching MFA on or off for
//! the whole project (`mfa_switch`).

pub mod credentials_check;
pub mod gpg;
pub mod keys;
pub mod mfa_switch;
pub mod password;
pub mod sts_regions;
