//! Finding the project root.

use super::{COMMON_TFVARS, PROJECT_YAML, ProjectError};
use std::path::{Path, PathBuf};

/// The git top level when inside git and it looks like a project; otherwise the nearest ancestor
/// holding `config/common.tfvars` or `project.yaml` (so a project nested in a monorepo works too).
///
/// Walks the directories itself instead of running `git`, which would cost a process per command.
pub fn find_root(cwd: &Path) -> Result<PathBuf, ProjectError> {
    let mut nearest_marked = None;
    for dir in cwd.ancestors() {
        let marked = dir.join(COMMON_TFVARS).is_file() || dir.join(PROJECT_YAML).is_file();
        if marked && nearest_marked.is_none() {
            nearest_marked = Some(dir);
        }
        if dir.join(".git").exists() {
            if marked || nearest_marked.is_none() {
                // Upstream's rule: the git top level is the root, marked or not.
                return Ok(dir.to_path_buf());
            }
            break;
        }
    }
    nearest_marked
        .map(Path::to_path_buf)
        .ok_or_else(|| ProjectError::NotFound {
            cwd: cwd.to_path_buf(),
        })
}
