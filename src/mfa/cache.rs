//! `~/.aws/<short>/cache/`: the MFA session per source profile and the role
//! credentials per profile, in the AWS CLI's JSON shape, 0600 in a 0700 directory. An entry that
//! is corrupt or close to expiry is never trusted; a lock keeps concurrent runs from asking twice.

use crate::aws::{AwsKeys, TemporaryCredentials};
use crate::ui::Secret;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    #[serde(rename = "Credentials")]
    credentials: EntryCredentials,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntryCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: chrono::DateTime<chrono::Utc>,
}

/// Held while credentials are being made; a second process waits here for the first's result.
pub struct CacheLock {
    _file: File,
}

impl Cache {
    pub fn new(aws_dir: &Path) -> Cache {
        Cache {
            dir: aws_dir.join("cache"),
        }
    }

    pub fn lock(&self) -> std::io::Result<CacheLock> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(self.dir.join(".lock"))?;
        file.lock()?;
        Ok(CacheLock { _file: file })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The entry `name` if it is readable and valid until after `valid_until`.
    pub fn load(
        &self,
        name: &str,
        valid_until: chrono::DateTime<chrono::Utc>,
    ) -> Option<TemporaryCredentials> {
        let text = match fs::read_to_string(self.path(name)) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(
                    "Ignoring the unreadable cache entry {} ({e}); it will be replaced.",
                    self.path(name).display()
                );
                return None;
            }
        };
        let entry: Entry = match serde_json::from_str(&text) {
            Ok(entry) => entry,
            Err(e) => {
                tracing::warn!(
                    "Ignoring the corrupt cache entry {} ({e}); it will be replaced.",
                    self.path(name).display()
                );
                return None;
            }
        };
        let c = entry.credentials;
        if c.expiration <= valid_until {
            tracing::debug!(
                "Cache entry {name} expires at {}: too soon to reuse",
                c.expiration
            );
            return None;
        }
        Some(TemporaryCredentials {
            keys: AwsKeys {
                access_key_id: c.access_key_id,
                secret_access_key: Secret::new(c.secret_access_key),
                session_token: Some(Secret::new(c.session_token)),
            },
            expiration: c.expiration,
        })
    }

    pub fn store(&self, name: &str, credentials: &TemporaryCredentials) -> std::io::Result<()> {
        let entry = Entry {
            credentials: EntryCredentials {
                access_key_id: credentials.keys.access_key_id.clone(),
                secret_access_key: credentials.keys.secret_access_key.expose().to_string(),
                session_token: credentials
                    .keys
                    .session_token
                    .as_ref()
                    .map(|t| t.expose().to_string())
                    .unwrap_or_default(),
                expiration: credentials.expiration,
            },
        };
        let text = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        let path = self.path(name);
        // Whatever stands where the entry goes (a directory, say) is not ours to keep: the cache
        // heals itself instead of failing every command.
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            fs::remove_dir_all(&path)?;
        }
        crate::atomic_file::write(&path, &text, crate::atomic_file::Mode::Private)
            .map_err(std::io::Error::other)
    }

    /// Removes every entry; returns how many there were.
    pub fn clear(&self) -> std::io::Result<usize> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            if entry.file_name() == ".lock" {
                continue;
            }
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => fs::remove_dir_all(entry.path())?,
                _ => fs::remove_file(entry.path())?,
            }
            removed += 1;
        }
        Ok(removed)
    }
}
