//! The user's home directory (`$HOME`), under which the AWS files, the kubeconfig and the project
//! template live. Unset or empty means none: nothing is made relative to the current directory.

use std::path::PathBuf;

pub fn dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
}
