//! `leverage credentials check`: every profile of the project, tried for real with STS
//! GetCallerIdentity (role profiles through the MFA cache, so at most one code), in parallel.

use crate::aws::{AwsError, AwsFile, AwsFiles, AwsKeys, CallerIdentity, Client, Ini};
use crate::mfa::{self, MfaError, MfaSettings};
use crate::project::Project;
use crate::ui::{Prompt, PromptError};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRow {
    pub profile: String,
    pub expected_account: Option<String>,
    pub account: Option<String>,
    pub arn: Option<String>,
    /// Days since the profile's access key was created (profiles with keys of their own).
    pub key_age_days: Option<i64>,
    /// Whether the keys' IAM user has an MFA device.
    pub mfa: Option<bool>,
    pub status: Status,
}

/// The CIS AWS Foundations Benchmark's limit for an access key's age.
pub const MAX_KEY_AGE_DAYS: i64 = 90;

/// What IAM says about the user behind a pair of keys; None where IAM would not tell.
#[derive(Debug, Clone, Copy, Default)]
struct KeyFacts {
    age_days: Option<i64>,
    mfa: Option<bool>,
}

type Answer = (usize, Result<CallerIdentity, AwsError>, KeyFacts);

impl CheckRow {
    pub fn ok(&self) -> bool {
        matches!(self.status, Status::Ok | Status::Sso)
    }
}

/// What trying a profile showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not tried yet.
    Pending,
    Ok,
    /// An SSO profile: its credentials come from `leverage aws sso login`, not from keys.
    Sso,
    /// A role with MFA, and no code could be asked for (no terminal, nothing on stdin).
    NeedsMfaCode,
    /// Named by an account's backend.tfvars or a layer, but in neither AWS file.
    NotConfigured {
        needed_by: String,
    },
    /// The role's account is not the one the profile names.
    WrongAccount,
    AccountNotInProject,
    MissingKeys,
    Expired,
    KeysRejected,
    Denied,
    /// Another AWS error code.
    Error(String),
    NoAnswer,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Pending => "not tried",
            Status::Ok => "ok",
            Status::Sso => "sso",
            Status::NeedsMfaCode => "needs MFA code",
            Status::NotConfigured { needed_by } => {
                return write!(f, "missing: needed by {needed_by}");
            }
            Status::WrongAccount => "wrong account",
            Status::AccountNotInProject => "account not in project",
            Status::MissingKeys => "missing keys",
            Status::Expired => "expired",
            Status::KeysRejected => "denied (keys rejected)",
            Status::Denied => "denied",
            Status::Error(code) => return write!(f, "error ({code})"),
            Status::NoAnswer => "error (no answer)",
        })
    }
}

/// The JSON output keeps the table's words.
impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How to get a profile's keys.
enum Access {
    Sso,
    Keys(AwsKeys),
    RoleWithMfa,
    Role {
        role_arn: String,
        source: Option<AwsKeys>,
    },
}

