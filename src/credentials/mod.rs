//! `leverage credentials configure` (SPEC §3): keys into `credentials`, role profiles into
//! `config`, account ids into the project's files, with nothing lost on any failure.

mod configure;
mod keys;

pub use configure::{ConfigureOptions, CredentialsKind, configure};
pub use keys::{KeysError, check_key_id, check_secret, read_keys_file};

use crate::aws::{AwsError, AwsFilesError};
use crate::project::ProjectError;
use crate::ui::PromptError;

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Files(#[from] AwsFilesError),
    #[error(transparent)]
    Prompt(#[from] PromptError),
    #[error(transparent)]
    Keys(#[from] KeysError),
    #[error("AWS rejected the {kind} keys ({error})")]
    RejectedKeys { kind: &'static str, error: AwsError },
    #[error("could not check the {kind} keys with AWS: {error}")]
    Unverified { kind: &'static str, error: AwsError },
    #[error("no {kind} keys are stored in profile {profile} of {path}")]
    NoStoredKeys {
        kind: &'static str,
        profile: String,
        path: String,
    },
    #[error("no virtual MFA device found for IAM user {user}")]
    NoMfaDevice { user: String },
    #[error(
        "the {kind} keys do not belong to an IAM user ({arn}), so they have no MFA device to fetch"
    )]
    NotAUser { kind: &'static str, arn: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
}

impl CredentialsError {
    pub fn hint(&self) -> Option<String> {
        match self {
            CredentialsError::Project(e) => e.hint(),
            CredentialsError::Files(e) => e.hint(),
            CredentialsError::Keys(e) => e.hint(),
            CredentialsError::Prompt(_) => None,
            CredentialsError::RejectedKeys { .. } => Some("check that the key pair is active and copied whole; nothing was changed".into()),
            CredentialsError::Unverified { .. } => Some("check the network (or AWS_ENDPOINT_URL); nothing was changed".into()),
            CredentialsError::NoStoredKeys { .. } => Some("run without --skip-access-keys-setup to store keys first".into()),
            CredentialsError::NoMfaDevice { .. } => Some(
                "enable a virtual MFA device for the user in the AWS console (IAM > Users > Security credentials), then run again".into(),
            ),
            CredentialsError::NotAUser { .. } => Some("configure the access keys of an IAM user".into()),
            CredentialsError::Aws(_) => None,
        }
    }
}
