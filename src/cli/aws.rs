//! `leverage aws <args>`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::project::Project;
use clap::Args;

#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Arguments for the `aws` CLI, passed through unchanged.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(args: AwsArgs) -> Result<ExitStatus, Error> {
    match super::sso::intercept(&args.args) {
        Some(Ok(parsed)) => super::sso::run(parsed),
        Some(Err(help)) => {
            crate::ui::output::print(&help.render().to_string())?;
            Ok(ExitStatus::Success)
        }
        None => crate::aws::cli::run(&Project::load_here()?, args.args),
    }
}
