//! What can stop `project init` or `project create`, said so the user knows what to fix; each
//! message is one line naming the file, key or directory at fault.

use crate::error::{Diagnostic, IoError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("HOME is not set, so there is no ~/.leverage for the project template")]
    NoHome,
    #[error("git was not found on PATH")]
    GitMissing,
    #[error("could not get the project template from {origin}: {reason}")]
    TemplateUnreachable { origin: String, reason: String },
    #[error("{} exists but is not a git clone of the project template", dir.display())]
    TemplateDirNotAClone { dir: PathBuf },
    #[error("no project template in {}", dir.display())]
    NoTemplate { dir: PathBuf },
    #[error("`git {command}` failed in {}: {reason}", dir.display())]
    Git {
        command: String,
        dir: PathBuf,
        reason: String,
    },
    #[error("no project.yaml in {}", dir.display())]
    NoProjectYaml { dir: PathBuf },
    #[error("{}: {message}", path.display())]
    MalformedYaml { path: PathBuf, message: String },
    #[error("the project has already been created: {} exists", path.display())]
    AlreadyCreated { path: PathBuf },
    #[error("{} already exists; `project create` makes it and will not mix with it", path.display())]
    InTheWay { path: PathBuf },
    #[error("project.yaml: {key} is missing ({rule})")]
    MissingKey { key: String, rule: &'static str },
    #[error("project.yaml: {key} = {value} is not valid: {rule}")]
    Invalid {
        key: String,
        value: String,
        rule: &'static str,
    },
    #[error("{template}: {message}")]
    Render { template: String, message: String },
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Diagnostic for ScaffoldError {
    fn hint(&self) -> Option<String> {
        let text = match self {
            ScaffoldError::NoHome => "set HOME to your home directory",
            ScaffoldError::GitMissing => "install git (https://git-scm.com/downloads)",
            ScaffoldError::TemplateUnreachable { .. } => {
                "check the network, or clone https://github.com/binbashar/le-tf-infra-aws-template.git \
                 where you can and set LEVERAGE_TEMPLATE_REPO to that path or URL"
            }
            ScaffoldError::TemplateDirNotAClone { .. } => {
                "move that directory away and run `leverage project init` again"
            }
            ScaffoldError::NoTemplate { .. } => {
                "run `leverage project init` first; it clones the template"
            }
            ScaffoldError::Git { .. } => "fix the repository, or move it away and try again",
            ScaffoldError::NoProjectYaml { .. } => {
                "run `leverage project init` here first; it drops a project.yaml to fill in"
            }
            ScaffoldError::MalformedYaml { .. } => {
                "fix project.yaml at the position shown and run the command again"
            }
            ScaffoldError::AlreadyCreated { .. } => {
                "nothing was changed; to create the project again, move config/ and the account \
                 directories away first"
            }
            ScaffoldError::InTheWay { .. } => {
                "nothing was changed; move it away (or rename the account) and run the command again"
            }
            ScaffoldError::MissingKey { .. } | ScaffoldError::Invalid { .. } => {
                "fix project.yaml and run `leverage project create` again; nothing was changed"
            }
            ScaffoldError::Render { .. } => {
                "the template or project.yaml does not fit; nothing was changed"
            }
            ScaffoldError::Io(error) => return error.hint(),
        };
        Some(text.to_string())
    }
}

impl ScaffoldError {
    /// For `map_err`: an I/O failure on `path`, in the one shape every module uses.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| ScaffoldError::Io(IoError::new(action, path, source))
    }
}
