//! `leverage identities ...`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::identities::keys;
use crate::identities::password::{self, PasswordError};
use crate::project::Project;
use crate::ui::{Prompt, output};
use clap::Subcommand;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum IdentitiesCommand {
    /// Print a user's initial console password, decrypted with their OpenPGP key.
    Password {
        /// The IAM user name, e.g. natasha.romanoff.
        user: String,
        /// The account whose global/base-identities layer defines the user.
        #[arg(long, default_value = "management")]
        account: String,
        /// An armored OpenPGP secret key to decrypt with, instead of your gpg keyring.
        #[arg(long, value_name = "PATH")]
        key_file: Option<PathBuf>,
        /// Print the password even when standard output is not a terminal.
        #[arg(long)]
        stdout: bool,
    },
    /// Check the users' OpenPGP public keys in every base-identities layer.
    Keys,
    /// Ask STS in every region who you are: which regional endpoints are active, and which of
    /// those the project does not allow (`regions_allowed` in config/common.tfvars).
    StsRegions {
        /// The profile whose credentials to ask with (default: the management, security or
        /// bootstrap keys, the first stored).
        #[arg(long)]
        profile: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: IdentitiesCommand) -> Result<ExitStatus, Error> {
    match command {
        IdentitiesCommand::Password {
            user,
            account,
            key_file,
            stdout,
        } => {
            if !stdout && !std::io::stdout().is_terminal() {
                return Err(PasswordError::NotToTerminal.into());
            }
            let project = Project::load_here()?;
            let prompt = Prompt::detect();
            let secret = password::initial_password(
                &project,
                &user,
                &account,
                key_file.as_deref(),
                &prompt,
            )?;
            output::println(secret.expose())?;
            tracing::info!(
                "The AWS console will ask {user} to change this password at the first sign-in."
            );
            Ok(ExitStatus::Success)
        }
        IdentitiesCommand::StsRegions { profile, json } => {
            super::lifecycle::sts_regions(profile.as_deref(), json)
        }
        IdentitiesCommand::Keys => {
            let reports = keys::check(&Project::load_here()?.root)?;
            output::print(&keys::listing(&reports))?;
            let problems = reports.iter().filter(|r| !r.ok()).count();
            if reports.is_empty() {
                tracing::warn!("No base-identities users.tf references a key (keys/<name>).");
            }
            if problems > 0 {
                tracing::error!("{problems} of {} key(s) need attention.", reports.len());
            }
            Ok(ExitStatus::from_ok(problems == 0))
        }
    }
}
