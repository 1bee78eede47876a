//! `leverage identities keys`: the OpenPGP public keys that base-identities layers
//! encrypt users' passwords to (`pgp_key` reading `keys/<name>`), each checked with gpg in a
//! throw-away keyring: present, parseable, not expired.

use super::gpg;
use crate::project::{HclFile, ProjectError};
use base64::Engine;
use hcl_edit::expr::Expression;
use hcl_edit::visit::{Visit, visit_expr};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    Valid {
        algorithm: String,
        fingerprint: String,
        expires: Option<String>,
    },
    Missing,
    Corrupt(String),
    Expired {
        fingerprint: String,
        expired: String,
    },
    Revoked {
        fingerprint: String,
    },
    /// Only signing (sub)keys: gpg refuses to encrypt to it ("Unusable public key").
    CannotEncrypt {
        fingerprint: String,
    },
}

/// One referenced key file and what was found.
#[derive(Debug, Clone)]
pub struct KeyReport {
    pub account: String,
    pub user: String,
    /// Relative to the project root.
    pub path: PathBuf,
    pub status: KeyStatus,
}

impl KeyReport {
    pub fn ok(&self) -> bool {
        matches!(self.status, KeyStatus::Valid { .. })
    }

    /// The verdict column: ✔ with the key's facts, or ✘ with what is wrong.
    fn verdict(&self) -> String {
        match &self.status {
            KeyStatus::Valid {
                algorithm,
                fingerprint,
                expires,
            } => format!(
                "✔ {algorithm}  {fingerprint}  expires {}",
                expires.as_deref().unwrap_or("never")
            ),
            KeyStatus::Missing => "✘ missing file".to_string(),
            KeyStatus::Corrupt(why) => format!("✘ corrupt: {why}"),
            KeyStatus::Expired {
                fingerprint,
                expired,
            } => format!("✘ expired on {expired}  {fingerprint}"),
            KeyStatus::Revoked { fingerprint } => format!("✘ revoked  {fingerprint}"),
            KeyStatus::CannotEncrypt { fingerprint } => {
                format!("✘ has no usable encryption key (sign only?)  {fingerprint}")
            }
        }
    }
}

/// One line per key: account, user, path, verdict, in aligned columns.
pub fn listing(reports: &[KeyReport]) -> String {
    let width = |f: &dyn Fn(&KeyReport) -> usize| reports.iter().map(f).max().unwrap_or(0);
    let (account_width, user_width) = (width(&|r| r.account.len()), width(&|r| r.user.len()));
    let path_width = width(&|r| r.path.display().to_string().len());
    let mut text = String::new();
    for report in reports {
        text.push_str(&format!(
            "{:<account_width$}  {:<user_width$}  {:<path_width$}  {}\n",
            report.account,
            report.user,
            report.path.display().to_string(),
            report.verdict()
        ));
    }
    text
}

/// String literals starting with `keys/` anywhere in users.tf.
struct KeyPaths(Vec<String>);

impl Visit for KeyPaths {
    fn visit_expr(&mut self, expr: &Expression) {
        if let Expression::String(s) = expr
            && s.starts_with("keys/")
            && !self.0.contains(s.value())
        {
            self.0.push(s.value().clone());
        }
        visit_expr(self, expr);
    }
}

/// The users a base-identities layer gives a key (`keys/<name>` in users.tf), spelled as there.
pub fn user_names(layer: &Path) -> Vec<String> {
    let Ok(users) = HclFile::read(&layer.join("users.tf")) else {
        return Vec::new();
    };
    let mut paths = KeyPaths(Vec::new());
    paths.visit_body(users.body());
    paths
        .0
        .iter()
        .map(|p| p.trim_start_matches("keys/").to_string())
        .collect()
}

