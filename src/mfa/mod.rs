//! MFA (SPEC §4): temporary credentials for the profiles a layer uses, handed to the child in a
//! private config/credentials pair; the user's own files are never written.
//!
//! Beyond upstream: one code per source profile (GetSessionToken once, cached for hours), then
//! AssumeRole for every profile with that session, so a day of work asks for one code.

mod cache;
pub mod layer_profiles;

pub use cache::Cache;

use crate::aws::{
    AwsError, AwsFile, AwsFiles, AwsFilesError, AwsKeys, Client, Ini, TemporaryCredentials,
};
use crate::project::{BuildEnv, ProjectError};
use crate::ui::{Prompt, PromptError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Files(#[from] AwsFilesError),
    #[error(transparent)]
    Prompt(#[from] PromptError),
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
    #[error("could not use the MFA cache {}: {source}", path.display())]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl MfaError {
    pub fn hint(&self) -> Option<String> {
        match self {
            MfaError::Project(e) => e.hint(),
            MfaError::Files(e) => e.hint(),
            MfaError::MissingKey { .. } => {
                Some("run `leverage credentials configure --type MANAGEMENT|SECURITY --fetch-mfa-device`".into())
            }
            MfaError::NoSourceKeys { .. } => Some("store the keys with `leverage credentials configure`".into()),
            MfaError::TooManyTries { .. } => Some("type the current 6-digit code of your MFA app; check the device's clock".into()),
            MfaError::Aws(e) if e.is_access_denied() => {
                Some("check that your user may assume the role (and that MFA is enabled for it)".into())
            }
            _ => None,
        }
    }
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
    pub fn from_env(build_env: &BuildEnv) -> MfaSettings {
        let read = |key: &str, default: i64| {
            std::env::var(key)
                .ok()
                .or_else(|| build_env.get(key).map(str::to_string))
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(default)
        };
        MfaSettings {
            session_seconds: read("LEVERAGE_MFA_SESSION_DURATION", 43_200) as i32,
            role_seconds: read("LEVERAGE_MFA_ROLE_DURATION", 3_600) as i32,
            margin_seconds: read("LEVERAGE_MFA_REFRESH_MARGIN", 1_800),
        }
    }
}

/// A profile as the config file describes it.
#[derive(Debug, Clone)]
enum ProfileSource {
    /// Assumes `role_arn` from `source_profile`'s keys, with `mfa_serial`.
    Role {
        role_arn: String,
        mfa_serial: String,
        source_profile: String,
        region: Option<String>,
    },
    /// Keys of its own in the credentials file (e.g. the bootstrap profile): passed as they are.
    Keys {
        keys: AwsKeys,
        region: Option<String>,
    },
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
) -> Result<PrivateFiles, MfaError> {
    let made = profile_credentials(files, region, profiles, prompt, settings, force)?;
    write_private_files(&made, region)
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
) -> Result<Vec<ProfileCredentials>, MfaError> {
    let config = files.read(AwsFile::Config)?;
    let credentials = files.read(AwsFile::Credentials)?;
    let sources: Vec<(String, ProfileSource)> = profiles
        .iter()
        .map(|p| resolve(files, &config, &credentials, p).map(|s| (p.clone(), s)))
        .collect::<Result<_, _>>()?;

    let cache = Cache::new(&files.dir);
    let cache_error = |source| MfaError::Cache {
        path: cache.dir.clone(),
        source,
    };
    let _lock = cache.lock().map_err(cache_error)?;
    let valid_until = chrono::Utc::now() + chrono::Duration::seconds(settings.margin_seconds);

    let mut runtime = LazyRuntime::default();
    let mut sessions: Vec<(String, TemporaryCredentials)> = Vec::new();
    let mut made: Vec<ProfileCredentials> = Vec::new();
    for (profile, source) in &sources {
        match source {
            ProfileSource::Keys { keys, region } => made.push(ProfileCredentials {
                profile: profile.clone(),
                keys: keys.clone(),
                region: region.clone(),
            }),
            ProfileSource::Role {
                role_arn,
                mfa_serial,
                source_profile,
                region: profile_region,
            } => {
                let cached = if force {
                    None
                } else {
                    cache.load(profile, valid_until)
                };
                let role = match cached {
                    Some(role) => {
                        tracing::debug!("MFA cache hit: role credentials for {profile}");
                        role
                    }
                    None => {
                        tracing::debug!("MFA cache miss: role credentials for {profile}");
                        let session = match sessions.iter().find(|(s, _)| s == source_profile) {
                            Some((_, session)) => session.clone(),
                            None => {
                                let session = session_for(
                                    &mut runtime,
                                    files,
                                    &credentials,
                                    &cache,
                                    source_profile,
                                    profile,
                                    mfa_serial,
                                    region,
                                    prompt,
                                    settings,
                                    force,
                                    valid_until,
                                )?;
                                sessions.push((source_profile.clone(), session.clone()));
                                session
                            }
                        };
                        let role =
                            runtime.block_on(Client::new(&session.keys, region).assume_role(
                                role_arn,
                                &format!("{source_profile}-temp"),
                                settings.role_seconds,
                            ))?;
                        cache.store(profile, &role).map_err(cache_error)?;
                        role
                    }
                };
                made.push(ProfileCredentials {
                    profile: profile.clone(),
                    keys: role.keys,
                    region: profile_region.clone(),
                });
            }
        }
    }
    Ok(made)
}

/// A Tokio runtime made on the first AWS call: the cached path, which runs before every
/// terraform command, makes none and so does not pay for one.
#[derive(Default)]
struct LazyRuntime(Option<tokio::runtime::Runtime>);

impl LazyRuntime {
    fn block_on<F: std::future::Future>(&mut self, future: F) -> F::Output {
        self.0
            .get_or_insert_with(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a Tokio runtime can always be built")
            })
            .block_on(future)
    }
}

/// The cached MFA session of `source_profile`, or a new one for one code from the user.
#[allow(clippy::too_many_arguments)]
fn session_for(
    runtime: &mut LazyRuntime,
    files: &AwsFiles,
    credentials: &Ini,
    cache: &Cache,
    source_profile: &str,
    profile: &str,
    mfa_serial: &str,
    region: &str,
    prompt: &Prompt,
    settings: MfaSettings,
    force: bool,
    valid_until: chrono::DateTime<chrono::Utc>,
) -> Result<TemporaryCredentials, MfaError> {
    let name = format!("{source_profile}.session");
    if !force && let Some(session) = cache.load(&name, valid_until) {
        tracing::debug!("MFA cache hit: session of {source_profile}");
        return Ok(session);
    }
    tracing::debug!("MFA cache miss: session of {source_profile}");
    let keys = source_keys(files, credentials, source_profile, profile)?;
    let client = Client::new(&keys, region);
    tracing::info!("Getting an MFA session for {source_profile} ({mfa_serial}).");
    for attempt in 1..=3 {
        let code = prompt.text(
            "MFA: Please type in your OTP",
            "give the 6-digit code on standard input",
            |_| Ok(()),
        )?;
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            tracing::error!(
                "Invalid OTP: it is the 6 digits your MFA app shows. Please try again. ({attempt}/3)"
            );
            continue;
        }
        match runtime.block_on(client.session_token(mfa_serial, &code, settings.session_seconds)) {
            Ok(session) => {
                cache
                    .store(&name, &session)
                    .map_err(|source| MfaError::Cache {
                        path: cache.dir.clone(),
                        source,
                    })?;
                return Ok(session);
            }
            Err(e) if e.is_access_denied() && e.message.to_lowercase().contains("mfa") => {
                tracing::error!("Invalid OTP. Please try again. ({attempt}/3)");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(MfaError::TooManyTries {
        serial: mfa_serial.to_string(),
    })
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
    Ok(ProfileSource::Role {
        role_arn,
        mfa_serial,
        source_profile,
        region,
    })
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
    made: &[ProfileCredentials],
    region: &str,
) -> Result<PrivateFiles, MfaError> {
    let io = |path: PathBuf| move |source| MfaError::Cache { path, source };
    let dir = tempfile::Builder::new()
        .prefix("leverage-credentials-")
        .tempdir()
        .map_err(io(std::env::temp_dir()))?;
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
    write_private(&config_path, &config.to_string()).map_err(io(config_path.clone()))?;
    write_private(&credentials_path, &credentials.to_string())
        .map_err(io(credentials_path.clone()))?;
    Ok(PrivateFiles {
        _dir: dir,
        config: config_path,
        credentials: credentials_path,
        profiles: made.iter().map(|m| m.profile.clone()).collect(),
    })
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
