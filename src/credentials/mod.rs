//! `leverage credentials configure`: keys into `credentials`, role profiles into
//! `config`, account ids into the project's files, with nothing lost on any failure; and the
//! identity life cycle after it: a virtual MFA device, key rotation.

pub mod check;
mod configure;
mod keys;
mod mfa_device;
mod rotate;
mod totp;

pub use configure::{ConfigureOptions, CredentialsKind, configure, run as run_configure};
pub use keys::{KeysError, check_key_id, check_secret, read_keys_file};
pub use mfa_device::{MfaDeviceOptions, mfa_device};
pub use rotate::{Backoff, rotate};

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
    #[error(
        "the keys of profile {profile} in {path} changed while leverage was asking; nothing was written"
    )]
    ChangedMeanwhile { profile: String, path: String },
    #[error("no profile is configured in {dir}")]
    NothingConfigured { dir: String },
    #[error("no virtual MFA device found for IAM user {user}")]
    NoMfaDevice { user: String },
    #[error(
        "the {kind} keys do not belong to an IAM user ({arn}), so they have no MFA device to fetch"
    )]
    NotAUser { kind: &'static str, arn: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Qr(#[from] crate::ui::qr::QrError),
    #[error("could not watch for Ctrl-C: {0}")]
    Signals(std::io::Error),
    #[error("interrupted")]
    Interrupted,
    #[error("IAM user {user} already has two access keys; the other one is {other}")]
    SecondKey { user: String, other: String },
    #[error("the new access key does not work ({error})")]
    NewKeyUnusable { error: AwsError },
    #[error("key rotation stopped: {0}")]
    RotationUndone(Box<Undone>),
    #[error(
        "the new key is stored, but the old access key {key} of {user} is still there: {error}"
    )]
    OldKeyLeft {
        user: String,
        key: String,
        error: Box<AwsError>,
    },
    #[error("--qr-png {}: the file exists", path.display())]
    QrFileExists { path: std::path::PathBuf },
    #[error(
        "IAM user {user} already has the MFA device {serial}, and the {kind} role profiles do not use it"
    )]
    MfaDeviceExists {
        kind: &'static str,
        user: String,
        serial: String,
    },
    #[error("a virtual MFA device {serial} already exists, not assigned to the user")]
    MfaDeviceNameTaken { serial: String },
    #[error("the two MFA codes are not two consecutive codes of the new device")]
    WrongMfaCodes,
    #[error("MFA device setup stopped: {0}")]
    MfaDeviceUndone(Box<Undone>),
}

/// A step that failed after something was created on AWS (a key, an MFA device), and how
/// deleting that thing again went.
#[derive(Debug)]
pub struct Undone {
    pub cause: String,
    pub cause_hint: Option<String>,
    pub interrupted: bool,
    /// What was created: an access key id or an MFA device serial.
    pub created: String,
    /// The IAM user an access key belongs to.
    pub user: String,
    /// Why the deletion failed, when it did.
    pub left: Option<String>,
}

impl std::fmt::Display for Undone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (cause, created) = (&self.cause, &self.created);
        match &self.left {
            None => write!(
                f,
                "{cause}; {created} was deleted again and no file was changed"
            ),
            Some(why) => write!(
                f,
                "{cause}; {created} could not be deleted ({why}) and no file was changed"
            ),
        }
    }
}

impl Diagnostic for CredentialsError {
    fn hint(&self) -> Option<String> {
        match self.fixed_hint() {
            Some(hint) => Some(hint.to_string()),
            None => self.life_cycle_hint(),
        }
    }

    /// 130 after Ctrl-C (as a shell reports it), 1 for everything else.
    fn exit_code(&self) -> i32 {
        match self {
            CredentialsError::Interrupted => 130,
            CredentialsError::RotationUndone(undone)
            | CredentialsError::MfaDeviceUndone(undone)
                if undone.interrupted =>
            {
                130
            }
            _ => 1,
        }
    }
}

impl CredentialsError {
    /// The hints that need no detail of the error.
    fn fixed_hint(&self) -> Option<&'static str> {
        Some(match self {
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
            CredentialsError::NothingConfigured { .. } => {
                "store keys with `leverage credentials configure --type BOOTSTRAP` (or \
                 MANAGEMENT / SECURITY), or `leverage aws configure sso` on an SSO project"
            }
            _ => return None,
        })
    }

    /// The hints of the MFA device and key rotation steps, which name what was left behind.
    fn life_cycle_hint(&self) -> Option<String> {
        match self {
            CredentialsError::Aws(_) | CredentialsError::Qr(_) | CredentialsError::Signals(_) => None,
            CredentialsError::RejectedKeys { .. }
            | CredentialsError::Unverified { .. }
            | CredentialsError::NoStoredKeys { .. }
            | CredentialsError::ChangedMeanwhile { .. }
            | CredentialsError::NoMfaDevice { .. }
            | CredentialsError::NotAUser { .. }
            | CredentialsError::NothingConfigured { .. } => None,
            CredentialsError::Interrupted => None,
            CredentialsError::SecondKey { user, other } => Some(format!(
                "IAM allows two keys per user: delete {other} first (`aws iam delete-access-key --user-name {user} --access-key-id {other}`, or in the IAM console) if it is unused"
            )),
            CredentialsError::NewKeyUnusable { .. } => None,
            CredentialsError::RotationUndone(undone) if undone.left.is_some() => Some(format!(
                "delete the unused key by hand: `aws iam delete-access-key --user-name {} --access-key-id {}`",
                undone.user, undone.created
            )),
            CredentialsError::MfaDeviceUndone(undone) if undone.left.is_some() => Some(format!(
                "delete it with `aws iam delete-virtual-mfa-device --serial-number {}` and run again",
                undone.created
            )),
            CredentialsError::RotationUndone(undone) | CredentialsError::MfaDeviceUndone(undone) => {
                undone.cause_hint.clone()
            }
            CredentialsError::OldKeyLeft { user, key, .. } => Some(format!(
                "the stored key works; remove the old one by hand: `aws iam delete-access-key --user-name {user} --access-key-id {key}`"
            )),
            CredentialsError::QrFileExists { .. } => Some("give --qr-png a path that does not exist yet".into()),
            CredentialsError::MfaDeviceExists { kind, .. } => Some(format!(
                "to use it, run `leverage credentials configure --type {} --skip-access-keys-setup --fetch-mfa-device`; to replace it, remove it in the IAM console first",
                kind.to_uppercase()
            )),
            CredentialsError::MfaDeviceNameTaken { serial } => Some(format!(
                "an earlier attempt left it; delete it with `aws iam delete-virtual-mfa-device --serial-number {serial}` and run again"
            )),
            CredentialsError::WrongMfaCodes => Some(
                "type the code the app shows, wait for the next one, type that; check the computer's clock".into(),
            ),
        }
    }
}
