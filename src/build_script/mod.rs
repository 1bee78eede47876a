//! `leverage run`: the tasks of a Python build script (`build.py`), which imports
//! `from leverage import task, path, conf` as it did with the Python CLI.
//!
//! The script runs in one Python process so its tasks share state; the orchestration (task
//! syntax, dependencies once, `__DEFAULT__`, listing) lives in a small helper package of ours,
//! shipped inside the binary and written to a private directory placed first on PYTHONPATH.

use crate::error::{Diagnostic, IoError};
use crate::exit_status::ExitStatus;
use crate::process::{self, Invocation};
use std::path::{Path, PathBuf};

/// The helper files, relative to the directory put on PYTHONPATH.
const HELPER: &[(&str, &str)] = &[
    ("run_tasks.py", include_str!("python/run_tasks.py")),
    (
        "leverage/__init__.py",
        include_str!("python/leverage/__init__.py"),
    ),
    (
        "leverage/tasks.py",
        include_str!("python/leverage/tasks.py"),
    ),
    ("leverage/path.py", include_str!("python/leverage/path.py")),
    ("leverage/conf.py", include_str!("python/leverage/conf.py")),
    (
        "leverage/logger.py",
        include_str!("python/leverage/logger.py"),
    ),
];

const PYTHON_INSTALL: &str = "install Python 3 (https://www.python.org/downloads/), or set \
                              LEVERAGE_PYTHON to a python3 executable";

#[derive(Debug, thiserror::Error)]
pub enum BuildScriptError {
    #[error("no build script {file} in {searched}")]
    NotFound { file: String, searched: String },
    #[error("LEVERAGE_PYTHON names {}, which is not an executable file", path.display())]
    BadPython { path: PathBuf },
}

impl Diagnostic for BuildScriptError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            BuildScriptError::NotFound { .. } => {
                "run it from the project, or name the script with -f FILE".into()
            }
            BuildScriptError::BadPython { .. } => {
                "point LEVERAGE_PYTHON at a python3 executable, or unset it to use python3 from \
                 PATH"
                    .into()
            }
        })
    }
}

/// What `leverage run` was asked.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// `-f`: the script's file name (or a path relative to each directory searched).
    pub file: String,
    /// `-l`: list the tasks instead of running them.
    pub list: bool,
    /// `name[a,b,k=v]` words, checked by the helper before anything runs.
    pub tasks: Vec<String>,
}

/// Runs or lists the tasks; the helper's exit code is ours.
pub fn run(cwd: &Path, request: &RunRequest, verbose: bool) -> crate::Result<ExitStatus> {
    let root = crate::project::find_root(cwd).ok();
    let script = find_script(cwd, root.as_deref(), &request.file)?;
    let python = python()?;
    let helper = write_helper()?;
    let mut args = vec![
        helper.path().join("run_tasks.py").display().to_string(),
        script.display().to_string(),
        if request.list { "list" } else { "run" }.to_string(),
    ];
    if !request.list {
        args.extend(request.tasks.iter().cloned());
    }
    let mut env = vec![
        ("PYTHONPATH".to_string(), python_path(helper.path())),
        (
            "LEVERAGE_VERSION".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        (
            "LEVERAGE_VERBOSE".to_string(),
            if verbose { "1" } else { "0" }.to_string(),
        ),
    ];
    if let Some(root) = &root {
        env.push(("LEVERAGE_PROJECT_ROOT".into(), root.display().to_string()));
    }
    let run = Invocation {
        program: python,
        args,
        dir: cwd.to_path_buf(),
        env,
    };
    // `helper` lives until the script has ended; dropping it removes the directory.
    let code = run.run_attached()?;
    drop(helper);
    Ok(ExitStatus::Child(code))
}

/// The nearest `file` from `cwd` up to `root` (only `cwd` outside a project).
pub fn find_script(
    cwd: &Path,
    root: Option<&Path>,
    file: &str,
) -> Result<PathBuf, BuildScriptError> {
    let top = root.unwrap_or(cwd);
    for dir in cwd.ancestors() {
        let candidate = dir.join(file);
        if candidate.is_file() {
            return Ok(candidate);
        }
        if dir == top {
            break;
        }
    }
    let searched = if top == cwd {
        cwd.display().to_string()
    } else {
        format!("{} or its parents up to {}", cwd.display(), top.display())
    };
    Err(BuildScriptError::NotFound {
        file: file.to_string(),
        searched,
    })
}

/// `$LEVERAGE_PYTHON` (a path, or a name looked up on PATH), else `python3`.
fn python() -> crate::Result<PathBuf> {
    let chosen = std::env::var("LEVERAGE_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    Ok(match chosen {
        Some(path) if path.contains('/') => {
            let path = PathBuf::from(path);
            if !process::is_executable(&path) {
                return Err(BuildScriptError::BadPython { path }.into());
            }
            path
        }
        Some(name) => process::require(&name, PYTHON_INSTALL)?,
        None => process::require("python3", PYTHON_INSTALL)?,
    })
}

/// The helper package in a fresh private (0700) directory.
fn write_helper() -> Result<tempfile::TempDir, IoError> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("leverage-run-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .map_err(IoError::on("create", std::env::temp_dir()))?;
    for (relative, text) in HELPER {
        let path = dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(IoError::on("create", parent))?;
        }
        std::fs::write(&path, text).map_err(IoError::on("write", &path))?;
    }
    Ok(dir)
}

/// The helper directory first, then the user's PYTHONPATH.
fn python_path(helper: &Path) -> String {
    match std::env::var("PYTHONPATH") {
        Ok(existing) if !existing.is_empty() => format!("{}:{existing}", helper.display()),
        _ => helper.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_the_nearest_one_up_to_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        let layer = root.join("apps/us-east-1/layer");
        std::fs::create_dir_all(&layer).unwrap();
        std::fs::write(root.join("build.py"), "").unwrap();
        std::fs::write(dir.path().join("tasks.py"), "").unwrap();
        assert_eq!(
            find_script(&layer, Some(&root), "build.py").unwrap(),
            root.join("build.py")
        );
        std::fs::write(root.join("apps/build.py"), "").unwrap();
        assert_eq!(
            find_script(&layer, Some(&root), "build.py").unwrap(),
            root.join("apps/build.py")
        );
        let error = find_script(&layer, Some(&root), "tasks.py").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("no build script tasks.py in ")
        );
        assert!(find_script(&layer, None, "build.py").is_err());
    }

    #[test]
    fn the_helper_is_private_and_complete() {
        use std::os::unix::fs::PermissionsExt;
        let helper = write_helper().unwrap();
        let mode = helper.path().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        for (relative, _) in HELPER {
            assert!(helper.path().join(relative).is_file(), "{relative}");
        }
    }
}
