//! The command line: clap definitions and dispatch, one file per command group. Flags become
//! library calls here; every command's logic lives in the library.

mod aws;
mod credentials;
mod identities;
mod kubectl;
mod lifecycle;
mod mfa;
mod project;
mod run;
mod sso;
mod terraform;
mod tfautomv;

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::terraform::binary::Group;
use clap::{CommandFactory, Parser, Subcommand};

const TF_LONG_ABOUT: &str = "\
Run OpenTofu, or Terraform when no `tofu` is on PATH, with the project's variable files, backend
configuration and credentials.

Where it runs:
  in a layer                       that layer
  --layers a,b (account or group)  those layers, in that order; globs like 'us-east-1/*'
  --all (anywhere)                 every layer below, dependencies first; --jobs N in parallel

Examples:
  leverage tf plan                                   (in shared/us-east-1/base-network)
  leverage tf apply --layers global/base-identities  (in management/)
  leverage tf plan --all --dry-run                   (the order --all would use)
  leverage tf apply --all --jobs 4 --fail-fast";

/// Leverage: run a binbash Leverage AWS landing zone from one fast binary.
#[derive(Debug, Parser)]
#[command(name = "leverage", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Show debug log lines (-vv: also the AWS SDK's).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage the project's AWS credentials and profiles.
    #[command(subcommand)]
    Credentials(credentials::CredentialsCommand),
    /// Run Terraform in a layer with the project's configuration.
    Terraform(terraform::TerraformArgs),
    /// Run OpenTofu in a layer with the project's configuration.
    Tofu(terraform::TerraformArgs),
    /// Run OpenTofu, or Terraform when no `tofu` is on PATH.
    #[command(long_about = TF_LONG_ABOUT)]
    Tf(terraform::TerraformArgs),
    /// Run the AWS CLI with the project's credentials files.
    Aws(aws::AwsArgs),
    /// Create a project from the template; show its settings and its layer graph.
    #[command(subcommand)]
    Project(project::ProjectCommand),
    /// Read an IAM user's initial console password; check OpenPGP keys and STS regions.
    #[command(subcommand)]
    Identities(identities::IdentitiesCommand),
    /// Turn MFA on or off for the whole project.
    #[command(subcommand)]
    Mfa(mfa::MfaCommand),
    /// Run kubectl with the project's kubeconfig and credentials; add EKS clusters to it.
    #[command(visible_alias = "kc")]
    Kubectl(kubectl::KubectlArgs),
    /// Run tfautomv in a layer with the project's configuration and credentials.
    Tfautomv(tfautomv::TfautomvArgs),
    /// Perform the given tasks of the build script (build.py) and all of their dependencies.
    Run(run::RunArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Write the command reference (reference.md) and the man pages (man/) into DIR.
    #[command(hide = true)]
    GenerateDocs {
        /// Where to write them; the repository keeps them in `docs`.
        dir: std::path::PathBuf,
    },
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    crate::ui::log::init(cli.verbose);
    match run(cli) {
        Ok(status) => status.code(),
        Err(error) => {
            report(&error);
            error.exit_code()
        }
    }
}

/// One line saying what is wrong and why, then a hint when there is something to try.
fn report(error: &Error) {
    if error.silent() {
        return;
    }
    tracing::error!("{error}");
    if let Some(hint) = error.hint() {
        eprintln!("hint: {hint}");
    }
}

fn run(cli: Cli) -> Result<ExitStatus, Error> {
    let verbose = cli.verbose;
    match cli.command {
        Command::Credentials(command) => credentials::run(command),
        Command::Terraform(args) => terraform::run(Group::Terraform, args),
        Command::Tofu(args) => terraform::run(Group::Tofu, args),
        Command::Tf(args) => terraform::run(Group::Tf, args),
        Command::Aws(args) => aws::run(args),
        Command::Project(command) => project::run(command),
        Command::Identities(command) => identities::run(command),
        Command::Mfa(command) => mfa::run(command),
        Command::Kubectl(args) => kubectl::run(args),
        Command::Tfautomv(args) => tfautomv::run(args),
        Command::Run(args) => run::run(args, verbose > 0),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "leverage", &mut script);
            crate::ui::output::print(&String::from_utf8_lossy(&script))?;
            Ok(ExitStatus::Success)
        }
        Command::GenerateDocs { dir } => crate::reference::write(&dir, Cli::command()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
