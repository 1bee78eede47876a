//! `leverage terraform | tofu | tf` (SPEC §5): which binary, in which layers, with which
//! arguments and environment, and what the layout of a layer must look like.

pub mod arguments;
pub mod backend_key;
pub mod binary;
pub mod layers;
pub mod layout;
pub mod runner;

use crate::project::ProjectError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TerraformError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("{name} was not found on PATH")]
    BinaryNotFound { name: &'static str },
    #[error("Currently in a configuration directory, no Terraform command can be run here.")]
    InConfigDirectory,
    #[error(
        "Terraform commands cannot run neither in the root of the project or in the root directory of an account."
    )]
    InRootOrAccount,
    #[error("This command can only run at layer level.")]
    NotALayer,
    #[error("Can not use --layers or --all at layer level.")]
    LayersInsideALayer,
    #[error(
        "--layers and --all select layers from an account or a layers-group directory, not from the {location}."
    )]
    LayersOutsideAnAccount { location: &'static str },
    #[error("Directory {layer} does not exist or is not a layer (no *.tf files).")]
    NoSuchLayer { layer: String },
    #[error("--layers pattern {pattern} matches no layer.")]
    NoLayerMatches { pattern: String },
    #[error("--all found no layer below {}.", dir.display())]
    NoLayersBelow { dir: PathBuf },
    #[error("invalid --env-var {value}: expected KEY=VALUE")]
    BadEnvVar { value: String },
    #[error("could not {action}: {source}")]
    Io {
        action: String,
        source: std::io::Error,
    },
    #[error("could not edit {}: {message}", path.display())]
    Edit { path: PathBuf, message: String },
}

impl TerraformError {
    pub fn hint(&self) -> Option<String> {
        match self {
            TerraformError::Project(e) => e.hint(),
            TerraformError::BinaryNotFound { name: "tofu" } => {
                Some("install OpenTofu (https://opentofu.org/docs/intro/install/), or use `leverage terraform`".into())
            }
            TerraformError::BinaryNotFound { .. } => {
                Some("install Terraform (https://developer.hashicorp.com/terraform/install), or use `leverage tofu`".into())
            }
            TerraformError::InConfigDirectory | TerraformError::InRootOrAccount | TerraformError::NotALayer => {
                Some("cd into a layer (a directory with *.tf files), or use --layers from its account directory".into())
            }
            TerraformError::LayersInsideALayer => Some("run without --layers here, or cd to the account directory".into()),
            TerraformError::LayersOutsideAnAccount { .. } => Some("cd into an account directory, e.g. `cd management`".into()),
            TerraformError::NoSuchLayer { .. } | TerraformError::NoLayerMatches { .. } => {
                Some("layers are given relative to the current directory, e.g. --layers us-east-1/base-tf-backend,global/*".into())
            }
            TerraformError::BadEnvVar { .. } => Some("write it as -e NAME=value".into()),
            _ => None,
        }
    }
}
