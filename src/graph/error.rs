//! What can stop a whole-project run before anything starts, said so the user can fix it.

use crate::error::{Diagnostic, IoError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error(
        "no enabled layer (a directory whose .tf files declare backend \"s3\") below {}",
        dir.display()
    )]
    NoLayersBelow { dir: PathBuf },
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("git {command} failed in {}: {message}", dir.display())]
    Git {
        command: String,
        dir: PathBuf,
        message: String,
    },
    #[error("{verb} would run across a dependency cycle: {members}")]
    Cycle { verb: &'static str, members: String },
    #[error(
        "-j {jobs} runs {verb} in several layers at once, but each would stop to ask for approval"
    )]
    ParallelPrompts { jobs: usize, verb: &'static str },
    #[error("--changed-since, --committed-only, --dependents and --include-disabled need --all")]
    NeedsAll,
    #[error("--layers and --all cannot be combined")]
    LayersAndAll,
}

impl Diagnostic for GraphError {
    fn hint(&self) -> Option<String> {
        match self {
            GraphError::NoLayersBelow { .. } => Some(
                "cd to the project root or an account, or pass --include-disabled to include \
                 layers whose path ends in --"
                    .into(),
            ),
            GraphError::Git { .. } => Some(
                "check that the project is a git repository and that the ref exists \
                     (git fetch)"
                    .into(),
            ),
            GraphError::Cycle { .. } => Some(
                "pass --allow-cycles to run its members one at a time in path order, or break \
                 the cycle (see `leverage project graph`)"
                    .into(),
            ),
            GraphError::ParallelPrompts { .. } => {
                Some("add -auto-approve, or run with -j 1".into())
            }
            GraphError::NeedsAll => Some("add --all".into()),
            GraphError::LayersAndAll => {
                Some("use --all alone (it takes every layer below the current directory)".into())
            }
            GraphError::Io(error) => error.hint(),
        }
    }
}
