//! Which directories of a project are layers (see docs/behaviour.md): those, below an account,
//! whose .tf files declare `backend "s3"`. A path component ending in `--` disables a layer.

use super::Diagnostic;
use std::path::{Path, PathBuf};

/// A parsed .tf file of a layer (symlinks followed, so shared files count as the layer's own).
#[derive(Debug, Clone)]
pub(crate) struct TfFile {
    /// Relative to the project root.
    pub path: PathBuf,
    pub body: hcl::Body,
}

/// A layer directory and its parsed .tf files, in file-name order.
#[derive(Debug, Clone)]
pub(crate) struct LayerDir {
    /// Relative to the project root.
    pub path: PathBuf,
    pub disabled: bool,
    pub files: Vec<TfFile>,
}

/// Every layer below `root`, sorted by path, and the files that did not parse.
pub(crate) fn discover(root: &Path) -> (Vec<LayerDir>, Vec<Diagnostic>) {
    let mut dirs = Vec::new();
    collect_dirs(root, root, &mut dirs);
    let mut layers = Vec::new();
    let mut problems = Vec::new();
    for dir in dirs {
        if let Some(layer) = read_layer(root, &dir, &mut problems) {
            layers.push(layer);
        }
    }
    layers.sort_by(|a, b| a.path.cmp(&b.path));
    (layers, problems)
}

/// True when a component of `path` ends in `--` once spaces are trimmed.
pub(crate) fn is_disabled(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str().to_string_lossy().trim().ends_with("--"))
}

/// Directories at least two levels below the root (inside an account) holding .tf files.
/// Hidden directories (`.terraform`) are skipped and directory symlinks are not followed.
fn collect_dirs(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let depth = dir.strip_prefix(root).map_or(0, |r| r.components().count());
    let mut has_tf = false;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect_dirs(root, &entry.path(), found);
        } else if Path::new(&name).extension().is_some_and(|x| x == "tf") {
            has_tf = true;
        }
    }
    if has_tf && depth >= 2 {
        found.push(dir.to_path_buf());
    }
}

/// The directory as a layer when one of its .tf files declares `backend "s3"`.
fn read_layer(root: &Path, dir: &Path, problems: &mut Vec<Diagnostic>) -> Option<LayerDir> {
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "tf") && path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            texts.push((path, text));
        }
    }
    // Parsing is the expensive part: only directories that mention a backend get parsed.
    if !texts.iter().any(|(_, t)| t.contains("backend")) {
        return None;
    }
    texts.sort_by(|a, b| a.0.cmp(&b.0));
    let mut files = Vec::new();
    for (path, text) in texts {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        match hcl::parse(&text) {
            Ok(body) => files.push(TfFile {
                path: relative,
                body,
            }),
            Err(e) => problems.push(Diagnostic::Unparsable {
                file: relative,
                message: first_line(&e.to_string()),
            }),
        }
    }
    if !files
        .iter()
        .any(|f| super::identity::declares_s3_backend(&f.body))
    {
        return None;
    }
    let path = dir.strip_prefix(root).unwrap_or(dir).to_path_buf();
    Some(LayerDir {
        disabled: is_disabled(&path),
        path,
        files,
    })
}

pub(crate) fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_ending_in_two_dashes_disables_everything_below_it() {
        assert!(is_disabled(Path::new(
            "apps-devstg/us-east-1/k8s-eks--/cluster"
        )));
        assert!(is_disabled(Path::new(
            "apps-devstg/us-east-1/old layer -- "
        )));
        assert!(!is_disabled(Path::new("apps-devstg/us-east-1/k8s--eks")));
        assert!(!is_disabled(Path::new("apps-devstg/us-east-1/with spaces")));
    }

    #[test]
    fn layers_are_directories_below_an_account_with_an_s3_backend() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |path: &str, text: &str| crate::test_files::write(root, path, text);
        let backend = "terraform {\n  backend \"s3\" {\n    key = \"k\"\n  }\n}\n";
        write("acct/us-east-1/net work/config.tf", backend);
        write("acct/us-east-1/old--/config.tf", backend);
        write(
            "acct/us-east-1/local/config.tf",
            "terraform {\n  backend \"local\" {}\n}\n",
        );
        write(
            "acct/us-east-1/module/main.tf",
            "# backend is only mentioned\n",
        );
        write(
            "acct/us-east-1/net work/.terraform/modules/m/config.tf",
            backend,
        );
        write("acct/config.tf", backend);
        write(
            "acct/us-east-1/broken/config.tf",
            "terraform { backend \"s3\" {\n",
        );
        let (layers, problems) = discover(root);
        let found: Vec<(String, bool)> = layers
            .iter()
            .map(|l| (l.path.display().to_string(), l.disabled))
            .collect();
        assert_eq!(
            found,
            [
                ("acct/us-east-1/net work".to_string(), false),
                ("acct/us-east-1/old--".to_string(), true)
            ]
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
