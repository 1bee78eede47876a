//! `leverage credentials rotate`: a new access key for the type's IAM user, proven to answer
//! before it is stored, then the old key deactivated and deleted. Until the new key is stored,
//! any failure or interrupt deletes it again, so the user is left with the old key and files.

use super::CredentialsError;
use super::configure::CredentialsKind;
use crate::aws::{AwsError, AwsFile, AwsFiles, AwsKeys, Client};
use crate::project::Project;
use crate::ui::interrupt::Guard;
use std::time::Duration;
use tracing::{info, warn};

/// How long to wait for IAM to make a new key usable everywhere (it is eventually
/// consistent; a few seconds is usual): delays double from `first` up to `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub attempts: u32,
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// Nine tries over about 45 seconds.
    fn default() -> Backoff {
        Backoff {
            attempts: 9,
            first: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

/// The user whose key is rotated, and the key being replaced.
struct Rotation {
    profile: String,
    user: String,
    old: AwsKeys,
    region: String,
}

/// Rotates the keys of `<short>-<kind>`; `keep_old` deactivates the old key without deleting it.
pub async fn rotate(
    project: &Project,
    files: &AwsFiles,
    kind: CredentialsKind,
    keep_old: bool,
    backoff: Backoff,
) -> crate::Result<()> {
    let lock = files.lock()?;
    let mut credentials = files.read(AwsFile::Credentials)?;
    let (rotation, client) = prepare(project, files, kind, &credentials).await?;

    let mut guard = Guard::install().map_err(CredentialsError::Signals)?;
    info!("Creating a new access key for IAM user {}.", rotation.user);
    let new = client.create_access_key(&rotation.user).await?;
    info!("Created access key {}.", new.access_key_id);
    // Biased: an interrupt that arrived while waiting wins over storing the key.
    let stored = tokio::select! {
        biased;
        () = guard.interrupted() => Err(CredentialsError::Interrupted.into()),
        result = async {
            wait_until_usable(&new, &rotation.region, backoff).await?;
            credentials.set(&rotation.profile, "aws_access_key_id", &new.access_key_id);
            credentials.set(
                &rotation.profile,
                "aws_secret_access_key",
                new.secret_access_key.expose(),
            );
            info!("Backing up credentials file.");
            files.write(AwsFile::Credentials, &credentials, &lock)?;
            Ok(())
        } => result,
    };
    if let Err(cause) = stored {
        return Err(undo(&client, &rotation.user, &new.access_key_id, cause).await);
    }
    drop(guard);
    info!(
        "The new key is stored in {} (profile {}).",
        files.path(AwsFile::Credentials).display(),
        rotation.profile
    );
    retire_old_key(&Client::new(&new, &rotation.region), &rotation, keep_old).await
}

/// The stored key, its user, and a client with it; refused when the user has a second key
/// (IAM allows two, and the new one needs a free place).
async fn prepare(
    project: &Project,
    files: &AwsFiles,
    kind: CredentialsKind,
    credentials: &crate::aws::Ini,
) -> crate::Result<(Rotation, Client)> {
    let region = project.require_primary_region()?.to_string();
    let profile = format!("{}-{}", project.short_name, kind.name());
    let old = AwsKeys::stored_in(credentials, &profile).ok_or_else(|| {
        CredentialsError::NoStoredKeys {
            kind: kind.name(),
            profile: profile.clone(),
            path: files.path(AwsFile::Credentials).display().to_string(),
        }
    })?;
    let client = Client::new(&old, &region);
    let user = super::mfa_device::caller_user(&client, kind).await?;
    if let Some(other) = client
        .access_keys(&user)
        .await?
        .into_iter()
        .find(|k| k.access_key_id != old.access_key_id)
    {
        return Err(CredentialsError::SecondKey {
            user,
            other: other.access_key_id,
        }
        .into());
    }
    let rotation = Rotation {
        profile,
        user,
        old,
        region,
    };
    Ok((rotation, client))
}

/// Asks STS who the new key is until it answers: a key IAM has not spread yet is refused as
/// unknown (InvalidClientTokenId), so only that is retried; anything else fails at once.
async fn wait_until_usable(keys: &AwsKeys, region: &str, backoff: Backoff) -> crate::Result<()> {
    let client = Client::new(keys, region);
    let attempts = backoff.attempts.max(1);
    let (mut attempt, mut delay) = (1, backoff.first);
    loop {
        match client.caller_identity().await {
            Ok(_) => {
                info!("The new key works.");
                return Ok(());
            }
            Err(error) if error.is_rejected_keys() && attempt < attempts => {
                info!(
                    "Waiting for AWS to accept the new key (try {attempt} of {attempts}, next in {:.1} s).",
                    delay.as_secs_f32()
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(backoff.max);
                attempt += 1;
            }
            Err(error) => return Err(CredentialsError::NewKeyUnusable { error }.into()),
        }
    }
}

/// Deletes the new key after `cause`, with the old key (still valid: nothing replaced it).
async fn undo(client: &Client, user: &str, new_key: &str, cause: crate::Error) -> crate::Error {
    warn!("Deleting the new access key {new_key}: {cause}");
    let left = client
        .delete_access_key(user, new_key)
        .await
        .err()
        .map(|e| e.to_string());
    let undone = CredentialsError::RotationUndone(Box::new(super::Undone {
        cause: cause.to_string(),
        cause_hint: cause.hint(),
        interrupted: matches!(
            cause.downcast_ref::<CredentialsError>(),
            Some(CredentialsError::Interrupted)
        ),
        created: new_key.to_string(),
        user: user.to_string(),
        left,
    }));
    undone.into()
}

/// With the new key stored: deactivate the old one, then delete it unless `keep_old`.
async fn retire_old_key(client: &Client, rotation: &Rotation, keep_old: bool) -> crate::Result<()> {
    let old = &rotation.old.access_key_id;
    let left = |error: AwsError| CredentialsError::OldKeyLeft {
        user: rotation.user.clone(),
        key: old.clone(),
        error: Box::new(error),
    };
    info!("Deactivating the old access key {old}.");
    client
        .set_access_key_active(&rotation.user, old, false)
        .await
        .map_err(left)?;
    if keep_old {
        info!("Kept the old access key {old}, inactive (--keep-old).");
        return Ok(());
    }
    info!("Deleting the old access key {old}.");
    client
        .delete_access_key(&rotation.user, old)
        .await
        .map_err(left)?;
    info!("Rotated the keys of {}.", rotation.profile);
    Ok(())
}
