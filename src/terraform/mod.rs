//! `leverage terraform | tofu | tf`: which binary, in which layers, with which
//! arguments and environment, and what the layout of a layer must look like.

pub mod arguments;
pub mod backend_key;
pub mod binary;
pub mod command;
pub mod invocation;
pub mod layers;
pub mod layout;
pub mod plugin_cache;
pub mod runner;

use crate::error::Diagnostic;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TerraformError {
    #[error("Currently in a configuration directory, no Terraform command can be run here.")]
    InConfigDirectory,
    #[error(
        "Terraform commands cannot run neither in the root of the project or in the root \
         directory of an account."
    )]
    InRootOrAccount,
    #[error("This command can only run at layer level.")]
    NotALayer,
    #[error("Can not use --layers or --all at layer level.")]
    LayersInsideALayer,
    #[error(
        "--layers and --all select layers from an account or a layers-group directory, not from \
         the {location}."
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
    #[error("invalid --jobs {value}: expected a number of layers from 1 up")]
    BadJobs { value: String },
    #[error("invalid --dependents {value}: expected none, direct or transitive")]
    BadDependents { value: String },
}

impl Diagnostic for TerraformError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            TerraformError::InConfigDirectory
            | TerraformError::InRootOrAccount
            | TerraformError::NotALayer => {
                "cd into a layer (a directory with *.tf files), or use --layers from its account \
                 directory"
            }
            TerraformError::LayersInsideALayer => {
                "run without --layers here, or cd to the account directory"
            }
            TerraformError::LayersOutsideAnAccount { .. } => {
                "cd into an account directory, e.g. `cd management`"
            }
            TerraformError::NoSuchLayer { .. } | TerraformError::NoLayerMatches { .. } => {
                "layers are given relative to the current directory, e.g. \
                 --layers us-east-1/base-tf-backend,global/*"
            }
            TerraformError::BadEnvVar { .. } => "write it as -e NAME=value",
            TerraformError::BadJobs { .. } => "write it as --jobs 4",
            TerraformError::BadDependents { .. } => "write it as --dependents direct",
            TerraformError::NoLayersBelow { .. } => return None,
        };
        Some(hint.to_string())
    }
}
