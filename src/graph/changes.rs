//! `--changed-since <ref>` (see docs/behaviour.md): the files changed since the merge base with
//! `<ref>` (plus uncommitted and untracked ones unless `--committed-only`), and the layers they
//! change. Uses the system `git`.

use super::{Graph, GraphError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// The merge base the files are compared with.
    pub base: String,
    /// Relative to the project root.
    pub files: BTreeSet<PathBuf>,
    /// Layers that existed at the base and are gone now: they need a destroy from there.
    pub deleted_layers: Vec<PathBuf>,
}

/// The changes since the merge base of `since` and HEAD.
pub fn since(root: &Path, since: &str, committed_only: bool) -> Result<Changes, GraphError> {
    let base = git(root, &["merge-base", since, "HEAD"])?
        .trim()
        .to_string();
    let mut diff = vec![
        "diff",
        "--name-only",
        "-z",
        "--relative",
        "--no-renames",
        &base,
    ];
    if committed_only {
        diff.push("HEAD");
    }
    let mut files: BTreeSet<PathBuf> = split(&git(root, &diff)?).collect();
    if !committed_only {
        files.extend(split(&git(
            root,
            &["ls-files", "--others", "--exclude-standard", "-z"],
        )?));
    }
    diff.insert(1, "--diff-filter=D");
    let deleted: BTreeSet<PathBuf> = split(&git(root, &diff)?)
        .filter(|f| f.extension().is_some_and(|x| x == "tf"))
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    let mut deleted_layers = Vec::new();
    for dir in deleted {
        if root.join(&dir).is_dir() && crate::project::has_terraform_files(&root.join(&dir)) {
            continue;
        }
        if had_s3_backend(root, &base, &dir)? {
            deleted_layers.push(dir);
        }
    }
    Ok(Changes {
        base,
        files,
        deleted_layers,
    })
}

/// Whether a .tf file of `dir` at `base` declared `backend "s3"`.
fn had_s3_backend(root: &Path, base: &str, dir: &Path) -> Result<bool, GraphError> {
    let tree = format!("{base}:./{}/", dir.display());
    let listing = git(root, &["ls-tree", "--name-only", "-z", &tree])?;
    for name in listing.split('\0').filter(|n| n.ends_with(".tf")) {
        let blob = format!("{base}:./{}/{name}", dir.display());
        let text = git(root, &["show", &blob]).unwrap_or_default();
        if hcl::parse(&text).is_ok_and(|b| super::identity::declares_s3_backend(&b)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The layers the changed files change, each with the first reason found.
pub fn changed_layers(graph: &Graph, changes: &Changes) -> BTreeMap<usize, String> {
    let mut changed: BTreeMap<usize, String> = BTreeMap::new();
    let links = symlink_targets(graph);
    for file in &changes.files {
        let shown = file.display();
        let parts: Vec<String> = file
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let tfvars = file.extension().is_some_and(|x| x == "tfvars");
        match parts.as_slice() {
            [config, _] if config == "config" && tfvars => {
                for i in 0..graph.layers.len() {
                    changed
                        .entry(i)
                        .or_insert_with(|| format!("{shown} changed (every layer)"));
                }
            }
            [account, config, _] if config == "config" && tfvars => {
                for (i, layer) in graph.layers.iter().enumerate() {
                    if &layer.account == account {
                        changed.entry(i).or_insert_with(|| {
                            format!("{shown} changed (every layer of {account})")
                        });
                    }
                }
            }
            _ => {
                if let Some(i) = deepest_layer(graph, file) {
                    changed
                        .entry(i)
                        .or_insert_with(|| format!("changed: {shown}"));
                }
            }
        }
        for i in links.get(file).into_iter().flatten() {
            changed
                .entry(*i)
                .or_insert_with(|| format!("links {shown}, which changed"));
        }
    }
    changed
}

/// The deepest layer whose directory holds `file`.
fn deepest_layer(graph: &Graph, file: &Path) -> Option<usize> {
    graph
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| file.starts_with(&l.path))
        .max_by_key(|(_, l)| l.path.components().count())
        .map(|(i, _)| i)
}

/// Files (relative to the root) that layers link to, and the layers linking each.
fn symlink_targets(graph: &Graph) -> BTreeMap<PathBuf, Vec<usize>> {
    let root = graph
        .root
        .canonicalize()
        .unwrap_or_else(|_| graph.root.clone());
    let mut targets: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, layer) in graph.layers.iter().enumerate() {
        let Ok(entries) = std::fs::read_dir(graph.root.join(&layer.path)) else {
            continue;
        };
        for entry in entries.flatten() {
            if !entry.file_type().is_ok_and(|t| t.is_symlink()) {
                continue;
            }
            let Ok(target) = entry.path().canonicalize() else {
                continue;
            };
            if let Ok(relative) = target.strip_prefix(&root) {
                targets.entry(relative.to_path_buf()).or_default().push(i);
            }
        }
    }
    targets
}

fn split(output: &str) -> impl Iterator<Item = PathBuf> + '_ {
    output
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

fn git(root: &Path, args: &[&str]) -> Result<String, GraphError> {
    let failed = |message: String| GraphError::Git {
        command: args.first().copied().unwrap_or_default().to_string(),
        dir: root.to_path_buf(),
        message,
    };
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotepath=off"])
        .args(args)
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(failed(super::discovery::first_line(&stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
