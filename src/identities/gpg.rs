//! The system `gpg`, used so that keys in the user's keyring and agent, and their passphrase
//! prompts, work as they always have. Key files are inspected in a throw-away GNUPGHOME so the
//! user's keyring is never touched.

use crate::error::{Diagnostic, IoError};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum GpgError {
    #[error("gpg was not found on PATH")]
    Missing,
    #[error("no secret key here can decrypt the password (gpg: {detail})")]
    NoSecretKey { detail: String },
    #[error("wrong passphrase for the OpenPGP key")]
    BadPassphrase,
    #[error("gpg failed: {detail}")]
    Failed { detail: String },
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Diagnostic for GpgError {
    fn hint(&self) -> Option<String> {
        match self {
            GpgError::Missing => Some("install GnuPG (apt-get install gnupg)".into()),
            GpgError::NoSecretKey { .. } => Some(
                "import your private key (`gpg --import`), or give it with --key-file PATH".into(),
            ),
            GpgError::BadPassphrase => Some("type the passphrase of your OpenPGP key".into()),
            GpgError::Failed { .. } | GpgError::Io(_) => None,
        }
    }
}

/// Runs gpg with `args`, feeding `input`; returns stdout, or an error classified from stderr.
pub fn run(home: Option<&Path>, args: &[&str], input: &[u8]) -> Result<Vec<u8>, GpgError> {
    let (stdout, failure) = run_raw(home, args, input)?;
    match failure {
        None => Ok(stdout),
        Some(error) => Err(error),
    }
}

/// Whether a secret key in the keyring (of `home`, else the user's) is one the message at
/// `message` is encrypted to. gpg itself says "No secret key" for a wrong passphrase too.
pub fn has_secret_key_for(home: Option<&Path>, message: &Path) -> Result<bool, GpgError> {
    let (packets, _) = run_raw(home, &["--list-packets", &message.to_string_lossy()], b"")?;
    let recipients: Vec<String> = String::from_utf8_lossy(&packets)
        .lines()
        .filter(|l| l.contains("pubkey enc packet"))
        .filter_map(|l| l.split("keyid ").nth(1))
        .map(|id| id.trim().to_uppercase())
        .collect();
    let (listing, _) = run_raw(home, &["--list-secret-keys", "--with-colons"], b"")?;
    Ok(String::from_utf8_lossy(&listing)
        .lines()
        .filter(|l| l.starts_with("sec:") || l.starts_with("ssb:"))
        .filter_map(|l| l.split(':').nth(4))
        .any(|keyid| recipients.iter().any(|r| r == &keyid.to_uppercase())))
}

fn run_raw(
    home: Option<&Path>,
    args: &[&str],
    input: &[u8],
) -> Result<(Vec<u8>, Option<GpgError>), GpgError> {
    let mut command = Command::new("gpg");
    command
        .args(["--batch", "--no-tty", "--quiet"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(home) = home {
        command.env("GNUPGHOME", home);
    }
    let mut child = command.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            GpgError::Missing
        } else {
            GpgError::Io(IoError::new("run", "gpg", e))
        }
    })?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child
        .wait_with_output()
        .map_err(IoError::on("run", "gpg"))?;
    let _ = writer.join();
    if out.status.success() {
        return Ok((out.stdout, None));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    // gpg starts its lines with "gpg: "; the messages here add it once.
    let detail = stderr
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim();
    let detail = detail.strip_prefix("gpg: ").unwrap_or(detail).to_string();
    let error = if stderr.contains("No secret key") || stderr.contains("no secret key") {
        GpgError::NoSecretKey { detail }
    } else if stderr.contains("Bad passphrase") || stderr.contains("bad passphrase") {
        GpgError::BadPassphrase
    } else {
        GpgError::Failed { detail }
    };
    Ok((out.stdout, Some(error)))
}

/// A private, empty GNUPGHOME removed on drop.
pub fn scratch_home() -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("leverage-gnupg-")
        .tempdir()?;
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )?;
    Ok(dir)
}
