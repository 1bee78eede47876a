//! `leverage project ...` (SPEC §7).

use crate::error::Error;
use crate::graph::{Graph, render};
use crate::project::Location;
use clap::{Args, ValueEnum};

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

/// Prints the whole project's dependency graph on stdout.
pub fn graph(args: GraphArgs) -> Result<i32, Error> {
    let project = super::load_project()?;
    let graph = Graph::load(&project.root, args.include_disabled);
    let output = match args.format {
        GraphFormat::Text => render::text(&graph),
        GraphFormat::Dot => render::dot(&graph),
        GraphFormat::Json => render::json(&graph),
    };
    print!("{output}");
    Ok(0)
}

/// Prints the project as leverage sees it from the current directory.
pub fn info() -> Result<i32, Error> {
    let project = super::load_project()?;
    let unset = || "(not set)".to_string();
    let location = match &project.location {
        Location::Layer { layer, .. } | Location::LayersGroup { group: layer, .. } => {
            format!("{} ({})", project.location.describe(), layer.display())
        }
        Location::Account { account } => format!("account ({account})"),
        other => other.describe().to_string(),
    };
    println!("root:             {}", project.root.display());
    println!("short name:       {}", project.short_name);
    println!(
        "project name:     {}",
        project.long_name.clone().unwrap_or_else(unset)
    );
    println!(
        "primary region:   {}",
        project.primary_region.clone().unwrap_or_else(unset)
    );
    println!(
        "secondary region: {}",
        project.secondary_region.clone().unwrap_or_else(unset)
    );
    println!("MFA enabled:      {}", project.mfa_enabled());
    println!("location:         {location}");
    println!("accounts:");
    for account in &project.accounts {
        let email = account.email.as_deref().unwrap_or("-");
        let id = account.id.as_deref().unwrap_or("(no id yet)");
        println!("  {:<16} {id:<14} {email}", account.name);
    }
    Ok(0)
}