/// Every key referenced by every account's `global/base-identities/users.tf`.
pub fn check(root: &Path) -> Result<Vec<KeyReport>, ProjectError> {
    let mut accounts: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|e| {
            e.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.join(crate::project::BASE_IDENTITIES)
                        .join("users.tf")
                        .is_file()
                })
                .collect()
        })
        .unwrap_or_default();
    accounts.sort();
    let mut reports = Vec::new();
    for account_dir in accounts {
        let layer = account_dir.join(crate::project::BASE_IDENTITIES);
        let users = HclFile::read(&layer.join("users.tf"))?;
        let mut paths = KeyPaths(Vec::new());
        paths.visit_body(users.body());
        for relative in paths.0 {
            let path = layer.join(&relative);
            reports.push(KeyReport {
                account: account_dir
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                user: relative.trim_start_matches("keys/").to_string(),
                path: path.strip_prefix(root).unwrap_or(&path).to_path_buf(),
                status: inspect(&path),
            });
        }
    }
    Ok(reports)
}

/// What gpg makes of a key file: Leverage stores `gpg --export | base64`; armored keys work too.
fn inspect(path: &Path) -> KeyStatus {
    let Ok(content) = std::fs::read(path) else {
        return KeyStatus::Missing;
    };
    let Some(key) = key_bytes(&content) else {
        return KeyStatus::Corrupt("neither base64 nor an armored public key".into());
    };
    let Ok(home) = gpg::scratch_home() else {
        return KeyStatus::Corrupt("could not make a scratch keyring".into());
    };
    let listing = match gpg::run(
        Some(home.path()),
        &["--with-colons", "--import-options", "show-only", "--import"],
        &key,
    ) {
        Ok(listing) => String::from_utf8_lossy(&listing).into_owned(),
        Err(e) => return KeyStatus::Corrupt(format!("not an OpenPGP public key ({e})")),
    };
    let fields = |prefix: &str| {
        listing
            .lines()
            .find(|l| l.starts_with(prefix))
            .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
    };
    let (Some(public), Some(fingerprint)) = (fields("pub:"), fields("fpr:")) else {
        return KeyStatus::Corrupt("no public key in it".into());
    };
    let fingerprint = fingerprint.get(9).cloned().unwrap_or_default();
    let algorithm = algorithm_name(&public);
    let expires = public
        .get(6)
        .filter(|e| !e.is_empty())
        .and_then(|e| e.parse::<i64>().ok());
    let date = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    // Field 2 is the validity ("r" revoked); field 12 the usable capabilities of the whole key,
    // upper case counting its valid subkeys ("E": something here can encrypt).
    let validity = public.get(1).map(String::as_str);
    let capabilities = public.get(11).map(String::as_str).unwrap_or("");
    match expires {
        Some(t) if t <= chrono::Utc::now().timestamp() => KeyStatus::Expired {
            fingerprint,
            expired: date(t),
        },
        _ if validity == Some("r") => KeyStatus::Revoked { fingerprint },
        _ if !capabilities.contains('E') => KeyStatus::CannotEncrypt { fingerprint },
        expires => KeyStatus::Valid {
            algorithm,
            fingerprint,
            expires: expires.map(date),
        },
    }
}

/// The key as gpg reads it: armored text as it is, or the base64 of the binary key that
/// Leverage's keys/ files hold.
fn key_bytes(content: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(content);
    if text.contains("-----BEGIN PGP PUBLIC KEY BLOCK-----") {
        return Some(content.to_vec());
    }
    let compact: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

/// `RSA 4096`, `ed25519`, ... from a `pub:` colon line.
fn algorithm_name(public: &[String]) -> String {
    let bits = public.get(2).cloned().unwrap_or_default();
    let curve = public.get(16).filter(|c| !c.is_empty()).cloned();
    match (public.get(3).map(String::as_str), curve) {
        (_, Some(curve)) => curve,
        (Some("1" | "2" | "3"), None) => format!("RSA {bits}"),
        (Some("17"), None) => format!("DSA {bits}"),
        (Some(other), None) => format!("algorithm {other} {bits}"),
        (None, None) => "unknown".into(),
    }
}
