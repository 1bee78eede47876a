//! `leverage mfa enable|disable`: the documented "Enable MFA" edits, all at once and
//! previewed: `role_requires_mfa` in each account's OAAR role, the backend profile of each account,
//! and `MFA_ENABLED` in build.env. A file without the expected shape is reported, not guessed at.

use crate::atomic_file::Mode;
use crate::error::IoError;
use crate::exit_status::ExitStatus;
use crate::project::{HclFile, Project, ProjectError};
use crate::ui::Prompt;
use std::path::{Path, PathBuf};

/// One file's planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

impl FileChange {
    /// A unified diff with paths relative to the project root.
    pub fn diff(&self, root: &Path) -> String {
        let name = self
            .path
            .strip_prefix(root)
            .unwrap_or(&self.path)
            .display()
            .to_string();
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}

/// The changes to make, and the files left alone with the reason.
#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    pub skipped: Vec<(PathBuf, String)>,
}

const OAAR_ROLE: &[(&str, &[&str])] = &[("module", &["iam_assumable_role_oaar"])];

/// What turning MFA on (`enable`) or off would change in `project`.
pub fn plan(project: &Project, enable: bool) -> Result<Plan, ProjectError> {
    let mut plan = Plan::default();
    for account in account_dirs(&project.root) {
        plan_roles(project, &account, enable, &mut plan)?;
        plan_backend_profile(project, &account, enable, &mut plan)?;
    }
    let build_env = project.root.join(crate::project::BUILD_ENV);
    let before = std::fs::read_to_string(&build_env).unwrap_or_default();
    let value = if enable { "true" } else { "false" };
    let after = set_env_line(&before, "MFA_ENABLED", value);
    if after != before {
        plan.changes.push(FileChange {
            path: build_env,
            before,
            after,
        });
    }
    Ok(plan)
}

/// `role_requires_mfa` of the account's OAAR role in base-identities' roles.tf.
fn plan_roles(
    project: &Project,
    account: &str,
    enable: bool,
    plan: &mut Plan,
) -> Result<(), ProjectError> {
    let roles = project
        .root
        .join(Project::base_identities(account))
        .join("roles.tf");
    if !roles.is_file() {
        return Ok(());
    }
    let mut file = HclFile::read(&roles)?;
    let before = file.text().to_string();
    match file.set_block_bool(OAAR_ROLE, "role_requires_mfa", enable)? {
        Some(true) => plan.changes.push(FileChange {
            path: roles,
            before,
            after: file.text().to_string(),
        }),
        Some(false) => {}
        None => plan.skipped.push((
            roles,
            "no `role_requires_mfa` in module \"iam_assumable_role_oaar\"".into(),
        )),
    }
    Ok(())
}

/// The backend profile: MFA-protected role profiles on, bootstrap/OAAR profiles off.
fn plan_backend_profile(
    project: &Project,
    account: &str,
    enable: bool,
    plan: &mut Plan,
) -> Result<(), ProjectError> {
    let short = &project.short_name;
    let backend = project.backend_tfvars(account);
    let mut file = HclFile::read(&backend)?;
    let wanted = match (enable, account) {
        (true, "management") => format!("{short}-management-oaar"),
        (true, _) => format!("{short}-{account}-devops"),
        (false, "management") => format!("{short}-bootstrap"),
        (false, _) => format!("{short}-{account}-oaar"),
    };
    match file.string("profile") {
        None => plan
            .skipped
            .push((backend, "no `profile = \"...\"`".into())),
        Some(current) if current == wanted => {}
        Some(_) => {
            let before = file.text().to_string();
            file.set_top_level_string("profile", &wanted)?;
            plan.changes.push(FileChange {
                path: backend,
                before,
                after: file.text().to_string(),
            });
        }
    }
    Ok(())
}

/// Writes every change, each file atomically with its permissions kept.
pub fn apply(plan: &Plan) -> Result<(), IoError> {
    for change in &plan.changes {
        crate::atomic_file::write(&change.path, &change.after, Mode::Keep)?;
    }
    Ok(())
}

