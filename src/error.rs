//! The error every command can end with, and how each one maps to a message, a hint and an
//! exit code. Module errors stay typed; they meet here, at the CLI's edge.

use crate::credentials::CredentialsError;
use crate::identities::password::PasswordError;
use crate::mfa::MfaError;
use crate::project::ProjectError;
use crate::terraform::TerraformError;
use crate::ui::PromptError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Prompt(#[from] PromptError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Terraform(#[from] TerraformError),
    #[error(transparent)]
    Mfa(#[from] MfaError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    StsRegions(#[from] crate::identities::sts_regions::StsRegionsError),
    #[error("standard output is not a terminal, and the password would land there")]
    PasswordNotToTerminal,
    #[error("could not {0}: {1}")]
    Io(String, std::io::Error),
    #[error("the AWS CLI (aws) was not found on PATH")]
    AwsCliMissing,
    #[error("`{0}` is not implemented yet")]
    NotImplemented(String),
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Project(e) => e.hint(),
            Error::Credentials(e) => e.hint(),
            Error::Terraform(e) => e.hint(),
            Error::Mfa(e) => e.hint(),
            Error::Password(e) => e.hint(),
            Error::StsRegions(e) => e.hint(),
            Error::PasswordNotToTerminal => Some("run it in a terminal, or pass --stdout if you mean to pipe the password".into()),
            Error::AwsCliMissing => {
                Some("install it (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)".into())
            }
            Error::Prompt(_) | Error::Io(..) => None,
            Error::NotImplemented(_) => Some("this command is planned; see `leverage --help` for what works today".into()),
        }
    }

    /// 2 for what does not exist yet (as for a usage error), 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::NotImplemented(_) => 2,
            Error::Credentials(e) => e.exit_code(),
            _ => 1,
        }
    }
}
