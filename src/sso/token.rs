//! The SSO token and its two caches: upstream's `~/.aws/<short>/sso/cache/token` and the AWS
//! CLI's `~/.aws/sso/cache/<sha1 of the start URL>.json`, so the plain AWS CLI and SDKs can use
//! the `-sso-` profiles too. Same JSON in both; files 0600, directories 0700, atomic writes,
//! under `~/.aws/<short>/sso/.token.lock` so two runs never renew (or write) it at once.

use super::{Result, SsoError};
use crate::error::IoError;
use crate::lock::Lock;
use crate::ui::Secret;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// The time format both caches use; botocore needs the `Z`.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// An OIDC client registration: what a refresh needs besides the refresh token.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: DateTime<Utc>,
}

/// An access token for the SSO portal, and what renews it.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub start_url: String,
    pub region: String,
    pub access_token: Secret,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: Option<Secret>,
    pub registration: Option<Registration>,
}

/// The JSON keys of both caches (the AWS CLI's names).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenFile {
    #[serde(default)]
    start_url: String,
    #[serde(default)]
    region: String,
    access_token: String,
    expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

impl Token {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }

    /// Whether the refresh token and a live client registration are there.
    pub fn can_refresh(&self, now: DateTime<Utc>) -> bool {
        self.refresh_token.is_some()
            && self
                .registration
                .as_ref()
                .is_some_and(|r| r.expires_at > now)
    }

    fn to_json(&self) -> String {
        let file = TokenFile {
            start_url: self.start_url.clone(),
            region: self.region.clone(),
            access_token: self.access_token.expose().to_string(),
            expires_at: format_time(self.expires_at),
            client_id: self.registration.as_ref().map(|r| r.client_id.clone()),
            client_secret: self
                .registration
                .as_ref()
                .map(|r| r.client_secret.expose().to_string()),
            registration_expires_at: self
                .registration
                .as_ref()
                .map(|r| format_time(r.expires_at)),
            refresh_token: self.refresh_token.as_ref().map(|t| t.expose().to_string()),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    fn from_json(text: &str) -> std::result::Result<Token, String> {
        let file: TokenFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let expires_at = parse_time(&file.expires_at)
            .ok_or_else(|| format!("expiresAt {:?} is not a UTC time", file.expires_at))?;
        let registration = match (file.client_id, file.client_secret) {
            (Some(client_id), Some(secret)) => Some(Registration {
                client_id,
                client_secret: Secret::new(secret),
                expires_at: file
                    .registration_expires_at
                    .as_deref()
                    .and_then(parse_time)
                    .unwrap_or(DateTime::<Utc>::MIN_UTC),
            }),
            _ => None,
        };
        Ok(Token {
            start_url: file.start_url,
            region: file.region,
            access_token: Secret::new(file.access_token),
            expires_at,
            refresh_token: file.refresh_token.map(Secret::new),
            registration,
        })
    }
}

pub(crate) fn format_time(time: DateTime<Utc>) -> String {
    time.format(TIME_FORMAT).to_string()
}

/// `2024-05-01T12:00:00Z`, or any RFC 3339 time (other tools write offsets and fractions).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, TIME_FORMAT)
                .ok()
                .map(|t| t.and_utc())
        })
}

/// Where the two caches live.
#[derive(Debug, Clone)]
pub struct TokenCache {
    /// `~/.aws/<short>/sso/cache/token` (upstream's).
    pub upstream: PathBuf,
    /// `~/.aws/sso/cache/<sha1>.json` (the AWS CLI's).
    pub aws_cli: PathBuf,
    /// `~/.aws/<short>/sso/.token.lock`, held while the token is renewed, stored or removed.
    pub lock: PathBuf,
}

/// Proof that the token lock is held (not the AWS files' lock, which has the same type inside).
pub struct TokenLock {
    _held: Lock,
}

impl TokenCache {
    /// `aws_dir` is `~/.aws/<short>`.
    pub fn new(aws_dir: &Path, start_url: &str) -> TokenCache {
        let home_aws = aws_dir.parent().unwrap_or(aws_dir);
        TokenCache {
            upstream: aws_dir.join("sso/cache/token"),
            aws_cli: home_aws
                .join("sso/cache")
                .join(format!("{}.json", sha1_hex(start_url))),
            lock: aws_dir.join("sso/.token.lock"),
        }
    }