/// How `leverage mfa enable|disable` goes about it.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct SwitchOptions {
    /// Show the changes and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Plans the switch, shows the diff on stdout, asks, applies, and says what comes next.
pub fn run(
    project: &Project,
    enable: bool,
    options: SwitchOptions,
    prompt: &Prompt,
) -> crate::Result<ExitStatus> {
    if crate::sso::enabled(project) {
        let command = if enable { "mfa enable" } else { "mfa disable" };
        return Err(crate::sso::SsoError::UsesSso { command }.into());
    }
    let plan = plan(project, enable)?;
    for (path, why) in &plan.skipped {
        tracing::warn!(
            "Left {} unchanged: {why}; change it by hand if it should follow.",
            relative(project, path)
        );
    }
    let state = if enable { "enabled" } else { "disabled" };
    if plan.changes.is_empty() {
        tracing::info!("Nothing to change: MFA is already {state} in every file leverage manages.");
        return Ok(ExitStatus::Success);
    }
    for change in &plan.changes {
        crate::ui::output::print(&change.diff(&project.root))?;
    }
    if options.dry_run {
        tracing::info!("Dry run: nothing was changed.");
        return Ok(ExitStatus::Success);
    }
    if !options.yes {
        let question = format!("Apply these changes to {} file(s)?", plan.changes.len());
        let avoid = "pass --yes to apply without asking, or --dry-run to only look";
        if prompt.select(&question, &["Yes", "No"], avoid)? != 0 {
            tracing::info!("Nothing was changed.");
            return Ok(ExitStatus::Failure);
        }
    }
    apply(&plan)?;
    tracing::info!("MFA {state} in {} file(s).", plan.changes.len());
    next_steps(enable);
    Ok(ExitStatus::Success)
}

fn relative(project: &Project, path: &Path) -> String {
    path.strip_prefix(&project.root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn next_steps(enable: bool) {
    // The backend profiles now name MFA role profiles, which need `mfa_serial` before any
    // layer (base-identities included) can be planned or applied.
    if enable {
        tracing::info!(
            "Next: 1. `leverage credentials configure --type MANAGEMENT --fetch-mfa-device \
             --skip-access-keys-setup` (and --type SECURITY), so the role profiles carry your MFA \
             device;"
        );
        tracing::info!(
            "2. `leverage tf apply` in each account's global/base-identities, so the roles \
             require MFA."
        );
    } else {
        tracing::info!(
            "Next: apply each account's roles (`leverage tf apply` in \
             <account>/global/base-identities)."
        );
    }
}

/// Account directories: first-level directories holding `config/backend.tfvars`, sorted.
fn account_dirs(root: &Path) -> Vec<String> {
    let mut accounts: Vec<String> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().join(crate::project::BACKEND_TFVARS).is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    accounts.sort();
    accounts
}

/// `KEY=value` in dotenv text: the existing line's value replaced, or a line appended.
fn set_env_line(text: &str, key: &str, value: &str) -> String {
    let mut found = false;
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            match trimmed.strip_prefix(key).map(str::trim_start) {
                Some(rest) if rest.starts_with('=') && !found => {
                    found = true;
                    let indent = &line[..line.len() - trimmed.len()];
                    format!("{indent}{key}={value}")
                }
                _ => line.to_string(),
            }
        })
        .collect();
    if !found {
        lines.push(format!("{key}={value}"));
    }
    let mut result = lines.join("\n");
    if text.ends_with('\n') || !found {
        result.push('\n');
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_env_line_is_replaced_or_added() {
        assert_eq!(
            set_env_line(
                "# c\nPROJECT=bb\nMFA_ENABLED=false\n",
                "MFA_ENABLED",
                "true"
            ),
            "# c\nPROJECT=bb\nMFA_ENABLED=true\n"
        );
        assert_eq!(
            set_env_line("PROJECT=bb\n", "MFA_ENABLED", "true"),
            "PROJECT=bb\nMFA_ENABLED=true\n"
        );
        assert_eq!(
            set_env_line("MFA_ENABLED_X=1", "MFA_ENABLED", "true"),
            "MFA_ENABLED_X=1\nMFA_ENABLED=true\n"
        );
    }
}
