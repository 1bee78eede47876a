//! `project init` and `project create`: a new landing zone from the public project template, the
//! same tree upstream makes (see docs/behaviour.md), written all at once or not at all.

mod apply;
mod error;
pub mod jinja;
pub mod plan;
pub mod settings;
pub mod template_repo;

pub use error::ScaffoldError;
pub use plan::{Entry, Plan};
pub use settings::Settings;
pub use template_repo::TemplateRepo;

use crate::project::PROJECT_YAML;
use std::path::{Path, PathBuf};

/// Gets the template (clone or update), makes `dir` a git repository, and drops the template's
/// project.yaml there unless one exists.
pub fn init(dir: &Path, repo: &TemplateRepo) -> Result<(), ScaffoldError> {
    template_repo::require_git()?;
    repo.clone_or_update()?;
    if template_repo::is_git_repository(dir) {
        tracing::info!("Project directory is already in a git repository.");
    } else {
        tracing::info!("Initializing git repository in project directory.");
        template_repo::git_init(dir)?;
    }
    let target = dir.join(PROJECT_YAML);
    if target.exists() {
        tracing::warn!("Project configuration file {PROJECT_YAML} already exists in directory.");
    } else {
        tracing::info!(
            "No project configuration file found. Dropping configuration template {PROJECT_YAML}."
        );
        let source = repo.dir.join("le-resources").join(PROJECT_YAML);
        let text = std::fs::read_to_string(&source).map_err(ScaffoldError::io("read", &source))?;
        crate::atomic_file::write(&target, &text, crate::atomic_file::Mode::Keep)?;
    }
    tracing::info!("Project initialization finished.");
    Ok(())
}

/// What `create` found to do, for `--dry-run` to show.
#[derive(Debug)]
pub struct Outcome {
    pub root: PathBuf,
    pub plan: Plan,
}

/// Makes the project in the root around `cwd` from its project.yaml. With `dry_run` nothing is
/// written; the plan (fully rendered) is returned either way.
pub fn create(cwd: &Path, repo: &TemplateRepo, dry_run: bool) -> Result<Outcome, ScaffoldError> {
    let root = crate::project::find_root(cwd).map_err(|_| ScaffoldError::NoProjectYaml {
        dir: cwd.to_path_buf(),
    })?;
    let yaml = root.join(PROJECT_YAML);
    if !yaml.is_file() {
        return Err(ScaffoldError::NoProjectYaml { dir: root });
    }
    let config = root.join("config");
    if config.symlink_metadata().is_ok() {
        return Err(ScaffoldError::AlreadyCreated { path: config });
    }
    let settings = Settings::read(&yaml)?;
    repo.require()?;
    let env = jinja::environment(&repo.dir);
    let plan = Plan::build(&repo.dir, &settings, &env, !dry_run)?;
    apply::check_nothing_in_the_way(&plan, &root)?;
    if !dry_run {
        let staging = apply::stage(&plan, &root)?;
        apply::format(staging.path());
        apply::move_into_place(staging.path(), &root, &apply::top_level(&plan))?;
        staging
            .close()
            .map_err(ScaffoldError::io("remove the staging directory in", &root))?;
        tracing::info!("Finished setting up project.");
    }
    Ok(Outcome { root, plan })
}

/// One line per path the plan writes: `dir/`, `link -> target`, `file  (from template)`.
pub fn describe(plan: &Plan) -> Vec<String> {
    plan.entries
        .iter()
        .map(|(path, entry)| {
            let path = path.display();
            match entry {
                Entry::Dir { .. } => format!("{path}/"),
                Entry::Copy { .. } => format!("{path}"),
                Entry::Symlink { target } => format!("{path} -> {}", target.display()),
                Entry::Rendered { origin, .. } => format!("{path}  (rendered from {origin})"),
            }
        })
        .collect()
}
