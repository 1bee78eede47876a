//! Choosing layers from an account or layers-group directory: `--layers a,b` in the
//! order given, globs like `us-east-1/*` (beyond upstream), and `--all` for every layer below.

use super::TerraformError;
use crate::project::has_terraform_files;
use std::path::{Path, PathBuf};

/// The selected layers as paths relative to `root`, each checked to exist before any runs.
pub fn select(
    root: &Path,
    dir: &Path,
    entries: &[String],
    all: bool,
) -> Result<Vec<PathBuf>, TerraformError> {
    let mut found: Vec<PathBuf> = Vec::new();
    for entry in entries
        .iter()
        .flat_map(|e| e.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let entry = entry.trim_end_matches('/');
        if entry.contains(['*', '?', '[']) {
            let pattern = dir.join(entry);
            let mut matches: Vec<PathBuf> = glob::glob(&pattern.to_string_lossy())
                .map_err(|e| TerraformError::NoLayerMatches {
                    pattern: format!("{entry} ({e})"),
                })?
                .flatten()
                .filter(|p| p.is_dir() && has_terraform_files(p))
                .collect();
            if matches.is_empty() {
                return Err(TerraformError::NoLayerMatches {
                    pattern: entry.to_string(),
                });
            }
            matches.sort();
            found.extend(matches);
        } else {
            let path = dir.join(entry);
            if !path.is_dir() || !has_terraform_files(&path) {
                return Err(TerraformError::NoSuchLayer {
                    layer: entry.to_string(),
                });
            }
            found.push(path);
        }
    }
    if all {
        let before = found.len();
        walk(dir, &mut found);
        if found.len() == before {
            return Err(TerraformError::NoLayersBelow {
                dir: dir.to_path_buf(),
            });
        }
    }
    let mut layers: Vec<PathBuf> = Vec::new();
    for path in found {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if !layers.contains(&relative) {
            layers.push(relative);
        }
    }
    Ok(layers)
}

/// Every layer below `dir`, sorted; a layer's own subdirectories (modules) are not layers, and
/// hidden directories (`.terraform`) and `config` directories are skipped.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut children: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.') && n != "config")
        })
        .collect();
    children.sort();
    for child in children {
        if has_terraform_files(&child) {
            found.push(child);
        } else {
            walk(&child, found);
        }
    }
}
