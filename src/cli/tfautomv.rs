//! `leverage tfautomv <args>`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::project::Project;
use clap::Args;

#[derive(Debug, Args)]
pub struct TfautomvArgs {
    /// Arguments for tfautomv, passed through unchanged (except --terraform-bin, which leverage
    /// sets to the binary `leverage tf` would run).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

pub fn run(args: TfautomvArgs) -> Result<ExitStatus, Error> {
    crate::tfautomv::run(&Project::load_here()?, args.args)
}
