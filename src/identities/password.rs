//! A user's initial console password: `output -json` of the account's
//! base-identities layer (sensitive outputs are in the JSON, so nobody flips `sensitive`), the
//! user's `..._login_profile_encrypted_password`, base64-decoded and decrypted with OpenPGP.

use super::gpg::{self, GpgError};
use crate::auth::{self, Refresh};
use crate::error::{Diagnostic, IoError};
use crate::project::Project;
use crate::terraform::binary::Group;
use crate::ui::{Prompt, Secret};
use base64::Engine;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("no base-identities layer at {}", path.display())]
    NoLayer { path: PathBuf },
    #[error("`output -json` in {} failed with exit code {code}", layer.display())]
    OutputFailed { layer: PathBuf, code: i32 },
    #[error("`output -json` did not print JSON: {detail}")]
    OutputNotJson { detail: String },
    #[error("no output {output} for {user}; users with a password output: {users}")]
    NoOutput {
        user: String,
        output: String,
        users: String,
    },
    #[error("the output {output} is not base64 text")]
    NotBase64 { output: String },
    #[error("the output {output} is not an OpenPGP message")]
    NotOpenPgp { output: String },
    #[error("{} is not an OpenPGP secret key: {detail}", path.display())]
    NotASecretKey { path: PathBuf, detail: String },
    #[error("the key in {} cannot decrypt the password ({detail})", path.display())]
    KeyDoesNotMatch { path: PathBuf, detail: String },
    #[error("wrong passphrase for the OpenPGP key in {}", path.display())]
    WrongPassphrase { path: PathBuf },
    #[error("standard output is not a terminal, and the password would land there")]
    NotToTerminal,
}

impl Diagnostic for PasswordError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            PasswordError::NoLayer { .. } => {
                "pick the account with --account (management, security, ...)"
            }
            PasswordError::OutputFailed { .. } => {
                "run `leverage tf init` in that layer first, and check its credentials"
            }
            PasswordError::NoOutput { .. } => {
                "the user needs `pgp_key` in users.tf and an output named like the others in \
                 outputs.tf"
            }
            PasswordError::WrongPassphrase { .. } => "type the passphrase of your OpenPGP key",
            PasswordError::NotASecretKey { .. } => {
                "export it with `gpg --armor --export-secret-keys YOUR_EMAIL > key.asc`"
            }
            PasswordError::KeyDoesNotMatch { .. } => {
                "use the key whose public half is in the layer's keys/ directory"
            }
            PasswordError::NotToTerminal => {
                "run it in a terminal, or pass --stdout if you mean to pipe the password"
            }
            _ => return None,
        };
        Some(hint.to_string())
    }
}

