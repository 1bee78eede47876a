//! `leverage identities ...` (SPEC §6).

use super::terraform::{child_env, mfa_credentials};
use crate::error::Error;
use crate::identities::password::{self, PasswordError};
use crate::terraform::binary::Group;
use crate::ui::Prompt;
use std::io::IsTerminal;
use std::path::Path;
use std::process::{Command, Stdio};

/// Prints `user`'s initial console password, decrypted; only to a terminal unless `to_stdout`.
pub fn password(
    user: &str,
    account: &str,
    key_file: Option<&Path>,
    to_stdout: bool,
) -> Result<i32, Error> {
    let interactive = std::io::stdout().is_terminal();
    if !interactive && !to_stdout {
        return Err(Error::PasswordNotToTerminal);
    }
    let project = super::load_project()?;
    let relative = Path::new(account).join("global/base-identities");
    let layer = project.root.join(&relative);
    if !layer.is_dir() {
        return Err(PasswordError::NoLayer { path: layer }.into());
    }
    let binary = Group::Tf.resolve()?;
    let private = if project.mfa_enabled() {
        Some(mfa_credentials(
            &project,
            std::slice::from_ref(&relative),
            false,
        )?)
    } else {
        None
    };
    let env = child_env(&project, &[], private.as_ref())?;
    tracing::info!("Reading the outputs of {}...", relative.display());
    let out = Command::new(&binary.path)
        .args(["output", "-json"])
        .current_dir(&layer)
        .envs(env)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::Io(format!("run {}", binary.path.display()), e))?;
    if !out.status.success() {
        return Err(PasswordError::OutputFailed {
            layer: relative,
            code: out.status.code().unwrap_or(1),
        }
        .into());
    }
    let message = password::encrypted_password(&String::from_utf8_lossy(&out.stdout), user)?;
    let prompt = Prompt::detect();
    let secret = password::decrypt(
        &message,
        key_file,
        &prompt,
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
    )?;
    println!("{}", secret.expose());
    tracing::info!("The AWS console will ask {user} to change this password at the first sign-in.");
    Ok(0)
}

/// Lists every user's OpenPGP key with its verdict; exit 1 when any is missing, corrupt or expired.
pub fn keys() -> Result<i32, Error> {
    use crate::identities::keys::{self, KeyStatus};
    let project = super::load_project()?;
    let reports = keys::check(&project.root)?;
    let mut problems = 0;
    let width = |f: &dyn Fn(&keys::KeyReport) -> usize| reports.iter().map(f).max().unwrap_or(0);
    let (account_width, user_width) = (width(&|r| r.account.len()), width(&|r| r.user.len()));
    let path_width = width(&|r| r.path.display().to_string().len());
    for report in &reports {
        let verdict = match &report.status {
            KeyStatus::Valid {
                algorithm,
                fingerprint,
                expires,
            } => {
                format!(
                    "✔ {algorithm}  {fingerprint}  expires {}",
                    expires.as_deref().unwrap_or("never")
                )
            }
            KeyStatus::Missing => "✘ missing file".to_string(),
            KeyStatus::Corrupt(why) => format!("✘ corrupt: {why}"),
            KeyStatus::Expired {
                fingerprint,
                expired,
            } => format!("✘ expired on {expired}  {fingerprint}"),
        };
        if !matches!(report.status, KeyStatus::Valid { .. }) {
            problems += 1;
        }
        println!(
            "{:<account_width$}  {:<user_width$}  {:<path_width$}  {verdict}",
            report.account,
            report.user,
            report.path.display().to_string()
        );
    }
    if reports.is_empty() {
        tracing::warn!("No base-identities users.tf references a key (keys/<name>).");
    }
    if problems > 0 {
        tracing::error!("{problems} of {} key(s) need attention.", reports.len());
        return Ok(1);
    }
    Ok(0)
}
