//! `leverage aws configure sso` and `leverage aws sso login|logout|refresh`: the forms of
//! `leverage aws` that leverage runs itself; every other `aws` command goes to the AWS CLI.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::project::Project;
use crate::runtime::block_on;
use crate::sso::{self, LoginOptions, SsoProject};
use clap::{Parser, Subcommand};

/// The intercepted forms, parsed as if `leverage aws` were their program name.
#[derive(Debug, Parser)]
#[command(name = "leverage aws")]
pub struct AwsSso {
    #[command(subcommand)]
    command: AwsSsoCommand,
}

#[derive(Debug, Subcommand)]
enum AwsSsoCommand {
    /// Configure the project's SSO profiles.
    #[command(subcommand)]
    Configure(ConfigureCommand),
    /// AWS IAM Identity Center sessions.
    #[command(subcommand)]
    Sso(SsoCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigureCommand {
    /// Write the SSO profiles: [default], <short>-sso, then log in and add a
    /// <short>-sso-<account> profile for every account you can reach.
    Sso {
        /// Print the sign-in URL and code; do not open a browser.
        #[arg(long)]
        no_browser: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SsoCommand {
    /// Sign in with the device flow and cache the token for leverage and the AWS CLI.
    Login {
        /// Then refresh the credentials of every account.
        #[arg(long)]
        refresh_all: bool,
        /// Print the sign-in URL and code; do not open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Sign out: remove the tokens and the role credentials SSO wrote.
    Logout,
    /// Fetch credentials for every account's SSO profile at once.
    Refresh {
        /// Also refresh credentials that are still valid.
        #[arg(long)]
        force: bool,
    },
}

/// What to do with `leverage aws <args>`: None to pass them to the AWS CLI.
pub fn intercept(args: &[String]) -> Option<Result<AwsSso, clap::Error>> {
    let words: Vec<&str> = args.iter().take(2).map(String::as_str).collect();
    let ours = matches!(
        words.as_slice(),
        ["configure", "sso"] | ["sso", "login" | "logout" | "refresh"]
    );
    if !ours {
        return None;
    }
    match AwsSso::try_parse_from(
        std::iter::once("leverage aws".to_string()).chain(args.iter().cloned()),
    ) {
        Ok(parsed) => Some(Ok(parsed)),
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => Some(Err(e)),
        // Flags we do not know (e.g. `sso login --profile x`) are the AWS CLI's business.
        Err(_) => None,
    }
}

pub fn run(parsed: AwsSso) -> Result<ExitStatus, Error> {
    let project = Project::load_here()?;
    match parsed.command {
        AwsSsoCommand::Configure(ConfigureCommand::Sso { no_browser }) => {
            block_on(sso::configure(&project, LoginOptions { no_browser }))?;
        }
        AwsSsoCommand::Sso(SsoCommand::Login {
            refresh_all,
            no_browser,
        }) => {
            let sso = SsoProject::of(&project)?;
            block_on(async {
                sso::login(&sso, LoginOptions { no_browser }).await?;
                if refresh_all {
                    sso::refresh_all(&sso, false).await?;
                }
                Ok::<_, Error>(())
            })?;
        }
        AwsSsoCommand::Sso(SsoCommand::Logout) => {
            block_on(sso::logout(&SsoProject::of(&project)?))?;
        }
        AwsSsoCommand::Sso(SsoCommand::Refresh { force }) => {
            block_on(sso::refresh_all(&SsoProject::of(&project)?, force))?;
        }
    }
    Ok(ExitStatus::Success)
}
