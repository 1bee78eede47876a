//! `build.env` files, read from the root down to the current directory; deeper ones win.

use super::{BUILD_ENV, ProjectError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The merged `KEY=VALUE` pairs and the files they came from.
#[derive(Debug, Default, Clone)]
pub struct BuildEnv {
    values: BTreeMap<String, String>,
    pub files: Vec<PathBuf>,
}

impl BuildEnv {
    /// Reads every `build.env` between `root` and `cwd`, both included.
    pub fn load(root: &Path, cwd: &Path) -> Result<BuildEnv, ProjectError> {
        let mut env = BuildEnv::default();
        let below = cwd.strip_prefix(root).unwrap_or(Path::new(""));
        let mut dir = root.to_path_buf();
        env.merge_file(&dir.join(BUILD_ENV))?;
        for part in below.components() {
            dir.push(part);
            env.merge_file(&dir.join(BUILD_ENV))?;
        }
        Ok(env)
    }

    fn merge_file(&mut self, path: &Path) -> Result<(), ProjectError> {
        if !path.is_file() {
            return Ok(());
        }
        let iter = dotenvy::from_path_iter(path).map_err(|e| malformed(path, e))?;
        for item in iter {
            let (key, value) = item.map_err(|e| malformed(path, e))?;
            self.values.insert(key, value);
        }
        self.files.push(path.to_path_buf());
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }
}

fn malformed(path: &Path, error: dotenvy::Error) -> ProjectError {
    let message = match error {
        dotenvy::Error::LineParse(line, index) => {
            format!(
                "cannot parse `{}` (character {}); expected KEY=VALUE",
                line.trim_end(),
                index + 1
            )
        }
        dotenvy::Error::Io(e) => {
            return crate::error::IoError::new("read", path, e).into();
        }
        other => other.to_string(),
    };
    ProjectError::Malformed {
        path: path.to_path_buf(),
        message,
    }
}
