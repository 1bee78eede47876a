//! `leverage credentials mfa-device`: the console's "assign virtual MFA device" from the terminal.
//! The device exists on AWS only from CreateVirtualMFADevice to EnableMFADevice unassigned;
//! any failure or interrupt in between deletes it, so a second try starts clean.

use super::CredentialsError;
use super::configure::{ConfigureOptions, CredentialsKind, configure};
use crate::aws::{AwsFile, AwsFiles, AwsKeys, CallerIdentity, Client, VirtualMfaDevice};
use crate::project::Project;
use crate::ui::interrupt::Guard;
use crate::ui::{Prompt, PromptError, Secret, qr};
use std::path::PathBuf;
use std::sync::Arc;
use tracing::{info, warn};

/// What `mfa-device` was asked for.
#[derive(Debug, Clone)]
pub struct MfaDeviceOptions {
    pub kind: CredentialsKind,
    /// Write the QR code to this PNG instead of drawing it in the terminal.
    pub qr_png: Option<PathBuf>,
    /// Print the TOTP secret, for apps that cannot scan.
    pub show_secret: bool,
}

const NO_FLAG: &str = "the codes can only be typed; run the command in a terminal";
/// Label and issuer AWS itself puts in its QR codes; authenticator apps show them.
const ISSUER: &str = "Amazon%20Web%20Services";

/// Creates, shows and enables a virtual MFA device for the type's IAM user, then writes its
/// serial into the type's role profiles as `credentials configure --fetch-mfa-device` does.
pub async fn mfa_device(
    project: &Project,
    files: &AwsFiles,
    options: &MfaDeviceOptions,
    prompt: Prompt,
) -> crate::Result<()> {
    let kind = options.kind;
    let region = project.require_primary_region()?.to_string();
    let profile = format!("{}-{}", project.short_name, kind.name());
    if let Some(path) = options.qr_png.as_ref().filter(|p| p.exists()) {
        return Err(CredentialsError::QrFileExists { path: path.clone() }.into());
    }
    let keys =
        AwsKeys::stored_in(&files.read(AwsFile::Credentials)?, &profile).ok_or_else(|| {
            CredentialsError::NoStoredKeys {
                kind: kind.name(),
                profile: profile.clone(),
                path: files.path(AwsFile::Credentials).display().to_string(),
            }
        })?;
    let client = Client::new(&keys, &region);
    let who = identity(&client, kind).await?;
    let user = user_of(&who, kind)?;
    if let Some(serial) = client.mfa_device_serials(&user).await?.into_iter().next() {
        return already_has(files, &profile, kind, &user, &serial);
    }

    let mut guard = Guard::install().map_err(CredentialsError::Signals)?;
    info!("Creating a virtual MFA device for IAM user {user}.");
    let device = client
        .create_virtual_mfa_device(&user)
        .await
        .map_err(|error| match error.code.as_deref() {
            Some("EntityAlreadyExists") => CredentialsError::MfaDeviceNameTaken {
                serial: format!("{}:mfa/{user}", iam_prefix(&who)),
            },
            _ => error.into(),
        })?;
    let prompt = Arc::new(prompt);
    let enabled = if guard.pending() {
        Err(CredentialsError::Interrupted.into())
    } else {
        tokio::select! {
            biased;
            () = guard.interrupted() => Err(CredentialsError::Interrupted.into()),
            result = enroll(&client, &device, &who, &user, options, Arc::clone(&prompt)) => result,
        }
    };
    if let Err(cause) = enabled {
        return Err(undo(&client, &device.serial, options, cause).await);
    }
    drop(guard);
    info!("MFA device {} enabled for IAM user {user}.", device.serial);
    write_serial(project, files, kind, &prompt).await
}

/// `credentials configure --fetch-mfa-device --skip-access-keys-setup`, run as it is: the
/// device's serial goes into the role profiles by the same code.
async fn write_serial(
    project: &Project,
    files: &AwsFiles,
    kind: CredentialsKind,
    prompt: &Prompt,
) -> crate::Result<()> {
    let fetch = ConfigureOptions {
        kind,
        credentials_file: None,
        fetch_mfa_device: true,
        overwrite_existing_credentials: false,
        skip_access_keys_setup: true,
        skip_assumable_roles_setup: false,
    };
    configure(project, files, &fetch, prompt).await
}

/// GetCallerIdentity with the stored keys, telling rejected keys from an unreachable AWS.
async fn identity(client: &Client, kind: CredentialsKind) -> crate::Result<CallerIdentity> {
    let who = client.caller_identity().await.map_err(|error| {
        if error.is_rejected_keys() {
            CredentialsError::RejectedKeys {
                kind: kind.name(),
                error,
            }
        } else {
            CredentialsError::Unverified {
                kind: kind.name(),
                error,
            }
        }
    })?;
    Ok(who)
}

fn user_of(who: &CallerIdentity, kind: CredentialsKind) -> crate::Result<String> {
    let user = who
        .user_name()
        .map(str::to_string)
        .ok_or_else(|| CredentialsError::NotAUser {
            kind: kind.name(),
            arn: who.arn.clone(),
        })?;
    Ok(user)
}

/// The IAM user the keys belong to.
pub(crate) async fn caller_user(client: &Client, kind: CredentialsKind) -> crate::Result<String> {
    user_of(&identity(client, kind).await?, kind)
}

