//! `leverage terraform | tofu | tf` (SPEC §5).

use crate::error::Error;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct TerraformArgs {
    /// Set an environment variable for the binary, KEY=VALUE (repeatable).
    #[arg(short = 'e', long = "env-var", value_name = "KEY=VALUE")]
    pub env_vars: Vec<String>,

    #[command(subcommand)]
    pub command: TerraformCommand,
}

/// Arguments after the command go to the binary unchanged and in order.
#[derive(Debug, Args)]
pub struct PassThrough {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum TerraformCommand {
    /// Initialize the layer: backend config, state key, then `init`.
    Init {
        /// Do not validate the layout before initializing.
        #[arg(long)]
        skip_validation: bool,
        #[command(flatten)]
        rest: PassThrough,
    },
    /// Show the changes `apply` would make.
    Plan(PassThrough),
    /// Make the changes.
    Apply(PassThrough),
    /// Show the layer's outputs.
    Output(PassThrough),
    /// Destroy the layer's resources.
    Destroy(PassThrough),
    /// Print the binary's version.
    Version(PassThrough),
    /// Format the code (`fmt -recursive`).
    Format(PassThrough),
    /// Validate the layer's code.
    Validate(PassThrough),
    /// Check the layer's backend and account configuration against the project's conventions.
    ValidateLayout(PassThrough),
    /// Import an existing resource into the state.
    Import {
        /// The resource address in the code.
        address: String,
        /// The resource's id in AWS.
        id: String,
        #[command(flatten)]
        rest: PassThrough,
    },
    /// Release a stuck state lock.
    ForceUnlock {
        /// The lock id printed by the failed command.
        lock_id: String,
        #[command(flatten)]
        rest: PassThrough,
    },
    /// Open a shell in the layer with the same environment the binary gets.
    Shell(PassThrough),
    /// Make fresh temporary credentials for the layer's profiles.
    RefreshCredentials(PassThrough),
}

pub fn run(group: &str, args: TerraformArgs) -> Result<i32, Error> {
    let name = format!("{:?}", args.command);
    let command = name.split([' ', '(', '{']).next().unwrap_or_default().to_lowercase();
    Err(Error::NotImplemented(format!("leverage {group} {command}")))
}
