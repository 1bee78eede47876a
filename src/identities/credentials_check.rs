//! `leverage credentials check` (SPEC §6): every profile of the project, tried for real with
//! STS GetCallerIdentity (role profiles through the MFA cache, so at most one code), in parallel;
//! for profiles with keys of their own, also the key's age and whether the user has MFA.

use crate::aws::{AwsError, AwsFile, AwsFiles, AwsKeys, CallerIdentity, Client, Ini};
use crate::mfa::{self, MfaError, MfaSettings};
use crate::project::Project;
use crate::ui::Prompt;
use serde::Serialize;
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
    pub status: String,
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
        self.status == "ok"
    }
}

/// How to get a profile's keys.
enum Access {
    Keys(AwsKeys),
    RoleWithMfa,
    Role {
        role_arn: String,
        source: Option<AwsKeys>,
    },
}

/// Checks every profile in `~/.aws/<short>/credentials` and `config`, in that order.
pub fn check(
    project: &Project,
    files: &AwsFiles,
    prompt: &Prompt,
) -> Result<Vec<CheckRow>, MfaError> {
    let config = files.read(AwsFile::Config)?;
    let credentials = files.read(AwsFile::Credentials)?;
    let region = project.require_primary_region()?.to_string();
    let mut names: Vec<String> = credentials.sections().map(str::to_string).collect();
    for section in config.sections() {
        if let Some(name) = section.strip_prefix("profile ")
            && !name.ends_with("-mfa")
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
    }

    let mut rows = Vec::new();
    let mut work: Vec<(usize, AwsKeys)> = Vec::new();
    let mut owned: Vec<(usize, AwsKeys)> = Vec::new();
    let mut with_mfa: Vec<usize> = Vec::new();
    let mut roles: Vec<(usize, String, AwsKeys)> = Vec::new();
    for name in &names {
        let expected = expected_account(project, &config, name);
        let index = rows.len();
        rows.push(CheckRow {
            profile: name.clone(),
            expected_account: expected,
            account: None,
            arn: None,
            key_age_days: None,
            mfa: None,
            status: String::new(),
        });
        match access(&config, &credentials, name) {
            Access::Keys(keys) => owned.push((index, keys)),
            Access::RoleWithMfa => with_mfa.push(index),
            Access::Role {
                role_arn,
                source: Some(keys),
            } => roles.push((index, role_arn, keys)),
            Access::Role { source: None, .. } => rows[index].status = "missing keys".into(),
        }
    }

    if !with_mfa.is_empty() {
        let profiles: Vec<String> = with_mfa.iter().map(|i| rows[*i].profile.clone()).collect();
        match mfa::profile_credentials(
            files,
            &region,
            &profiles,
            prompt,
            MfaSettings::from_env(&project.env),
            false,
        ) {
            Ok(made) => work.extend(with_mfa.iter().zip(made).map(|(i, m)| (*i, m.keys))),
            Err(MfaError::NoSourceKeys { .. }) => with_mfa
                .iter()
                .for_each(|i| rows[*i].status = "missing keys".into()),
            Err(MfaError::Aws(e)) => with_mfa
                .iter()
                .for_each(|i| rows[*i].status = status_of(&e)),
            Err(e) => return Err(e),
        }
    }

    let results = run_checks(&region, work, owned, roles);
    for (index, result, facts) in results {
        let row = &mut rows[index];
        row.key_age_days = facts.age_days;
        row.mfa = facts.mfa;
        if let Some(warning) = age_warning(&row.profile, facts.age_days) {
            tracing::warn!("{warning}");
        }
        match result {
            Ok(identity) => {
                row.status = match &row.expected_account {
                    Some(expected) if *expected != identity.account => "wrong account".into(),
                    _ if !project
                        .accounts
                        .iter()
                        .any(|a| a.id.as_deref() == Some(identity.account.as_str())) =>
                    {
                        "account not in project".into()
                    }
                    _ => "ok".into(),
                };
                row.account = Some(identity.account);
                row.arn = Some(identity.arn);
            }
            Err(e) => row.status = status_of(&e),
        }
    }
    Ok(rows)
}

/// GetCallerIdentity for every profile, at most 8 at a time; role profiles assume their role
/// first, and profiles with keys of their own also ask IAM about the key and MFA.
fn run_checks(
    region: &str,
    work: Vec<(usize, AwsKeys)>,
    owned: Vec<(usize, AwsKeys)>,
    roles: Vec<(usize, String, AwsKeys)>,
) -> Vec<Answer> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime can always be built");
    runtime.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(8));
        let mut tasks = tokio::task::JoinSet::new();
        let keyed = work.into_iter().map(|(i, k)| (i, k, false));
        for (index, keys, own) in keyed.chain(owned.into_iter().map(|(i, k)| (i, k, true))) {
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
        for (index, role_arn, keys) in roles {
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
    })
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
        "The access key of {profile} is {age} days old, more than the {MAX_KEY_AGE_DAYS} the CIS benchmark allows: rotate it with `leverage credentials rotate --type {kind}`."
    ))
}

fn access(config: &Ini, credentials: &Ini, name: &str) -> Access {
    let get = |key: &str| mfa::profile_setting(config, name, key);
    match get("role_arn") {
        Some(_) if get("mfa_serial").is_some() => Access::RoleWithMfa,
        Some(role_arn) => Access::Role {
            role_arn: role_arn.to_string(),
            source: get("source_profile").and_then(|p| AwsKeys::stored_in(credentials, p)),
        },
        None => match AwsKeys::stored_in(credentials, name) {
            Some(keys) => Access::Keys(keys),
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

fn status_of(error: &AwsError) -> String {
    match error.code.as_deref() {
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired") => "expired".into(),
        _ if error.is_rejected_keys() => "denied (keys rejected)".into(),
        _ if error.is_access_denied() => "denied".into(),
        Some(code) => format!("error ({code})"),
        None => "error (no answer)".into(),
    }
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
            "The access key of bb-security is 91 days old, more than the 90 the CIS benchmark allows: rotate it with `leverage credentials rotate --type SECURITY`."
        );
    }
}
