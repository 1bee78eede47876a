//! `leverage kubectl` / `kc`: kubectl passthrough, `configure` and `discover`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::project::Project;
use crate::ui::Prompt;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct KubectlArgs {
    #[command(subcommand)]
    pub command: Option<KubectlCommand>,
    /// Arguments for kubectl, passed through unchanged.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum KubectlCommand {
    /// Add the EKS cluster of the current cluster layer to the project's kubeconfig.
    Configure,
    /// Find the EKS clusters below the current directory (metadata.yaml files) and add one to the
    /// project's kubeconfig.
    Discover {
        /// Choose this cluster (its cluster_name) instead of picking from a list.
        #[arg(long, value_name = "NAME")]
        cluster: Option<String>,
    },
}

pub fn run(args: KubectlArgs) -> Result<ExitStatus, Error> {
    let project = Project::load_here()?;
    match args.command {
        None => crate::kubectl::run(&project, args.args),
        Some(KubectlCommand::Configure) => crate::kubectl::configure(&project),
        Some(KubectlCommand::Discover { cluster }) => {
            crate::kubectl::discover::discover(&project, cluster.as_deref(), &Prompt::detect())
        }
    }
}
