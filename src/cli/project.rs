//! `leverage project ...`: info, init and create.

use crate::error::Error;
use crate::project::Location;
use crate::scaffold::{self, TemplateRepo};

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

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// List the paths that would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `project init` in the current directory.
pub fn init() -> Result<i32, Error> {
    let repo = TemplateRepo::from_env()?;
    scaffold::init(&super::current_dir()?, &repo)?;
    Ok(0)
}

/// `project create` for the project around the current directory.
pub fn create(args: CreateArgs) -> Result<i32, Error> {
    let repo = TemplateRepo::from_env()?;
    let outcome = scaffold::create(&super::current_dir()?, &repo, args.dry_run)?;
    if args.dry_run {
        println!("Would write in {}:", outcome.root.display());
        for line in scaffold::describe(&outcome.plan) {
            println!("  {line}");
        }
    }
    Ok(0)
}
