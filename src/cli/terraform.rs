//! `leverage terraform | tofu | tf`: the command tree, turned into a
//! [`LayerCommand`](crate::terraform::command::LayerCommand).

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::project::Project;
use crate::terraform::binary::Group;
use crate::terraform::command::{self, LayerCommand};
use crate::terraform::invocation::{Action, AllFlags, LayerSelection};
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
    /// Arguments for the binary, passed through unchanged and in order.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

/// Running in several layers, from an account or layers-group directory. These flags are also
/// recognised anywhere among the binary's arguments, as upstream allows.
#[derive(Debug, Args)]
pub struct LayerOptions {
    /// Run in these layers, in this order: comma-separated paths relative to the current
    /// directory; globs like `us-east-1/*` are allowed.
    #[arg(long, value_name = "LAYERS")]
    pub layers: Vec<String>,
    /// Run in every layer below the current directory, dependencies first (from the root, an
    /// account or any directory).
    #[arg(long)]
    pub all: bool,
    /// Run up to N layers at a time; each layer's output is prefixed and kept in its own log.
    /// `-j N` works too (no short flag is declared, so `-json` still reaches the binary).
    #[arg(long = "jobs", value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Start no more layers once one has failed.
    #[arg(long)]
    pub fail_fast: bool,
    #[command(flatten)]
    pub graph: AllFlags,
}

#[derive(Debug, Args)]
pub struct LayerArgs {
    #[command(flatten)]
    pub layers: LayerOptions,
    #[command(flatten)]
    pub rest: PassThrough,
}

#[derive(Debug, Subcommand)]
pub enum TerraformCommand {
    /// Initialize the layer: validate the layout, set the state key, then `init` with the
    /// account's backend configuration.
    Init {
        /// Do not validate the layout before initializing.
        #[arg(long)]
        skip_validation: bool,
        #[command(flatten)]
        command: LayerArgs,
    },
    /// Show the changes `apply` would make.
    Plan(LayerArgs),
    /// Make the changes (the project's tfvars are added unless a plan file is given).
    Apply(LayerArgs),
    /// Show the layer's outputs.
    Output(LayerArgs),
    /// Destroy the layer's resources.
    Destroy(LayerArgs),
    /// Print the binary's version.
    Version(PassThrough),
    /// Format the code below the current directory (`fmt -recursive`).
    Format(PassThrough),
    /// Validate the layer's code.
    Validate(LayerArgs),
    /// Check the layer's account and backend configuration against the project's conventions.
    ValidateLayout(LayerArgs),
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
    /// Open `$SHELL` in the layer with the environment the binary gets.
    Shell(PassThrough),
    /// Make fresh temporary credentials for the layer's profiles (MFA).
    RefreshCredentials(PassThrough),
}

impl Default for LayerOptions {
    fn default() -> Self {
        LayerOptions {
            layers: Vec::new(),
            all: false,
            jobs: 1,
            fail_fast: false,
            graph: AllFlags::default(),
        }
    }
}

/// A command split into what the library takes.
enum Parts {
    /// `version` and `format`: the binary's subcommand and its arguments, run anywhere.
    Anywhere(&'static str, Vec<String>),
    /// The action, the layer flags and the pass-through arguments.
    InLayers(Action, LayerOptions, Vec<String>),
}

impl TerraformCommand {
    fn into_parts(self) -> Parts {
        let no_layers = LayerOptions::default;
        let (action, options, rest) = match self {
            TerraformCommand::Version(rest) => return Parts::Anywhere("version", rest.args),
            TerraformCommand::Format(rest) => return Parts::Anywhere("fmt", rest.args),
            TerraformCommand::Init {
                skip_validation,
                command,
            } => (
                Action::Init { skip_validation },
                command.layers,
                command.rest.args,
            ),
            TerraformCommand::Plan(c) => (Action::Plan, c.layers, c.rest.args),
            TerraformCommand::Apply(c) => (Action::Apply, c.layers, c.rest.args),
            TerraformCommand::Output(c) => (Action::Output, c.layers, c.rest.args),
            TerraformCommand::Destroy(c) => (Action::Destroy, c.layers, c.rest.args),
            TerraformCommand::Validate(c) => (Action::Validate, c.layers, c.rest.args),
            TerraformCommand::ValidateLayout(c) => (Action::ValidateLayout, c.layers, c.rest.args),
            TerraformCommand::Import { address, id, rest } => {
                (Action::Import { address, id }, no_layers(), rest.args)
            }
            TerraformCommand::ForceUnlock { lock_id, rest } => {
                (Action::ForceUnlock { lock_id }, no_layers(), rest.args)
            }
            TerraformCommand::Shell(rest) => (Action::Shell, no_layers(), rest.args),
            TerraformCommand::RefreshCredentials(rest) => {
                (Action::RefreshCredentials, no_layers(), rest.args)
            }
        };
        Parts::InLayers(action, options, rest)
    }
}

pub fn run(group: Group, args: TerraformArgs) -> Result<ExitStatus, Error> {
    let (action, options, rest) = match args.command.into_parts() {
        Parts::InLayers(action, options, rest) => (action, options, rest),
        Parts::Anywhere(subcommand, rest) => {
            return command::run_anywhere(group, subcommand, rest, &args.env_vars);
        }
    };
    let selection = LayerSelection {
        layers: options.layers,
        all: options.all,
        jobs: options.jobs,
        fail_fast: options.fail_fast,
        graph: options.graph,
    };
    let command = LayerCommand::new(group, action, selection, rest, &args.env_vars)?;
    command.run(&Project::load_here()?)
}
