//! `leverage credentials ...` (SPEC §3).

use crate::error::Error;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Store access keys and write the assumable-role profiles for every account.
    Configure(ConfigureArgs),
}

/// Which IAM user's keys are being configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum CredentialsType {
    /// The temporary keys used to deploy the landing zone.
    Bootstrap,
    /// A management-account user: roles are OrganizationAccountAccessRole.
    Management,
    /// A security-account user: roles are DevOps.
    Security,
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// Type of credentials to set.
    #[arg(long = "type", value_enum, ignore_case = true)]
    pub kind: CredentialsType,
    /// The access keys CSV the AWS console downloads.
    #[arg(long, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
    /// Read the user's virtual MFA device and put its serial in every role profile.
    #[arg(long)]
    pub fetch_mfa_device: bool,
    /// Replace the keys already stored for this type (a backup is made).
    #[arg(long, conflicts_with = "skip_access_keys_setup")]
    pub overwrite_existing_credentials: bool,
    /// Keep the stored keys; only set up the assumable roles.
    #[arg(long)]
    pub skip_access_keys_setup: bool,
    /// Do not write the accounts' role profiles.
    #[arg(long)]
    pub skip_assumable_roles_setup: bool,
}

pub fn run(command: CredentialsCommand) -> Result<i32, Error> {
    match command {
        CredentialsCommand::Configure(_) => Err(Error::NotImplemented("leverage credentials configure".into())),
    }
}