/// Checks every profile in `~/.aws/<short>/credentials` and `config`, in that order.
pub fn check(project: &Project, files: &AwsFiles, prompt: &Prompt) -> crate::Result<Vec<CheckRow>> {
    let config = files.read(AwsFile::Config)?;
    let credentials = files.read(AwsFile::Credentials)?;
    let region = project.require_primary_region()?.to_string();
    let names = profile_names(&config, &credentials);
    if names.is_empty() {
        return Err(super::CredentialsError::NothingConfigured {
            dir: files.dir.display().to_string(),
        }
        .into());
    }
    let mut rows: Vec<CheckRow> = names
        .into_iter()
        .map(|name| CheckRow {
            expected_account: expected_account(project, &config, &name),
            profile: name,
            account: None,
            arn: None,
            key_age_days: None,
            mfa: None,
            status: Status::Pending,
        })
        .collect();
    let configured = rows.len();
    for (profile, needed_by) in needed_profiles(project) {
        if !rows.iter().any(|r| r.profile == profile) {
            rows.push(CheckRow {
                expected_account: None,
                profile,
                account: None,
                arn: None,
                key_age_days: None,
                mfa: None,
                status: Status::NotConfigured { needed_by },
            });
        }
    }
    let mut probes = Probes::default();
    for (index, row) in rows.iter_mut().enumerate().take(configured) {
        match access(&config, &credentials, &row.profile) {
            Access::Sso => row.status = Status::Sso,
            Access::Keys(keys) => probes.owned.push((index, keys)),
            Access::RoleWithMfa => probes.with_mfa.push(index),
            Access::Role {
                role_arn,
                source: Some(keys),
            } => probes.roles.push((index, role_arn, keys)),
            Access::Role { source: None, .. } => row.status = Status::MissingKeys,
        }
    }
    let settings = MfaSettings::from_env(&project.env)?;
    probes.through_mfa(&mut rows, files, &region, prompt, settings)?;
    for (index, result, facts) in crate::runtime::block_on(probes.run(&region)) {
        let row = &mut rows[index];
        row.key_age_days = facts.age_days;
        row.mfa = facts.mfa;
        if let Some(warning) = age_warning(&row.profile, facts.age_days) {
            tracing::warn!("{warning}");
        }
        match result {
            Ok(identity) => {
                row.status = verdict(project, row.expected_account.as_deref(), &identity);
                row.account = Some(identity.account);
                row.arn = Some(identity.arn);
            }
            Err(e) => row.status = status_of(&e),
        }
    }
    Ok(rows)
}

/// The profiles terraform will need, each with the first file or layer that names it: the
/// accounts' `config/backend.tfvars`, then every enabled layer's providers. An SSO project gets
/// them from SSO when a layer runs, so none is missing there.
fn needed_profiles(project: &Project) -> Vec<(String, String)> {
    let mut needed: Vec<(String, String)> = Vec::new();
    if crate::sso::enabled(project) {
        return needed;
    }
    let mut add = |profile: String, by: String| {
        if !needed.iter().any(|(p, _)| *p == profile) {
            needed.push((profile, by));
        }
    };
    let Ok(entries) = std::fs::read_dir(&project.root) else {
        return needed;
    };
    let mut accounts: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    accounts.sort();
    for account in accounts {
        let backend = project.backend_tfvars(&account);
        let profile = crate::project::HclFile::read(&backend)
            .ok()
            .and_then(|file| file.string("profile"));
        if let Some(profile) = profile {
            let by = backend.strip_prefix(&project.root).unwrap_or(&backend);
            add(profile, by.display().to_string());
        }
    }
    for layer in crate::graph::enabled_layer_dirs(&project.root) {
        let found = crate::auth::profiles_of(project, std::slice::from_ref(&layer));
        for error in &found.unread {
            tracing::warn!("{error}; the profiles it names are not checked");
        }
        for profile in found.profiles {
            add(profile, layer.display().to_string());
        }
    }
    needed
}

/// The profiles of both files: credentials sections first, then config profiles (upstream 3.x's
/// `-mfa` helper sections left out).
fn profile_names(config: &Ini, credentials: &Ini) -> Vec<String> {
    let mut names: Vec<String> = credentials.sections().map(str::to_string).collect();
    for section in config.sections() {
        if let Some(name) = section.strip_prefix("profile ")
            && !name.ends_with("-mfa")
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
    }
    names
}

/// The GetCallerIdentity calls to make, by row index.
#[derive(Default)]
struct Probes {
    /// Temporary keys (made through the MFA cache).
    keys: Vec<(usize, AwsKeys)>,
    /// Keys of the profile's own: IAM is also asked about the key's age and the user's MFA.
    owned: Vec<(usize, AwsKeys)>,
    with_mfa: Vec<usize>,
    roles: Vec<(usize, String, AwsKeys)>,
}