/// `arn:<partition>:iam::<account>` of the caller.
fn iam_prefix(who: &CallerIdentity) -> String {
    let partition = who.arn.split(':').nth(1).unwrap_or("aws");
    format!("arn:{partition}:iam::{}", who.account)
}

/// A user with a device already: fine when the type's role profiles use it, else an error.
fn already_has(
    files: &AwsFiles,
    profile: &str,
    kind: CredentialsKind,
    user: &str,
    serial: &str,
) -> crate::Result<()> {
    let config = files.read(AwsFile::Config)?;
    let in_profiles = config.sections().any(|section| {
        config.get(section, "source_profile") == Some(profile)
            && config.get(section, "mfa_serial") == Some(serial)
    });
    if !in_profiles {
        return Err(CredentialsError::MfaDeviceExists {
            kind: kind.name(),
            user: user.to_string(),
            serial: serial.to_string(),
        }
        .into());
    }
    info!(
        "IAM user {user} already has the MFA device {serial}, and the {profile} role profiles use it. Nothing to do."
    );
    Ok(())
}

/// Shows the device to the user, reads two consecutive codes, checks them, enables the device.
async fn enroll(
    client: &Client,
    device: &VirtualMfaDevice,
    who: &CallerIdentity,
    user: &str,
    options: &MfaDeviceOptions,
    prompt: Arc<Prompt>,
) -> crate::Result<()> {
    let uri = Secret::new(format!(
        "otpauth://totp/{ISSUER}:{}@{}?secret={}&issuer={ISSUER}",
        percent_encoded(user),
        who.account,
        device.secret.expose()
    ));
    match &options.qr_png {
        Some(path) => {
            qr::write_png(uri.expose(), path)?;
            info!(
                "Wrote the QR code to {}: scan it with your authenticator app, then delete the file.",
                path.display()
            );
        }
        None => {
            eprintln!("{}", qr::terminal(uri.expose())?);
            info!("Scan this QR code with your authenticator app.");
        }
    }
    if options.show_secret {
        info!("The secret key, for an app that cannot scan (--show-secret):");
        println!("{}", device.secret.expose());
    }
    let codes = ask_codes(prompt).await?;
    let now = chrono::Utc::now().timestamp();
    if !super::totp::consecutive(&device.secret, (&codes.0, &codes.1), now) {
        return Err(CredentialsError::WrongMfaCodes.into());
    }
    info!("Enabling the MFA device {}.", device.serial);
    client
        .enable_mfa_device(user, &device.serial, (&codes.0, &codes.1))
        .await
        .map_err(|error| -> crate::Error {
            match error.code.as_deref() {
                Some("InvalidAuthenticationCode") => CredentialsError::WrongMfaCodes.into(),
                _ => CredentialsError::from(error).into(),
            }
        })
}

/// Two codes, asked on a thread of their own so that an interrupt can be acted on meanwhile.
async fn ask_codes(prompt: Arc<Prompt>) -> crate::Result<(String, String)> {
    let (sender, answer) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let ask = |question: &str| prompt.text(question, NO_FLAG, check_code);
        let codes = ask("MFA code 1 (the 6 digits your app shows now):").and_then(|first| {
            Ok((
                first,
                ask("MFA code 2 (the next code, once the app shows a new one):")?,
            ))
        });
        let _ = sender.send(codes);
    });
    match answer.await {
        Ok(Ok(codes)) => Ok(codes),
        Ok(Err(PromptError::Interrupted { .. })) => Err(CredentialsError::Interrupted.into()),
        Ok(Err(error)) => Err(error.into()),
        Err(_) => Err(CredentialsError::Interrupted.into()),
    }
}

fn check_code(code: &str) -> Result<(), String> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("an MFA code is the 6 digits the authenticator app shows".into())
    }
}

/// Deletes the unassigned device (and the QR image of its secret) after `cause`.
async fn undo(
    client: &Client,
    serial: &str,
    options: &MfaDeviceOptions,
    cause: crate::Error,
) -> crate::Error {
    warn!("Deleting the unassigned MFA device {serial}: {cause}");
    let left = client
        .delete_virtual_mfa_device(serial)
        .await
        .err()
        .map(|e| e.to_string());
    if let Some(path) = &options.qr_png {
        let _ = std::fs::remove_file(path);
    }
    let undone = CredentialsError::MfaDeviceUndone(Box::new(super::Undone {
        cause: cause.to_string(),
        cause_hint: cause.hint(),
        interrupted: matches!(
            cause.downcast_ref::<CredentialsError>(),
            Some(CredentialsError::Interrupted)
        ),
        created: serial.to_string(),
        user: String::new(),
        left,
    }));
    undone.into()
}

/// RFC 3986 unreserved characters stay, everything else is %XX (IAM user names may hold
/// `+=,@`).
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_labels_are_percent_encoded() {
        assert!(check_code("012345").is_ok());
        for bad in ["12345", "1234567", "12a456", ""] {
            assert!(check_code(bad).is_err(), "{bad}");
        }
        assert_eq!(percent_encoded("natasha.romanoff"), "natasha.romanoff");
        assert_eq!(percent_encoded("a+b@c=d,e"), "a%2Bb%40c%3Dd%2Ce");
    }
}
