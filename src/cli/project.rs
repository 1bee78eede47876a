//! `leverage project ...`.

use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::graph::{Graph, render};
use crate::project::Project;
use crate::scaffold::{self, TemplateRepo};
use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Show what leverage detects here: root, names, regions, accounts, location.
    Info,
    /// Get the project template (~/.leverage/templates), `git init` here, and drop a
    /// project.yaml to fill in.
    Init,
    /// Make the project's directories and files from project.yaml and the template.
    Create(CreateArgs),
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

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// List the paths that would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(command: ProjectCommand) -> Result<ExitStatus, Error> {
    match command {
        ProjectCommand::Init => {
            let repo = TemplateRepo::from_env()?;
            scaffold::init(&crate::project::current_dir()?, &repo)?;
            Ok(ExitStatus::Success)
        }
        ProjectCommand::Create(args) => {
            let repo = TemplateRepo::from_env()?;
            let dir = crate::project::current_dir()?;
            let outcome = scaffold::create(&dir, &repo, args.dry_run)?;
            if args.dry_run {
                let mut text = format!("Would write in {}:\n", outcome.root.display());
                for line in scaffold::describe(&outcome.plan) {
                    text.push_str(&format!("  {line}\n"));
                }
                crate::ui::output::print(&text)?;
            }
            Ok(ExitStatus::Success)
        }
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