impl Probes {
    /// Role profiles with MFA get their keys through the MFA cache (one code at most).
    fn through_mfa(
        &mut self,
        rows: &mut [CheckRow],
        files: &AwsFiles,
        region: &str,
        prompt: &Prompt,
        settings: MfaSettings,
    ) -> crate::Result<()> {
        if self.with_mfa.is_empty() {
            return Ok(());
        }
        let profiles: Vec<String> = self
            .with_mfa
            .iter()
            .map(|i| rows[*i].profile.clone())
            .collect();
        let failed =
            match mfa::profile_credentials(files, region, &profiles, prompt, settings, false) {
                Ok(made) => {
                    let made = self.with_mfa.iter().zip(made).map(|(i, m)| (*i, m.keys));
                    self.keys.extend(made);
                    return Ok(());
                }
                Err(error) => match error.downcast_ref::<MfaError>() {
                    Some(MfaError::NoSourceKeys { .. }) => Status::MissingKeys,
                    Some(MfaError::Aws(e)) => status_of(e),
                    // No terminal and no code on stdin: the table still shows the rest.
                    _ if matches!(
                        error.downcast_ref::<PromptError>(),
                        Some(PromptError::NoAnswer { .. })
                    ) =>
                    {
                        Status::NeedsMfaCode
                    }
                    _ => return Err(error),
                },
            };
        for index in &self.with_mfa {
            rows[*index].status = failed.clone();
        }
        Ok(())
    }

    /// Every call, up to 8 at a time.
    async fn run(self, region: &str) -> Vec<Answer> {
        let limit = Arc::new(tokio::sync::Semaphore::new(8));
        let mut tasks = tokio::task::JoinSet::new();
        let temporary = self.keys.into_iter().map(|(i, k)| (i, k, false));
        let owned = self.owned.into_iter().map(|(i, k)| (i, k, true));
        for (index, keys, own) in temporary.chain(owned) {
            let (limit, region) = (Arc::clone(&limit), region.to_string());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let client = Client::new(&keys, &region);
                let identity = client.caller_identity().await;
                let facts = match &identity {
                    Ok(who) if own => key_facts(&client, who, &keys.access_key_id).await,
                    _ => KeyFacts::default(),
                };
                (index, identity, facts)
            });
        }
        for (index, role_arn, keys) in self.roles {
            let (limit, region) = (Arc::clone(&limit), region.to_string());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let assumed = Client::new(&keys, &region)
                    .assume_role(&role_arn, "leverage-check", 900)
                    .await;
                let identity = match assumed {
                    Ok(role) => Client::new(&role.keys, &region).caller_identity().await,
                    Err(e) => Err(e),
                };
                (index, identity, KeyFacts::default())
            });
        }
        tasks.join_all().await
    }
}

/// The key's age and the user's MFA status, both from IAM with the user's own keys (a policy
/// may forbid either list; then that fact is unknown).
async fn key_facts(client: &Client, who: &CallerIdentity, key_id: &str) -> KeyFacts {
    let Some(user) = who.user_name() else {
        return KeyFacts::default();
    };
    let (keys, devices) = tokio::join!(client.access_keys(user), client.mfa_device_serials(user));
    let now = chrono::Utc::now();
    KeyFacts {
        age_days: keys.ok().and_then(|keys| {
            keys.into_iter()
                .find(|k| k.access_key_id == key_id)
                .and_then(|k| k.created)
                .map(|created| (now - created).num_days())
        }),
        mfa: devices.ok().map(|serials| !serials.is_empty()),
    }
}

/// A warning for a key older than [`MAX_KEY_AGE_DAYS`].
fn age_warning(profile: &str, age_days: Option<i64>) -> Option<String> {
    let age = age_days.filter(|age| *age > MAX_KEY_AGE_DAYS)?;
    let kind = profile.rsplit('-').next().unwrap_or(profile).to_uppercase();
    Some(format!(
        "The access key of {profile} is {age} days old, more than the {MAX_KEY_AGE_DAYS} the CIS \
         benchmark allows: rotate it with `leverage credentials rotate --type {kind}`."
    ))
}

