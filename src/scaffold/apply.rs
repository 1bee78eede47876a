//! Writing a [`Plan`] so that the project directory never holds half of it: everything is written
//! and formatted in a staging directory beside the project, then renamed into place, undoing the
//! renames already done when one fails.

use super::ScaffoldError;
use super::plan::{Entry, Plan};
use crate::terraform::binary::Group;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The first path component of every entry, in order: what is renamed into the project.
pub(crate) fn top_level(plan: &Plan) -> Vec<PathBuf> {
    let mut tops: Vec<PathBuf> = Vec::new();
    for path in plan.entries.keys() {
        if let Some(first) = path.components().next() {
            let first = PathBuf::from(first.as_os_str());
            if tops.last() != Some(&first) {
                tops.push(first);
            }
        }
    }
    tops
}

/// Refuses when a directory the plan makes already exists: it would be mixed with ours.
/// Files at the top (`.gitignore`, `build.env`) are replaced, keeping a `.bkp`.
pub(crate) fn check_nothing_in_the_way(plan: &Plan, root: &Path) -> Result<(), ScaffoldError> {
    for top in top_level(plan) {
        let dest = root.join(&top);
        let planned_dir = matches!(plan.entries.get(&top), Some(Entry::Dir { .. }));
        if dest.symlink_metadata().is_ok() && (planned_dir || dest.is_dir()) {
            return Err(ScaffoldError::InTheWay { path: dest });
        }
    }
    Ok(())
}

/// Writes the plan into a new staging directory inside `root`; dropped (and deleted) on error.
pub(crate) fn stage(plan: &Plan, root: &Path) -> Result<tempfile::TempDir, ScaffoldError> {
    let staging = tempfile::Builder::new()
        .prefix(".leverage-create-")
        .tempdir_in(root)
        .map_err(ScaffoldError::io("create a staging directory in", root))?;
    for (rel, entry) in &plan.entries {
        let dest = staging.path().join(rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(ScaffoldError::io("create", parent))?;
        }
        match entry {
            Entry::Dir { mode } => {
                fs::create_dir_all(&dest).map_err(ScaffoldError::io("create", &dest))?;
                if let Some(mode) = mode {
                    fs::set_permissions(&dest, fs::Permissions::from_mode(*mode))
                        .map_err(ScaffoldError::io("set the mode of", &dest))?;
                }
            }
            Entry::Copy { from } => {
                fs::copy(from, &dest).map_err(ScaffoldError::io("copy", from))?;
            }
            Entry::Symlink { target } => {
                std::os::unix::fs::symlink(target, &dest)
                    .map_err(ScaffoldError::io("create the link", &dest))?;
            }
            Entry::Rendered { text, .. } => {
                fs::write(&dest, text).map_err(ScaffoldError::io("write", &dest))?;
            }
        }
    }
    Ok(staging)
}

/// `fmt -recursive` with tofu, or terraform, in the staging directory. Formatting is a nicety:
/// when it cannot run, a warning says the files are unformatted and the project is still made.
pub(crate) fn format(dir: &Path) {
    tracing::info!("Reformatting configuration to the standard style.");
    let binary = match Group::Tf.resolve() {
        Ok(binary) => binary,
        Err(_) => {
            tracing::warn!(
                "Neither tofu nor terraform is on PATH: the files are left unformatted; run `tofu fmt -recursive` or `terraform fmt -recursive` in the project later."
            );
            return;
        }
    };
    let outcome = Command::new(&binary.path)
        .args(["fmt", "-recursive"])
        .current_dir(dir)
        .output();
    match outcome {
        Ok(output) if output.status.success() => {
            tracing::debug!(
                "{} fmt: {}",
                binary.name,
                String::from_utf8_lossy(&output.stdout).trim()
            );
        }
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            tracing::warn!(
                "`{} fmt -recursive` failed ({}{}): the files are left unformatted; run it in the project later.",
                binary.name,
                output.status,
                if reason.is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                }
            );
        }
        Err(e) => tracing::warn!(
            "Could not run {} ({e}): the files are left unformatted; run `{} fmt -recursive` in the project later.",
            binary.path.display(),
            binary.name
        ),
    }
}

