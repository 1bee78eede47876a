//! `leverage mfa enable|disable`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::mfa::switch::{self, SwitchOptions};
use crate::project::Project;
use crate::ui::Prompt;
use clap::Subcommand;

const ENABLE_LONG_ABOUT: &str = "\
Require MFA for the whole project: role_requires_mfa = true in each account's
global/base-identities/roles.tf, the backend profiles (<short>-management-oaar in management,
<short>-<account>-devops elsewhere), and MFA_ENABLED=true in build.env. Shows the diff and asks
first.

The order that works:
  1. give each user an MFA device, so the role profiles have its mfa_serial:
       leverage credentials mfa-device --type MANAGEMENT
     (or, for a device made in the console:
       leverage credentials configure --type MANAGEMENT --fetch-mfa-device --skip-access-keys-setup)
  2. leverage mfa enable --dry-run, then leverage mfa enable
  3. apply each account's roles: leverage tf apply --layers global/base-identities
     (from the account's directory; one MFA code per source profile)";

#[derive(Debug, Subcommand)]
pub enum MfaCommand {
    /// Require MFA: role_requires_mfa in each account's roles.tf, the backend profiles, and
    /// MFA_ENABLED in build.env; shows the diff and asks first.
    #[command(long_about = ENABLE_LONG_ABOUT)]
    Enable(SwitchOptions),
    /// Undo `mfa enable`: bootstrap/OAAR backend profiles, no MFA on the roles.
    Disable(SwitchOptions),
}

pub fn run(command: MfaCommand) -> Result<ExitStatus, Error> {
    let (enable, options) = match command {
        MfaCommand::Enable(options) => (true, options),
        MfaCommand::Disable(options) => (false, options),
    };
    switch::run(&Project::load_here()?, enable, options, &Prompt::detect())
}
