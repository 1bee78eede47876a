//! MFA: temporary credentials for the profiles a layer uses, handed to the child in a
//! private config/credentials pair; the user's own files are never written.
//!
//! Beyond upstream: one code per source profile (GetSessionToken once, cached for hours), then
//! AssumeRole for every profile with that session, so a day of work asks for one code.

mod cache;
pub mod layer_profiles;
pub mod switch;

pub use cache::Cache;

use crate::aws::{AwsError, AwsFile, AwsFiles, AwsKeys, Client, Ini, TemporaryCredentials};
use crate::error::{Diagnostic, IoError};
use crate::project::BuildEnv;
use crate::ui::Prompt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("profile {profile} has no {key} in {}", path.display())]
    MissingKey {
        profile: String,
        key: &'static str,
        path: PathBuf,
    },
    #[error("source profile {source_profile} (of {profile}) has no keys in {}", path.display())]
    NoSourceKeys {
        profile: String,
        source_profile: String,
        path: PathBuf,
    },
    #[error("Maximum retries reached: no valid MFA code for {serial} after 3 tries")]
    TooManyTries { serial: String },
    #[error("{0}")]
    Aws(#[from] AwsError),
    #[error("{key} = {value:?} is not a number of seconds from {min} to {max}")]
    BadSetting {
        key: &'static str,
        value: String,
        min: i64,
        max: i64,
    },
}

impl Diagnostic for MfaError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            MfaError::MissingKey { .. } => {
                "run `leverage credentials configure --type MANAGEMENT|SECURITY --fetch-mfa-device`"
            }
            MfaError::NoSourceKeys { .. } => "store the keys with `leverage credentials configure`",
            MfaError::TooManyTries { .. } => {
                "type the current 6-digit code of your MFA app; check the device's clock"
            }
            MfaError::Aws(e) if e.is_access_denied() => {
                "check that your user may assume the role (and that MFA is enabled for it)"
            }
            MfaError::Aws(_) => return None,
            MfaError::BadSetting { .. } => {
                "fix it in the environment or build.env, or remove it for the default"
            }
        };
        Some(hint.to_string())
    }
}

/// `credentials logout`: forgets every cached MFA session and role credential of the project,
/// so the next command asks for a code.
pub fn logout(files: &AwsFiles) -> crate::Result<()> {
    let cache = Cache::new(&files.dir);
    let removed = cache.clear().map_err(IoError::on("clear", &cache.dir))?;
    tracing::info!(
        "Removed {removed} cached MFA credential(s) from {}.",
        cache.dir.display()
    );
    Ok(())
}

/// Durations, from the environment or build.env: `LEVERAGE_MFA_SESSION_DURATION` (seconds,
/// default 12 h), `LEVERAGE_MFA_ROLE_DURATION` (default 1 h), `LEVERAGE_MFA_REFRESH_MARGIN`
/// (reuse cached credentials only while more than this is left; default 30 min).
#[derive(Debug, Clone, Copy)]
pub struct MfaSettings {
    pub session_seconds: i32,
    pub role_seconds: i32,
    pub margin_seconds: i64,
}

impl MfaSettings {
    /// The settings, from the environment first, then build.env; each must be a whole number
    /// of seconds in the range AWS accepts.
    pub fn from_env(build_env: &BuildEnv) -> Result<MfaSettings, MfaError> {
        let read = |key: &'static str, default: i64, range: std::ops::RangeInclusive<i64>| {
            let Some(value) = std::env::var(key)
                .ok()
                .or_else(|| build_env.get(key).map(str::to_string))
            else {
                return Ok(default);
            };
            value
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|seconds| range.contains(seconds))
                .ok_or(MfaError::BadSetting {
                    key,
                    value,
                    min: *range.start(),
                    max: *range.end(),
                })
        };
        Ok(MfaSettings {
            // AWS's maximums: GetSessionToken 36 h, AssumeRole 12 h (AWS checks its minimums).
            session_seconds: read("LEVERAGE_MFA_SESSION_DURATION", 43_200, 1..=129_600)? as i32,
            role_seconds: read("LEVERAGE_MFA_ROLE_DURATION", 3_600, 1..=43_200)? as i32,
            margin_seconds: read("LEVERAGE_MFA_REFRESH_MARGIN", 1_800, 1..=129_600)?,
        })
    }
}

