//! Which binary a command group runs: `terraform`, `tofu`, or for `tf` whichever of
//! `tofu` then `terraform` is on PATH.

use crate::process::{ProgramNotFound, find_on_path};
use std::ffi::OsStr;
use std::path::PathBuf;

/// The command group the user typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Terraform,
    Tofu,
    Tf,
}

/// The binary to run, found on PATH.
#[derive(Debug, Clone)]
pub struct Binary {
    pub name: &'static str,
    pub path: PathBuf,
}

impl Group {
    pub fn resolve(self) -> Result<Binary, ProgramNotFound> {
        self.resolve_in(std::env::var_os("PATH").as_deref())
    }

    pub fn resolve_in(self, path: Option<&OsStr>) -> Result<Binary, ProgramNotFound> {
        let find = |name: &'static str| find_on_path(name, path).map(|path| Binary { name, path });
        match self {
            Group::Terraform => find("terraform").ok_or_else(|| not_found("terraform")),
            Group::Tofu => find("tofu").ok_or_else(|| not_found("tofu")),
            Group::Tf => {
                let binary = find("tofu")
                    .or_else(|| find("terraform"))
                    .ok_or_else(neither_found)?;
                tracing::debug!("tf runs {} ({})", binary.name, binary.path.display());
                Ok(binary)
            }
        }
    }
}

fn not_found(name: &str) -> ProgramNotFound {
    let install = match name {
        "tofu" => {
            "install OpenTofu (https://opentofu.org/docs/intro/install/), or use `leverage terraform`"
        }
        _ => {
            "install Terraform (https://developer.hashicorp.com/terraform/install), or use `leverage tofu`"
        }
    };
    ProgramNotFound {
        name: name.to_string(),
        install: install.to_string(),
    }
}

/// `tf` (and what runs as it: tfautomv, project create's fmt) takes either binary.
fn neither_found() -> ProgramNotFound {
    ProgramNotFound {
        name: "tofu or terraform".into(),
        install: "install OpenTofu (https://opentofu.org/docs/intro/install/) or Terraform \
                  (https://developer.hashicorp.com/terraform/install)"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Diagnostic;
    use std::os::unix::fs::PermissionsExt;

    fn bin_dir(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            let path = dir.path().join(name);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    }

    #[test]
    fn tf_prefers_tofu_and_falls_back_to_terraform() {
        let both = bin_dir(&["tofu", "terraform"]);
        assert_eq!(
            Group::Tf
                .resolve_in(Some(both.path().as_os_str()))
                .unwrap()
                .name,
            "tofu"
        );
        let only_terraform = bin_dir(&["terraform"]);
        assert_eq!(
            Group::Tf
                .resolve_in(Some(only_terraform.path().as_os_str()))
                .unwrap()
                .name,
            "terraform"
        );
        assert_eq!(
            Group::Terraform
                .resolve_in(Some(both.path().as_os_str()))
                .unwrap()
                .name,
            "terraform"
        );
    }

    #[test]
    fn a_missing_binary_names_what_to_install() {
        let none = bin_dir(&[]);
        let error = Group::Tofu
            .resolve_in(Some(none.path().as_os_str()))
            .unwrap_err();
        assert_eq!(error.to_string(), "tofu was not found on PATH");
        assert!(error.hint().unwrap().contains("install OpenTofu"));
        let error = Group::Terraform
            .resolve_in(Some(none.path().as_os_str()))
            .unwrap_err();
        assert!(error.hint().unwrap().contains("install Terraform"));
        let error = Group::Tf
            .resolve_in(Some(none.path().as_os_str()))
            .unwrap_err();
        assert_eq!(error.to_string(), "tofu or terraform was not found on PATH");
        assert_eq!(
            error.hint().unwrap(),
            "install OpenTofu (https://opentofu.org/docs/intro/install/) or Terraform \
             (https://developer.hashicorp.com/terraform/install)"
        );
    }
}
