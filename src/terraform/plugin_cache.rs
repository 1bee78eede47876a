//! Whether terraform/tofu share a provider plugin cache, which is not safe for concurrent
//! `init`: `TF_PLUGIN_CACHE_DIR`, or `plugin_cache_dir` in the CLI configuration file
//! (`TF_CLI_CONFIG_FILE`, else `~/.tofurc` or `~/.terraformrc`).

use crate::project::HclFile;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// `var` reads an environment variable (the process's, or one the user passed with `-e`).
pub fn configured(var: impl Fn(&str) -> Option<OsString>, home: Option<&Path>) -> bool {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    if set("TF_PLUGIN_CACHE_DIR").is_some() {
        return true;
    }
    let files: Vec<PathBuf> = match set("TF_CLI_CONFIG_FILE") {
        Some(file) => vec![PathBuf::from(file)],
        None => home
            .map(|home| vec![home.join(".tofurc"), home.join(".terraformrc")])
            .unwrap_or_default(),
    };
    files.iter().any(|file| {
        file.is_file()
            && HclFile::read(file)
                .ok()
                .and_then(|hcl| hcl.string("plugin_cache_dir"))
                .is_some_and(|dir| !dir.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<OsString> {
        None
    }

    #[test]
    fn the_variable_or_the_cli_configuration_turns_it_on() {
        let home = tempfile::tempdir().unwrap();
        assert!(!configured(none, Some(home.path())));
        assert!(configured(
            |name| (name == "TF_PLUGIN_CACHE_DIR").then(|| "/cache".into()),
            None
        ));
        std::fs::write(
            home.path().join(".terraformrc"),
            "plugin_cache_dir = \"$HOME/.terraform.d/plugin-cache\"\n",
        )
        .unwrap();
        assert!(configured(none, Some(home.path())));
        let other = home.path().join("cli.tfrc");
        std::fs::write(&other, "disable_checkpoint = true\n").unwrap();
        let pointing_elsewhere =
            |name: &str| (name == "TF_CLI_CONFIG_FILE").then(|| other.clone().into_os_string());
        assert!(!configured(pointing_elsewhere, Some(home.path())));
    }
}
