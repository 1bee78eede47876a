//! `leverage project ...`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::project::Project;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Show what leverage detects here: root, names, regions, accounts, location.
    Info,
    /// Write a commented project.yaml to start from (not built yet).
    Init,
    /// Render the project's files from project.yaml (not built yet).
    Create,
}

/// A command that exists in upstream's tree but not yet here.
#[derive(Debug, thiserror::Error)]
#[error("`leverage {0}` is not implemented yet")]
struct NotImplemented(&'static str);

impl crate::error::Diagnostic for NotImplemented {
    fn hint(&self) -> Option<String> {
        Some("this command is planned; see `leverage --help` for what works today".into())
    }

    fn exit_code(&self) -> i32 {
        2
    }
}

pub fn run(command: ProjectCommand) -> Result<ExitStatus, Error> {
    match command {
        ProjectCommand::Init => Err(NotImplemented("project init").into()),
        ProjectCommand::Create => Err(NotImplemented("project create").into()),
        ProjectCommand::Info => {
            crate::ui::output::print(&Project::load_here()?.summary())?;
            Ok(ExitStatus::Success)
        }
    }
}