/// A profile as the config file describes it.
#[derive(Debug, Clone)]
enum ProfileSource {
    /// Assumes a role with MFA.
    Role(RoleProfile),
    /// Keys of its own in the credentials file (e.g. the bootstrap profile): passed as they are.
    Keys {
        keys: AwsKeys,
        region: Option<String>,
    },
}

/// A profile that assumes `role_arn` from `source_profile`'s keys, with `mfa_serial`.
#[derive(Debug, Clone)]
struct RoleProfile {
    role_arn: String,
    mfa_serial: String,
    source_profile: String,
    region: Option<String>,
}

/// The private config + credentials pair the child process reads; removed on drop.
pub struct PrivateFiles {
    _dir: tempfile::TempDir,
    pub config: PathBuf,
    pub credentials: PathBuf,
    pub profiles: Vec<String>,
}

/// Makes (or reuses) temporary credentials for `profiles` and writes them to private files.
/// `force` ignores the cache (refresh-credentials).
pub fn temporary_credentials(
    files: &AwsFiles,
    region: &str,
    profiles: &[String],
    prompt: &Prompt,
    settings: MfaSettings,
    force: bool,
) -> crate::Result<PrivateFiles> {
    let made = profile_credentials(files, region, profiles, prompt, settings, force)?;
    Ok(write_private_files(&files.dir, &made, region)?)
}

/// One profile's usable keys (temporary for role profiles) and its configured region.
#[derive(Debug, Clone)]
pub struct ProfileCredentials {
    pub profile: String,
    pub keys: AwsKeys,
    pub region: Option<String>,
}

/// The credentials of each profile, through the cache: at most one code per source profile.
pub fn profile_credentials(
    files: &AwsFiles,
    region: &str,
    profiles: &[String],
    prompt: &Prompt,
    settings: MfaSettings,
    force: bool,
) -> crate::Result<Vec<ProfileCredentials>> {
    let config = files.read(AwsFile::Config)?;
    let credentials = files.read(AwsFile::Credentials)?;
    let sources: Vec<(String, ProfileSource)> = profiles
        .iter()
        .map(|p| resolve(files, &config, &credentials, p).map(|s| (p.clone(), s)))
        .collect::<Result<_, _>>()?;
    let cache = Cache::new(&files.dir);
    let _lock = cache.lock().map_err(IoError::on("lock", &cache.dir))?;
    let mut run = MfaRun {
        files,
        credentials,
        valid_until: chrono::Utc::now() + chrono::Duration::seconds(settings.margin_seconds),
        cache,
        region,
        prompt,
        settings,
        force,
        runtime: LazyRuntime::default(),
        sessions: Vec::new(),
    };
    let mut made = Vec::new();
    for (profile, source) in sources {
        made.push(match source {
            ProfileSource::Keys { keys, region } => ProfileCredentials {
                profile,
                keys,
                region,
            },
            ProfileSource::Role(role) => ProfileCredentials {
                keys: run.role_credentials(&profile, &role)?.keys,
                profile,
                region: role.region,
            },
        });
    }
    Ok(made)
}

/// What every step of one MFA run needs: the files, the cache (locked by the caller), how to
/// ask for a code, the durations, and the sessions made so far (one per source profile).
struct MfaRun<'a> {
    files: &'a AwsFiles,
    credentials: Ini,
    cache: Cache,
    region: &'a str,
    prompt: &'a Prompt,
    settings: MfaSettings,
    /// Ignore the cache (refresh-credentials).
    force: bool,
    /// Cached credentials are reused only while they last past this.
    valid_until: chrono::DateTime<chrono::Utc>,
    runtime: LazyRuntime,
    sessions: Vec<(String, TemporaryCredentials)>,
}