    /// Takes the exclusive lock on the token (its directory made 0700), waiting for another
    /// run. (Temp files a killed run left beside the caches go with the next write.) A refresh token
    /// may be single-use: whoever renews must hold this, and read the cache again first.
    pub fn lock(&self) -> Result<TokenLock> {
        let dir = self.lock.parent().unwrap_or(Path::new("."));
        crate::private_dir::ensure(dir)?;
        Ok(TokenLock {
            _held: crate::lock::acquire(&self.lock)?,
        })
    }

    /// Upstream's file, else the AWS CLI's (e.g. after `aws sso login`); None when neither is
    /// there.
    pub fn load(&self) -> Result<Option<Token>> {
        for path in [&self.upstream, &self.aws_cli] {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    return Token::from_json(&text).map(Some).map_err(|reason| {
                        SsoError::BadTokenFile {
                            path: path.clone(),
                            reason,
                        }
                        .into()
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(IoError::new("read", path, source).into());
                }
            }
        }
        Ok(None)
    }

    /// Writes both files (0600, atomically; directories made 0700); the caller holds
    /// [`TokenCache::lock`].
    pub fn store(&self, token: &Token, _lock: &TokenLock) -> Result<()> {
        let json = token.to_json();
        for path in [&self.upstream, &self.aws_cli] {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(IoError::on("create", dir))?;
            crate::atomic_file::write(path, &json, crate::atomic_file::Mode::Private)?;
        }
        Ok(())
    }

    /// Removes both files; returns how many were there. The caller holds [`TokenCache::lock`].
    pub fn remove(&self, _lock: &TokenLock) -> Result<usize> {
        let mut removed = 0;
        for path in [&self.upstream, &self.aws_cli] {
            match std::fs::remove_file(path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(IoError::new("remove", path, source).into());
                }
            }
        }
        Ok(removed)
    }
}

/// The AWS CLI names its cache file after the SHA-1 of the start URL, exactly as written.
fn sha1_hex(text: &str) -> String {
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn token() -> Token {
        Token {
            start_url: "https://bbleverage.awsapps.com/start".into(),
            region: "us-east-1".into(),
            access_token: Secret::new("access-SECRET"),
            expires_at: parse_time("2030-01-02T03:04:05Z").unwrap(),
            refresh_token: Some(Secret::new("refresh-SECRET")),
            registration: Some(Registration {
                client_id: "client-1".into(),
                client_secret: Secret::new("client-SECRET"),
                expires_at: parse_time("2030-03-01T00:00:00Z").unwrap(),
            }),
        }
    }

    #[test]
    fn the_aws_cli_cache_is_named_after_the_sha1_of_the_start_url() {
        let cache = TokenCache::new(
            Path::new("/h/.aws/bb"),
            "https://my-sso-portal.awsapps.com/start",
        );
        assert_eq!(
            cache.aws_cli,
            Path::new("/h/.aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json")
        );
        assert_eq!(cache.upstream, Path::new("/h/.aws/bb/sso/cache/token"));
        assert_eq!(cache.lock, Path::new("/h/.aws/bb/sso/.token.lock"));
    }

    #[test]
    fn both_files_hold_the_cli_keys_with_a_utc_z_time_and_are_private() {
        let home = tempfile::tempdir().unwrap();
        let cache = TokenCache::new(&home.path().join(".aws/bb"), "https://x.awsapps.com/start");
        let lock = cache.lock().unwrap();
        cache.store(&token(), &lock).unwrap();
        for path in [&cache.upstream, &cache.aws_cli] {
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            assert_eq!(json["expiresAt"], "2030-01-02T03:04:05Z");
            assert_eq!(json["registrationExpiresAt"], "2030-03-01T00:00:00Z");
            for key in [
                "startUrl",
                "region",
                "accessToken",
                "clientId",
                "clientSecret",
                "refreshToken",
            ] {
                assert!(json[key].is_string(), "{key} in {json}");
            }
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        assert_eq!(cache.load().unwrap(), Some(token()));
        assert_eq!(cache.remove(&lock).unwrap(), 2);
        assert_eq!(cache.load().unwrap(), None);
    }

    #[test]
    fn a_token_written_by_other_tools_reads_with_offsets_and_without_registration() {
        let token = Token::from_json(
            r#"{"accessToken": "a", "expiresAt": "2030-01-02T03:04:05.123+00:00"}"#,
        )
        .unwrap();
        assert_eq!(format_time(token.expires_at), "2030-01-02T03:04:05Z");
        assert!(!token.can_refresh(Utc::now()));
        assert!(Token::from_json(r#"{"accessToken": "a", "expiresAt": "tomorrow"}"#).is_err());
    }

    #[test]
    fn debug_output_never_shows_the_tokens() {
        let printed = format!("{:?}", token());
        assert!(!printed.contains("SECRET"), "{printed}");
    }
}
