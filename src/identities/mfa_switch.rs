//! `leverage mfa enable|disable` (SPEC §6): the seed's "Enable MFA" edits, all at once and
//! previewed: `role_requires_mfa` in each account's OAAR role, the backend profile of each account,
//! and `MFA_ENABLED` in build.env. A file without the expected shape is reported, not guessed at.

use crate::project::{HclFile, Project, ProjectError};
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
    let short = &project.short_name;
    for account in account_dirs(&project.root) {
        let roles = project
            .root
            .join(&account)
            .join("global/base-identities/roles.tf");
        if roles.is_file() {
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
        }
        let backend = project.root.join(&account).join("config/backend.tfvars");
        let mut file = HclFile::read(&backend)?;
        let wanted = match (enable, account.as_str()) {
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
    }
    let build_env = project.root.join(crate::project::BUILD_ENV);
    let before = std::fs::read_to_string(&build_env).unwrap_or_default();
    let after = set_env_line(
        &before,
        "MFA_ENABLED",
        if enable { "true" } else { "false" },
    );
    if after != before {
        plan.changes.push(FileChange {
            path: build_env,
            before,
            after,
        });
    }
    Ok(plan)
}

/// Writes every change, each file atomically with its permissions kept.
pub fn apply(plan: &Plan) -> std::io::Result<()> {
    for change in &plan.changes {
        crate::atomic_file::write_keeping_mode(&change.path, &change.after)?;
    }
    Ok(())
}

/// Account directories: first-level directories holding `config/backend.tfvars`, sorted.
fn account_dirs(root: &Path) -> Vec<String> {
    let mut accounts: Vec<String> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().join("config/backend.tfvars").is_file())
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
