//! `leverage credentials configure` (SPEC §3): keys into `credentials`, role profiles into
//! `config`, account ids into the project's files, with nothing lost on any failure.

pub mod check;
mod configure;
mod keys;

pub use configure::{ConfigureOptions, CredentialsKind, configure, run as run_configure};
pub use keys::{KeysError, check_key_id, check_secret, read_keys_file};

use crate::aws::AwsError;
use crate::error::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
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
}

impl Diagnostic for CredentialsError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            CredentialsError::RejectedKeys { .. } => {
                "check that the key pair is active and copied whole; nothing was changed"
            }
            CredentialsError::Unverified { .. } => {
                "check the network (or AWS_ENDPOINT_URL); nothing was changed"
            }
            CredentialsError::NoStoredKeys { .. } => {
                "run without --skip-access-keys-setup to store keys first"
            }
            CredentialsError::NoMfaDevice { .. } => {
                "enable a virtual MFA device for the user in the AWS console (IAM > Users > \
                 Security credentials), then run again"
            }
            CredentialsError::NotAUser { .. } => "configure the access keys of an IAM user",
        };
        Some(hint.to_string())
    }
}