/// Whether the identity is the one the profile should give.
fn verdict(project: &Project, expected: Option<&str>, identity: &CallerIdentity) -> Status {
    let known = project
        .accounts
        .iter()
        .any(|a| a.id.as_deref() == Some(identity.account.as_str()));
    match expected {
        Some(expected) if expected != identity.account => Status::WrongAccount,
        _ if !known => Status::AccountNotInProject,
        _ => Status::Ok,
    }
}

fn access(config: &Ini, credentials: &Ini, name: &str) -> Access {
    let get = |key: &str| mfa::profile_setting(config, name, key);
    if get("sso_start_url").is_some() {
        return Access::Sso;
    }
    match get("role_arn") {
        Some(_) if get("mfa_serial").is_some() => Access::RoleWithMfa,
        Some(role_arn) => Access::Role {
            role_arn: role_arn.to_string(),
            source: get("source_profile").and_then(|p| AwsKeys::stored_in(credentials, p)),
        },
        None => match AwsKeys::stored_in(credentials, name) {
            // SSO role credentials carry a session token.
            Some(keys) => Access::Keys(AwsKeys {
                session_token: credentials
                    .get(name, "aws_session_token")
                    .filter(|t| !t.is_empty())
                    .map(crate::ui::Secret::new),
                ..keys
            }),
            None => Access::Role {
                role_arn: String::new(),
                source: None,
            },
        },
    }
}

/// The account a profile should land in: the role's account, or for the key profiles the
/// account their user lives in.
fn expected_account(project: &Project, config: &Ini, name: &str) -> Option<String> {
    if let Some(id) = mfa::profile_setting(config, name, "sso_account_id") {
        return Some(id.to_string());
    }
    if let Some(arn) = mfa::profile_setting(config, name, "role_arn") {
        return arn
            .split(':')
            .nth(4)
            .filter(|id| !id.is_empty())
            .map(str::to_string);
    }
    let short = &project.short_name;
    let account = if *name == format!("{short}-management") || *name == format!("{short}-bootstrap")
    {
        "management"
    } else if *name == format!("{short}-security") {
        "security"
    } else {
        return None;
    };
    project.account(account).and_then(|a| a.id.clone())
}

fn status_of(error: &AwsError) -> Status {
    match error.code.as_deref() {
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired") => Status::Expired,
        _ if error.is_rejected_keys() => Status::KeysRejected,
        _ if error.is_access_denied() => Status::Denied,
        Some(code) => Status::Error(code.to_string()),
        None => Status::NoAnswer,
    }
}

/// The table `credentials check` prints.
pub fn table(rows: &[CheckRow]) -> String {
    let dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.profile.clone(),
                dash(&r.expected_account),
                dash(&r.account),
                dash(&r.arn),
                dash(&r.key_age_days.map(|d| format!("{d}d"))),
                dash(&r.mfa.map(|on| if on { "on" } else { "off" }.to_string())),
                r.status.to_string(),
            ]
        })
        .collect();
    let header = [
        "PROFILE", "EXPECTED", "ACCOUNT", "ARN", "KEY_AGE", "MFA", "STATUS",
    ];
    crate::ui::table::render(header, &cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_older_than_ninety_days_are_warned_about() {
        assert_eq!(age_warning("bb-management", Some(90)), None);
        assert_eq!(age_warning("bb-management", None), None);
        assert_eq!(
            age_warning("bb-security", Some(91)).unwrap(),
            "The access key of bb-security is 91 days old, more than the 90 the CIS benchmark \
             allows: rotate it with `leverage credentials rotate --type SECURITY`."
        );
    }
}