impl MfaRun<'_> {
    /// The role's cached credentials, or new ones assumed with the source profile's session.
    fn role_credentials(
        &mut self,
        profile: &str,
        role: &RoleProfile,
    ) -> crate::Result<TemporaryCredentials> {
        let cached = if self.force {
            None
        } else {
            self.cache.load(profile, self.valid_until)
        };
        if let Some(credentials) = cached {
            tracing::debug!("MFA cache hit: role credentials for {profile}");
            return Ok(credentials);
        }
        tracing::debug!("MFA cache miss: role credentials for {profile}");
        let session = self.session(profile, role)?;
        let client = Client::new(&session.keys, self.region);
        let session_name = format!("{}-temp", role.source_profile);
        let credentials = self.runtime.block_on(client.assume_role(
            &role.role_arn,
            &session_name,
            self.settings.role_seconds,
        ));
        let credentials = credentials.map_err(MfaError::from)?;
        self.cache
            .store(profile, &credentials)
            .map_err(IoError::on("write", &self.cache.dir))?;
        Ok(credentials)
    }

    /// The MFA session of the role's source profile: made this run, cached, or new for one
    /// code from the user.
    fn session(
        &mut self,
        profile: &str,
        role: &RoleProfile,
    ) -> crate::Result<TemporaryCredentials> {
        let source = &role.source_profile;
        if let Some((_, session)) = self.sessions.iter().find(|(s, _)| s == source) {
            return Ok(session.clone());
        }
        let name = format!("{source}.session");
        let cached = if self.force {
            None
        } else {
            self.cache.load(&name, self.valid_until)
        };
        let session = match cached {
            Some(session) => {
                tracing::debug!("MFA cache hit: session of {source}");
                session
            }
            None => {
                tracing::debug!("MFA cache miss: session of {source}");
                let session = self.new_session(profile, role)?;
                self.cache
                    .store(&name, &session)
                    .map_err(IoError::on("write", &self.cache.dir))?;
                session
            }
        };
        self.sessions.push((source.clone(), session.clone()));
        Ok(session)
    }

    /// GetSessionToken with a code the user types (3 tries).
    fn new_session(
        &mut self,
        profile: &str,
        role: &RoleProfile,
    ) -> crate::Result<TemporaryCredentials> {
        let (source, serial) = (&role.source_profile, &role.mfa_serial);
        let keys = source_keys(self.files, &self.credentials, source, profile)?;
        let client = Client::new(&keys, self.region);
        tracing::info!("Getting an MFA session for {source} ({serial}).");
        for attempt in 1..=3 {
            let code = self.prompt.text(
                "MFA: Please type in your OTP",
                "give the 6-digit code on standard input",
                |_| Ok(()),
            )?;
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                tracing::error!(
                    "Invalid OTP: it is the 6 digits your MFA app shows. Please try again. \
                     ({attempt}/3)"
                );
                continue;
            }
            let seconds = self.settings.session_seconds;
            match self
                .runtime
                .block_on(client.session_token(serial, &code, seconds))
            {
                Ok(session) => return Ok(session),
                Err(e) if e.is_access_denied() && e.message.to_lowercase().contains("mfa") => {
                    tracing::error!("Invalid OTP. Please try again. ({attempt}/3)");
                }
                Err(e) => return Err(MfaError::from(e).into()),
            }
        }
        Err(MfaError::TooManyTries {
            serial: serial.to_string(),
        }
        .into())
    }
}

/// A Tokio runtime made on the first AWS call: the cached path, which runs before every
/// terraform command, makes none and so does not pay for one.
#[derive(Default)]
struct LazyRuntime(Option<tokio::runtime::Runtime>);

impl LazyRuntime {
    fn block_on<F: std::future::Future>(&mut self, future: F) -> F::Output {
        let runtime = self.0.get_or_insert_with(crate::runtime::new);
        runtime.block_on(future)
    }
}

/// `role_arn`, `mfa_serial`, `source_profile` of `[profile <name>]`, each falling back to
/// upstream 3.x's `[profile <name>-mfa]`; or the profile's own keys when it assumes no role.
fn resolve(
    files: &AwsFiles,
    config: &Ini,
    credentials: &Ini,
    profile: &str,
) -> Result<ProfileSource, MfaError> {
    let get = |key: &str| profile_setting(config, profile, key).map(str::to_string);
    let region = get("region");
    let missing = |key| MfaError::MissingKey {
        profile: profile.to_string(),
        key,
        path: files.path(AwsFile::Config),
    };
    let Some(role_arn) = get("role_arn") else {
        return match AwsKeys::stored_in(credentials, profile) {
            Some(keys) => Ok(ProfileSource::Keys { keys, region }),
            None => Err(missing("role_arn")),
        };
    };
    let mfa_serial = get("mfa_serial").ok_or_else(|| missing("mfa_serial"))?;
    let source_profile = get("source_profile").ok_or_else(|| missing("source_profile"))?;
    Ok(ProfileSource::Role(RoleProfile {
        role_arn,
        mfa_serial,
        source_profile,
        region,
    }))
}

