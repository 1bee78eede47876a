//! Where the current directory sits in the project: terraform commands run only in a
//! layer, or from an account or layers-group directory with `--layers`.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The project root.
    Root,
    /// A first-level directory below the root, e.g. `management/`.
    Account { account: String },
    /// `<root>/config` or `<account>/config`.
    Config,
    /// A directory inside an account that holds `*.tf` files.
    Layer { account: String, layer: PathBuf },
    /// A directory inside an account without `*.tf` files, e.g. `shared/us-east-1/`.
    LayersGroup { account: String, group: PathBuf },
}

impl Location {
    pub fn classify(root: &Path, cwd: &Path) -> Location {
        let Ok(relative) = cwd.strip_prefix(root) else {
            return Location::Root;
        };
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        match parts.as_slice() {
            [] => Location::Root,
            [only] if only == "config" => Location::Config,
            [account] => Location::Account {
                account: account.clone(),
            },
            [_, second] if second == "config" => Location::Config,
            [account, ..] if has_terraform_files(cwd) => Location::Layer {
                account: account.clone(),
                layer: relative.to_path_buf(),
            },
            [account, ..] => Location::LayersGroup {
                account: account.clone(),
                group: relative.to_path_buf(),
            },
        }
    }

    /// The account directory this location belongs to, if any.
    pub fn account(&self) -> Option<&str> {
        match self {
            Location::Account { account }
            | Location::Layer { account, .. }
            | Location::LayersGroup { account, .. } => Some(account),
            Location::Root | Location::Config => None,
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Location::Root => "project root",
            Location::Account { .. } => "account",
            Location::Config => "config",
            Location::Layer { .. } => "layer",
            Location::LayersGroup { .. } => "layers-group",
        }
    }
}

/// The account a layer path (relative to the root) belongs to: its first directory.
pub fn account_of(layer: &Path) -> String {
    layer
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// True when `dir` directly holds at least one `*.tf` file.
pub fn has_terraform_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "tf") && e.path().is_file())
        })
        .unwrap_or(false)
}
