//! The project template: a git clone in `~/.leverage/templates`, cloned or updated with the system
//! `git` from the public repository, or from `LEVERAGE_TEMPLATE_REPO` (a URL or a local path).

use super::ScaffoldError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where upstream clones the template from.
pub const UPSTREAM_TEMPLATE_REPO: &str =
    "https://github.com/binbashar/le-tf-infra-aws-template.git";
/// Overrides [`UPSTREAM_TEMPLATE_REPO`], for tests and machines without GitHub.
pub const TEMPLATE_REPO_VAR: &str = "LEVERAGE_TEMPLATE_REPO";
/// The branch upstream checks out before pulling.
const BRANCH: &str = "master";

/// The local clone of the template repository.
#[derive(Debug, Clone)]
pub struct TemplateRepo {
    /// `~/.leverage`.
    pub home_dir: PathBuf,
    /// `~/.leverage/templates`, the clone (its `template/` holds the project files).
    pub dir: PathBuf,
    pub origin: String,
}

impl TemplateRepo {
    /// The clone under `$HOME`, with the origin from the environment.
    pub fn from_env() -> Result<TemplateRepo, ScaffoldError> {
        let home = crate::home::dir().ok_or(ScaffoldError::NoHome)?;
        let origin = std::env::var(TEMPLATE_REPO_VAR)
            .ok()
            .filter(|o| !o.trim().is_empty())
            .unwrap_or_else(|| UPSTREAM_TEMPLATE_REPO.to_string());
        let home_dir = home.join(".leverage");
        Ok(TemplateRepo {
            dir: home_dir.join("templates"),
            home_dir,
            origin,
        })
    }

    /// `template/` inside the clone: the files a project is made of.
    pub fn template_dir(&self) -> PathBuf {
        self.dir.join("template")
    }

    /// The clone is there and holds a `template/` directory.
    pub fn require(&self) -> Result<(), ScaffoldError> {
        if self.template_dir().is_dir() {
            Ok(())
        } else {
            Err(ScaffoldError::NoTemplate {
                dir: self.template_dir(),
            })
        }
    }

    /// Clones the template, or brings an existing clone up to date. A failed update with a clone
    /// at hand is a warning: the clone is used as it is.
    pub fn clone_or_update(&self) -> Result<(), ScaffoldError> {
        if !self.home_dir.exists() {
            tracing::info!("No Leverage config directory found in user's home. Creating.");
            std::fs::create_dir_all(&self.home_dir)
                .map_err(ScaffoldError::io("create", &self.home_dir))?;
        }
        if self.dir.join(".git").exists() {
            tracing::info!("Project template found. Updating.");
            match self.update() {
                Ok(()) => tracing::info!("Finished updating template."),
                Err(reason) => tracing::warn!(
                    "Could not update the project template from {} ({reason}); going on with the copy in {}",
                    self.origin,
                    self.dir.display()
                ),
            }
            return Ok(());
        }
        tracing::info!("No project template found. Cloning template.");
        self.clone_fresh()?;
        tracing::info!("Finished cloning template.");
        Ok(())
    }

    /// `checkout master` then a fast-forward pull from the origin.
    fn update(&self) -> Result<(), String> {
        git(&self.dir, &["checkout", "--quiet", BRANCH])?;
        git(
            &self.dir,
            &["pull", "--quiet", "--ff-only", &self.origin, BRANCH],
        )?;
        Ok(())
    }

    /// Clones into a temporary directory beside the final one, then renames it into place, so an
    /// interrupted clone never looks like a clone.
    fn clone_fresh(&self) -> Result<(), ScaffoldError> {
        if self.dir.exists() {
            let empty = std::fs::read_dir(&self.dir)
                .map_err(ScaffoldError::io("read", &self.dir))?
                .next()
                .is_none();
            if !empty {
                return Err(ScaffoldError::TemplateDirNotAClone {
                    dir: self.dir.clone(),
                });
            }
            std::fs::remove_dir(&self.dir).map_err(ScaffoldError::io("remove", &self.dir))?;
        }
        let staging = tempfile::Builder::new()
            .prefix(".templates-")
            .tempdir_in(&self.home_dir)
            .map_err(ScaffoldError::io("create a directory in", &self.home_dir))?;
        let target = staging.path().join("templates");
        let target_text = target.to_string_lossy().into_owned();
        git(
            &self.home_dir,
            &["clone", "--quiet", &self.origin, &target_text],
        )
        .map_err(|reason| ScaffoldError::TemplateUnreachable {
            origin: self.origin.clone(),
            reason,
        })?;
        std::fs::rename(&target, &self.dir).map_err(ScaffoldError::io("move into place", &self.dir))
    }
}

/// Whether `dir` is the top of a git repository. A repository around it (a HOME kept in git)
/// does not count: the project gets its own, as upstream's `git init` gives it.
pub fn is_git_repository(dir: &Path) -> bool {
    dir.join(".git").exists()
}

/// `git init` in `dir`.
pub fn git_init(dir: &Path) -> Result<(), ScaffoldError> {
    git(dir, &["init", "--quiet"]).map_err(|reason| ScaffoldError::Git {
        command: "init".into(),
        dir: dir.to_path_buf(),
        reason,
    })
}

/// Runs git without prompts; the error is git's last line of complaint.
fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "git was not found on PATH".to_string(),
            _ => format!("could not run git: {e}"),
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    // git's reason is its `fatal:`/`error:` line; the lines after it only advise.
    let lines = || stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    let line = lines()
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .or_else(|| lines().next())
        .map(str::to_string)
        .unwrap_or_else(|| format!("git {} exited with {}", args[0], output.status));
    Err(line)
}

/// Fails early with a clear error when there is no git to run.
pub fn require_git() -> Result<(), ScaffoldError> {
    match Command::new("git").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(()),
        _ => Err(ScaffoldError::GitMissing),
    }
}
