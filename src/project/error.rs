//! What can be wrong with a project's files, said so the user can fix it.

use crate::error::{Diagnostic, IoError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(
        "not inside a Leverage project: neither {cwd} nor any parent holds \
         config/common.tfvars or project.yaml"
    )]
    NotFound { cwd: PathBuf },
    #[error("{}: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(
        "the project short name \"{value}\" ({key} in {file}) must be 2 to 4 lowercase letters"
    )]
    BadShortName {
        value: String,
        file: String,
        key: String,
    },
    #[error("the project has no short name")]
    NoShortName,
    #[error("the project has no primary region")]
    NoPrimaryRegion,
}

impl Diagnostic for ProjectError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            ProjectError::NotFound { .. } => "run leverage from inside the project, or start one \
                                               with `leverage project init`"
                .into(),
            ProjectError::Malformed { .. } => {
                "fix the file at the position shown and run the command again".into()
            }
            ProjectError::BadShortName { file, key, .. } => {
                format!("set {key} in {file} to something like \"bb\"")
            }
            ProjectError::NoShortName => "set short_name in project.yaml, PROJECT in build.env \
                                          or project in config/common.tfvars"
                .into(),
            ProjectError::NoPrimaryRegion => "set primary_region in project.yaml or \
                                              region_primary in config/common.tfvars"
                .into(),
            ProjectError::Io(error) => return error.hint(),
        })
    }
}
