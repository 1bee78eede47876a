//! `leverage credentials ...`.

use crate::aws::AwsFiles;
use crate::credentials::{ConfigureOptions, check};
use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::project::Project;
use crate::ui::{Prompt, output};
use clap::Subcommand;

const CONFIGURE_LONG_ABOUT: &str = "\
Store access keys and write the assumable-role profiles for every account.

The keys are checked with AWS before anything is written. Which --type to use:
  BOOTSTRAP   the first, temporary keys of the management account: stores [<short>-bootstrap]
              and records the management account id
  MANAGEMENT  your management-account user: [<short>-management] and one
              [profile <short>-<account>-oaar] per account (role OrganizationAccountAccessRole)
  SECURITY    your security-account user: [<short>-security] and one
              [profile <short>-<account>-devops] per account but management (role DevOps)

Examples:
  leverage credentials configure --type BOOTSTRAP --credentials-file bootstrap_accessKeys.csv
  leverage credentials configure --type MANAGEMENT --credentials-file natasha_accessKeys.csv
  leverage credentials configure --type MANAGEMENT --fetch-mfa-device --skip-access-keys-setup";

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Store access keys and write the assumable-role profiles for every account.
    #[command(long_about = CONFIGURE_LONG_ABOUT)]
    Configure(ConfigureOptions),
    /// Forget the cached MFA sessions and role credentials; the next command asks for a code.
    Logout,
    /// Try every profile for real (STS GetCallerIdentity) and print a table.
    Check {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Give the type's IAM user a virtual MFA device: QR code, two codes, profiles updated.
    MfaDevice(super::lifecycle::MfaDeviceArgs),
    /// Replace the type's access key with a new one that is proven to work before it is stored.
    Rotate(super::lifecycle::RotateArgs),
}

pub fn run(command: CredentialsCommand) -> Result<ExitStatus, Error> {
    match command {
        CredentialsCommand::Configure(options) => crate::credentials::run_configure(&options),
        CredentialsCommand::Logout => {
            let project = Project::load_here()?;
            crate::mfa::logout(&AwsFiles::for_project(&project.short_name)?)?;
            Ok(ExitStatus::Success)
        }
        CredentialsCommand::MfaDevice(args) => super::lifecycle::mfa_device(args),
        CredentialsCommand::Rotate(args) => super::lifecycle::rotate(args),
        CredentialsCommand::Check { json } => {
            let project = Project::load_here()?;
            let files = AwsFiles::for_project(&project.short_name)?;
            if crate::sso::enabled(&project) {
                crate::sso::log_token_status(&project)?;
            }
            let rows = check::check(&project, &files, &Prompt::detect())?;
            let text = if json {
                serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
            } else {
                check::table(&rows)
            };
            output::print(&text)?;
            Ok(ExitStatus::from_ok(rows.iter().all(|r| r.ok())))
        }
    }
}
