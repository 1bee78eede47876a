//! `leverage project ...`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::graph::{Graph, render};
use crate::project::Project;
use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Show what leverage detects here: root, names, regions, accounts, location.
    Info,
    /// Write a commented project.yaml to start from (not built yet).
    Init,
    /// Render the project's files from project.yaml (not built yet).
    Create,
    /// Show the layers in dependency order, from their remote-state references.
    Graph(GraphArgs),
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// text: levels in run order, what each layer reads, then cycles and warnings; dot: for
    /// Graphviz (edges consumer → producer); json: for tools.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
    /// Include disabled layers (a path component ending in `--`).
    #[arg(long)]
    pub include_disabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Text,
    Dot,
    Json,
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
        ProjectCommand::Graph(args) => {
            let project = Project::load_here()?;
            let graph = Graph::load(&project.root, args.include_disabled);
            let output = match args.format {
                GraphFormat::Text => render::text(&graph),
                GraphFormat::Dot => render::dot(&graph),
                GraphFormat::Json => render::json(&graph),
            };
            crate::ui::output::print(&output)?;
            Ok(ExitStatus::Success)
        }
        ProjectCommand::Info => {
            crate::ui::output::print(&Project::load_here()?.summary())?;
            Ok(ExitStatus::Success)
        }
    }
}
