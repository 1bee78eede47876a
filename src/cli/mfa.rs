//! `leverage mfa enable|disable`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::mfa::switch::{self, SwitchOptions};
use crate::project::Project;
use crate::ui::Prompt;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum MfaCommand {
    /// Require MFA: role_requires_mfa in each account's roles.tf, the backend profiles, and
    /// MFA_ENABLED in build.env; shows the diff and asks first.
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