fn source_keys(
    files: &AwsFiles,
    credentials: &Ini,
    source_profile: &str,
    profile: &str,
) -> Result<AwsKeys, MfaError> {
    AwsKeys::stored_in(credentials, source_profile).ok_or_else(|| MfaError::NoSourceKeys {
        profile: profile.to_string(),
        source_profile: source_profile.to_string(),
        path: files.path(AwsFile::Credentials),
    })
}

/// A setting of `[profile <name>]`, falling back to upstream 3.x's `[profile <name>-mfa]`.
pub fn profile_setting<'a>(config: &'a Ini, profile: &str, key: &str) -> Option<&'a str> {
    let section = AwsFile::Config.section(profile);
    let legacy = AwsFile::Config.section(&format!("{profile}-mfa"));
    config
        .get(&section, key)
        .or_else(|| config.get(&legacy, key))
        .filter(|v| !v.is_empty())
}

fn write_private_files(
    aws_dir: &Path,
    made: &[ProfileCredentials],
    region: &str,
) -> Result<PrivateFiles, IoError> {
    let dir = private_dir(aws_dir)?;
    let mut config = Ini::default();
    let mut credentials = Ini::default();
    for ProfileCredentials {
        profile,
        keys,
        region: profile_region,
    } in made
    {
        let section = AwsFile::Config.section(profile);
        config.set(
            &section,
            "region",
            profile_region.as_deref().unwrap_or(region),
        );
        config.set(&section, "output", "json");
        credentials.set(profile, "aws_access_key_id", &keys.access_key_id);
        credentials.set(
            profile,
            "aws_secret_access_key",
            keys.secret_access_key.expose(),
        );
        if let Some(token) = &keys.session_token {
            credentials.set(profile, "aws_session_token", token.expose());
        }
    }
    let config_path = dir.path().join("config");
    let credentials_path = dir.path().join("credentials");
    // Short-lived files in a private directory: no rename or fsync needed, and both cost
    // milliseconds on every command.
    write_private(&config_path, &config.to_string()).map_err(IoError::on("write", &config_path))?;
    write_private(&credentials_path, &credentials.to_string())
        .map_err(IoError::on("write", &credentials_path))?;
    Ok(PrivateFiles {
        _dir: dir,
        config: config_path,
        credentials: credentials_path,
        profiles: made.iter().map(|m| m.profile.clone()).collect(),
    })
}

/// `~/.aws/<short>/leverage-credentials-<pid>-XXXX/`, 0700 whatever the umask, checked to be
/// ours and private before anything goes in; what killed runs left there is removed first.
fn private_dir(aws_dir: &Path) -> Result<tempfile::TempDir, IoError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    crate::private_dir::ensure(aws_dir)?;
    sweep_private_dirs(aws_dir);
    let dir = tempfile::Builder::new()
        .prefix(&format!("{PRIVATE_PREFIX}{}-", std::process::id()))
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in(aws_dir)
        .map_err(IoError::on("create a directory in", aws_dir))?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .map_err(IoError::on("make private", dir.path()))?;
    let meta = std::fs::symlink_metadata(dir.path()).map_err(IoError::on("check", dir.path()))?;
    // SAFETY: geteuid(2) cannot fail.
    let me = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != me || meta.permissions().mode() & 0o077 != 0 {
        let error = std::io::Error::other("it is not a private directory of this user");
        return Err(IoError::new("trust", dir.path(), error));
    }
    Ok(dir)
}

const PRIVATE_PREFIX: &str = "leverage-credentials-";

/// Removes the private directories (live session tokens) of runs that were killed.
fn sweep_private_dirs(aws_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(aws_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(PRIVATE_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !crate::atomic_file::process_alive(pid)
            && std::fs::remove_dir_all(entry.path()).is_ok()
        {
            tracing::debug!(
                "Removed {} left by a run that ended early",
                entry.path().display()
            );
        }
    }
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}