/// One step done by [`move_into_place`], so it can be undone.
enum Moved {
    New(PathBuf),
    /// Replaced a file; the original is at the backup path.
    Replaced(PathBuf, PathBuf),
}

/// Renames each top-level entry of `staging` into `root`. On an error every rename already done
/// is undone, so the project is as it was.
pub(crate) fn move_into_place(
    staging: &Path,
    root: &Path,
    tops: &[PathBuf],
) -> Result<(), ScaffoldError> {
    let mut done: Vec<Moved> = Vec::new();
    for top in tops {
        match move_one(staging, root, top) {
            Ok(Some(step)) => done.push(step),
            Ok(None) => {}
            Err(e) => {
                undo(staging, root, done);
                return Err(e);
            }
        }
    }
    if let Ok(dir) = fs::File::open(root) {
        let _ = dir.sync_all();
    }
    for step in &done {
        if let Moved::Replaced(path, backup) = step {
            tracing::warn!(
                "{} was replaced by the template's; the previous one is kept as {}",
                path.display(),
                backup.display()
            );
        }
    }
    Ok(())
}

fn move_one(staging: &Path, root: &Path, top: &Path) -> Result<Option<Moved>, ScaffoldError> {
    let (from, dest) = (staging.join(top), root.join(top));
    match dest.symlink_metadata() {
        Err(_) => {
            fs::rename(&from, &dest).map_err(ScaffoldError::io("move into place", &dest))?;
            Ok(Some(Moved::New(dest)))
        }
        Ok(meta) if meta.is_file() => {
            let old = fs::read(&dest).map_err(ScaffoldError::io("read", &dest))?;
            if fs::read(&from).is_ok_and(|new| new == old) {
                return Ok(None);
            }
            let mut name = top.as_os_str().to_os_string();
            name.push(".bkp");
            let backup = root.join(name);
            let _ = fs::remove_file(&backup);
            fs::hard_link(&dest, &backup)
                .or_else(|_| fs::copy(&dest, &backup).map(|_| ()))
                .map_err(ScaffoldError::io("back up", &dest))?;
            fs::rename(&from, &dest).map_err(ScaffoldError::io("replace", &dest))?;
            Ok(Some(Moved::Replaced(dest, backup)))
        }
        Ok(_) => Err(ScaffoldError::InTheWay { path: dest }),
    }
}

fn undo(staging: &Path, root: &Path, done: Vec<Moved>) {
    for step in done.into_iter().rev() {
        let result = match &step {
            Moved::New(dest) => dest
                .strip_prefix(root)
                .map(|rel| fs::rename(dest, staging.join(rel)))
                .unwrap_or(Ok(())),
            Moved::Replaced(dest, backup) => fs::rename(backup, dest),
        };
        if let Err(e) = result {
            let path = match &step {
                Moved::New(p) | Moved::Replaced(p, _) => p,
            };
            tracing::error!("could not undo the move of {}: {e}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_files::write;

    #[test]
    fn a_failure_midway_puts_back_everything_already_moved() {
        let dir = tempfile::tempdir().unwrap();
        let (staging, root) = (dir.path().join("staging"), dir.path().join("root"));
        write(&staging, ".gitignore", "new\n");
        write(&staging, "config/common.tfvars", "project = \"ac\"\n");
        write(&staging, "management/config/account.tfvars", "x\n");
        write(&root, ".gitignore", "mine\n");
        // Something that is not ours stands where the third entry goes.
        write(&root, "management/notes.txt", "mine\n");
        let tops: Vec<PathBuf> = [".gitignore", "config", "management"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let error = move_into_place(&staging, &root, &tops).unwrap_err();
        assert!(matches!(error, ScaffoldError::InTheWay { .. }), "{error}");
        assert_eq!(
            fs::read_to_string(root.join(".gitignore")).unwrap(),
            "mine\n"
        );
        assert!(!root.join(".gitignore.bkp").exists());
        assert!(!root.join("config").exists());
        assert!(staging.join("config/common.tfvars").is_file());
        assert_eq!(
            fs::read_to_string(root.join("management/notes.txt")).unwrap(),
            "mine\n"
        );
    }
}