/// `user`'s initial console password: `output -json` of `<account>/global/base-identities`
/// (with the layer's credentials), then decrypted with `key_file` or the user's gpg.
pub fn initial_password(
    project: &Project,
    user: &str,
    account: &str,
    key_file: Option<&Path>,
    prompt: &Prompt,
) -> crate::Result<Secret> {
    let relative = Project::base_identities(account);
    let layer = project.root.join(&relative);
    if !layer.is_dir() {
        return Err(PasswordError::NoLayer { path: layer }.into());
    }
    let binary = Group::Tf.resolve()?;
    let credentials =
        auth::for_layers(project, std::slice::from_ref(&relative), Refresh::IfNeeded)?;
    tracing::info!("Reading the outputs of {}...", relative.display());
    let out = Command::new(&binary.path)
        .args(["output", "-json"])
        .current_dir(&layer)
        .envs(credentials.env())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(IoError::on("run", &binary.path))?;
    if !out.status.success() {
        return Err(PasswordError::OutputFailed {
            layer: relative,
            code: out.status.code().unwrap_or(1),
        }
        .into());
    }
    let message = match encrypted_password(&String::from_utf8_lossy(&out.stdout), user) {
        Ok(message) => message,
        Err(PasswordError::NoOutput {
            user,
            output,
            users,
        }) => {
            let users = spelled_as_in_users_tf(&users, &super::keys::user_names(&layer));
            return Err(PasswordError::NoOutput {
                user,
                output,
                users,
            }
            .into());
        }
        Err(other) => return Err(other.into()),
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    decrypt(&message, key_file, prompt, interactive)
}

/// `natasha_romanoff, tony_stark` from output names, back to `natasha.romanoff, tony.stark` for
/// the users users.tf names (output names replace `.` and `-` with `_`).
fn spelled_as_in_users_tf(listed: &str, known: &[String]) -> String {
    listed
        .split(", ")
        .map(|mangled| {
            known
                .iter()
                .find(|name| name.replace(['.', '-'], "_") == mangled)
                .map_or(mangled, String::as_str)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The output name upstream's users.tf module gives the encrypted password.
pub fn output_name(user: &str) -> String {
    format!(
        "user_{}_login_profile_encrypted_password",
        user.replace(['.', '-'], "_")
    )
}

/// The encrypted password of `user` from `output -json` text, as OpenPGP bytes.
pub fn encrypted_password(output_json: &str, user: &str) -> Result<Vec<u8>, PasswordError> {
    let outputs: serde_json::Value =
        serde_json::from_str(output_json).map_err(|e| PasswordError::OutputNotJson {
            detail: e.to_string(),
        })?;
    let output = output_name(user);
    let Some(value) = outputs
        .get(&output)
        .and_then(|o| o.get("value"))
        .and_then(|v| v.as_str())
    else {
        let mut users: Vec<&str> = outputs
            .as_object()
            .map(|o| {
                o.keys()
                    .filter_map(|k| {
                        k.strip_prefix("user_")?
                            .strip_suffix("_login_profile_encrypted_password")
                    })
                    .collect()
            })
            .unwrap_or_default();
        users.sort();
        let users = if users.is_empty() {
            "none".to_string()
        } else {
            users.join(", ")
        };
        return Err(PasswordError::NoOutput {
            user: user.to_string(),
            output,
            users,
        });
    };
    let compact: String = value.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| PasswordError::NotBase64 {
            output: output.clone(),
        })?;
    // Every OpenPGP packet starts with a tag byte whose high bit is set.
    if bytes.first().is_none_or(|b| b & 0x80 == 0) {
        return Err(PasswordError::NotOpenPgp { output });
    }
    Ok(bytes)
}

/// Decrypts with the armored (or binary) secret key in `key_file`, in process (rPGP), or
/// without one through the user's own gpg (keyring, agent, pinentry). Off a terminal, a
/// passphrase is read through `prompt`.
pub fn decrypt(
    message: &[u8],
    key_file: Option<&Path>,
    prompt: &Prompt,
    interactive: bool,
) -> crate::Result<Secret> {
    match key_file {
        Some(path) => decrypt_with_key_file(message, path, prompt),
        None => decrypt_with_gpg(message, prompt, interactive),
    }
}

fn decrypt_with_key_file(message: &[u8], path: &Path, prompt: &Prompt) -> crate::Result<Secret> {
    use pgp::composed::{Deserializable, Message, SignedSecretKey};
    use pgp::types::Password;
    let bytes = std::fs::read(path).map_err(IoError::on("read the key file", path))?;
    let (key, _) = SignedSecretKey::from_armor_single(std::io::Cursor::new(&bytes))
        .or_else(|_| {
            SignedSecretKey::from_bytes(std::io::Cursor::new(&bytes))
                .map(|k| (k, Default::default()))
        })
        .map_err(|e| PasswordError::NotASecretKey {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    let attempt = |password: &Password| -> Result<String, String> {
        let parsed = Message::from_bytes(message).map_err(|e| e.to_string())?;
        let mut plain = parsed.decrypt(password, &key).map_err(|e| e.to_string())?;
        // gpg compresses before it encrypts; Terraform's own messages may not be.
        if plain.is_compressed() {
            plain = plain.decompress().map_err(|e| e.to_string())?;
        }
        plain.as_data_string().map_err(|e| e.to_string())
    };
    let protected = key.primary_key.secret_params().is_encrypted()
        || key
            .secret_subkeys
            .iter()
            .any(|s| s.key.secret_params().is_encrypted());
    let password = if protected {
        let passphrase = prompt.secret(
            "Passphrase of your OpenPGP key:",
            "give the passphrase on standard input",
            |_| Ok(()),
        )?;
        let password = Password::from(passphrase.expose());
        if !key
            .primary_key
            .unlock(&password, |_, _| Ok(()))
            .is_ok_and(|unlocked| unlocked.is_ok())
        {
            return Err(PasswordError::WrongPassphrase {
                path: path.to_path_buf(),
            }
            .into());
        }
        password
    } else {
        Password::empty()
    };
    let plain = attempt(&password).map_err(|detail| PasswordError::KeyDoesNotMatch {
        path: path.to_path_buf(),
        detail,
    })?;
    Ok(Secret::new(plain))
}

fn decrypt_with_gpg(message: &[u8], prompt: &Prompt, interactive: bool) -> crate::Result<Secret> {
    let scratch = gpg::scratch_home().map_err(IoError::on("create", std::env::temp_dir()))?;
    let message_path = scratch.path().join("password.gpg");
    std::fs::write(&message_path, message).map_err(IoError::on("write", &message_path))?;
    let message_arg = message_path.to_string_lossy().into_owned();
    let plain = if interactive {
        gpg::run(None, &["--decrypt", &message_arg], b"")?
    } else {
        // Loopback: first as if the key had no passphrase, then with the one the user gives.
        let loopback = [
            "--pinentry-mode",
            "loopback",
            "--passphrase-fd",
            "0",
            "--decrypt",
            &message_arg,
        ];
        match gpg::run(None, &loopback, b"\n") {
            Err(GpgError::BadPassphrase | GpgError::NoSecretKey { .. })
                if gpg::has_secret_key_for(None, &message_path)? =>
            {
                let passphrase = prompt.secret(
                    "Passphrase of your OpenPGP key:",
                    "give the passphrase on standard input",
                    |_| Ok(()),
                )?;
                gpg::run(
                    None,
                    &loopback,
                    format!("{}\n", passphrase.expose()).as_bytes(),
                )
                .map_err(|e| match e {
                    GpgError::NoSecretKey { .. } => GpgError::BadPassphrase,
                    other => other,
                })?
            }
            other => other?,
        }
    };
    Ok(Secret::new(String::from_utf8_lossy(&plain).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_users_are_spelled_as_users_tf_spells_them() {
        let known = ["natasha.romanoff".to_string(), "tony-stark".to_string()];
        assert_eq!(
            spelled_as_in_users_tf("natasha_romanoff, tony_stark, bruce_banner", &known),
            "natasha.romanoff, tony-stark, bruce_banner"
        );
    }

    #[test]
    fn the_output_name_follows_upstream() {
        assert_eq!(
            output_name("natasha.romanoff"),
            "user_natasha_romanoff_login_profile_encrypted_password"
        );
        assert_eq!(
            output_name("mary-jane.watson"),
            "user_mary_jane_watson_login_profile_encrypted_password"
        );
    }

    #[test]
    fn a_missing_output_lists_the_users_that_have_one() {
        let json = r#"{"user_bruce_banner_login_profile_encrypted_password": {"sensitive": true, "value": "wcBMA"}, "other": {"value": 1}}"#;
        let error = encrypted_password(json, "natasha.romanoff").unwrap_err();
        assert_eq!(
            error.to_string(),
            "no output user_natasha_romanoff_login_profile_encrypted_password for natasha.romanoff; users with a password output: bruce_banner"
        );
    }

    #[test]
    fn values_must_be_base64_openpgp() {
        let json = |v: &str| {
            format!(r#"{{"user_x_login_profile_encrypted_password": {{"value": "{v}"}}}}"#)
        };
        assert!(matches!(
            encrypted_password(&json("not base64!"), "x"),
            Err(PasswordError::NotBase64 { .. })
        ));
        assert!(matches!(
            encrypted_password(&json("aGVsbG8="), "x"),
            Err(PasswordError::NotOpenPgp { .. })
        ));
        assert_eq!(encrypted_password(&json("hQ=="), "x").unwrap(), [0x85]);
    }
}
