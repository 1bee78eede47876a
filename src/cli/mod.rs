//! The command line: clap definitions and dispatch. Every command's logic lives in the library
//! modules; the files here only turn flags into calls and results into exit codes.

mod aws;
mod credentials;
mod identities;
mod lifecycle;
mod mfa;
mod project;
mod terraform;

use crate::error::Error;
use crate::terraform::binary::Group;
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::ffi::OsString;

/// Leverage: run a binbash Leverage AWS landing zone from one fast binary.
#[derive(Debug, Parser)]
#[command(name = "leverage", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Show debug log lines.
    #[arg(short, long, global = true)]
    pub verbose: bool,

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
    Tf(terraform::TerraformArgs),
    /// Run the AWS CLI with the project's credentials files.
    Aws(AwsArgs),
    /// Create and render a Leverage project.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// The seeds' manual identity steps, as commands.
    #[command(subcommand)]
    Identities(IdentitiesCommand),
    /// Turn MFA on or off for the whole project.
    #[command(subcommand)]
    Mfa(MfaCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Arguments for the `aws` CLI, passed through unchanged.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Show what leverage detects here: root, names, regions, accounts, location.
    Info,
    /// Write a commented project.yaml to start from.
    Init,
    /// Render the project's files from project.yaml.
    Create,
}

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
        key_file: Option<std::path::PathBuf>,
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

#[derive(Debug, Subcommand)]
pub enum MfaCommand {
    /// Require MFA: role_requires_mfa in each account's roles.tf, the backend profiles, and
    /// MFA_ENABLED in build.env; shows the diff and asks first.
    Enable(MfaSwitchArgs),
    /// Undo `mfa enable`: bootstrap/OAAR backend profiles, no MFA on the roles.
    Disable(MfaSwitchArgs),
}

#[derive(Debug, Args)]
pub struct MfaSwitchArgs {
    /// Show the changes and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    main_from(std::env::args_os())
}

/// Like [`main`] with explicit arguments, for tests.
pub fn main_from(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = Cli::parse_from(args);
    crate::ui::log::init(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            report(&error);
            error.exit_code()
        }
    }
}

fn current_dir() -> Result<std::path::PathBuf, Error> {
    std::env::current_dir().map_err(|e| Error::Io("find the current directory".into(), e))
}

/// The project around the current directory.
fn load_project() -> Result<crate::project::Project, Error> {
    Ok(crate::project::Project::load(&current_dir()?, |_| {})?)
}

/// Runs async library code on a single-threaded runtime: leverage's AWS calls are few and
/// sequential, and a multi-threaded runtime would cost start-up time for nothing.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime can always be built")
        .block_on(future)
}

/// One line saying what is wrong, then a hint when there is something to try.
fn report(error: &Error) {
    tracing::error!("{error}");
    if let Some(hint) = error.hint() {
        eprintln!("hint: {hint}");
    }
}

fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Credentials(command) => credentials::run(command),
        Command::Terraform(args) => terraform::run(Group::Terraform, args),
        Command::Tofu(args) => terraform::run(Group::Tofu, args),
        Command::Tf(args) => terraform::run(Group::Tf, args),
        Command::Aws(args) => aws::run(args.args),
        Command::Project(ProjectCommand::Info) => project::info(),
        Command::Project(ProjectCommand::Init) => {
            Err(Error::NotImplemented("leverage project init".into()))
        }
        Command::Project(ProjectCommand::Create) => {
            Err(Error::NotImplemented("leverage project create".into()))
        }
        Command::Identities(IdentitiesCommand::Password {
            user,
            account,
            key_file,
            stdout,
        }) => identities::password(&user, &account, key_file.as_deref(), stdout),
        Command::Identities(IdentitiesCommand::Keys) => identities::keys(),
        Command::Identities(IdentitiesCommand::StsRegions { profile, json }) => {
            lifecycle::sts_regions(profile.as_deref(), json)
        }
        Command::Mfa(MfaCommand::Enable(args)) => mfa::switch(true, args),
        Command::Mfa(MfaCommand::Disable(args)) => mfa::switch(false, args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "leverage",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
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
