//! The IAM users' own steps as commands: reading the initial console password (`password`,
//! through `gpg`) and checking the users' OpenPGP keys (`keys`).

pub mod gpg;
pub mod keys;
pub mod password;
pub mod sts_regions;
