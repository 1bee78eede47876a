//! `leverage credentials check` (SPEC §6): every profile of the project, tried for real with
//! STS GetCallerIdentity (role profiles through the MFA cache, so at most one code), in parallel.

use crate::aws::{AwsError, AwsFile, AwsFiles, AwsKeys, Client, Ini};
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
    pub status: String,
}

impl CheckRow {
    pub fn ok(&self) -> bool {
        self.status == "ok" || self.status == SSO_STATUS
    }
}

/// An SSO profile: its credentials come from `leverage aws sso login`, not from keys.
const SSO_STATUS: &str = "sso";

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
            status: String::new(),
        });
        match access(&config, &credentials, name) {
            Access::Sso => rows[index].status = SSO_STATUS.into(),
            Access::Keys(keys) => work.push((index, keys)),
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

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime can always be built");
    let results = runtime.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(8));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, keys) in work {
            let (limit, region) = (Arc::clone(&limit), region.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                (index, Client::new(&keys, &region).caller_identity().await)
            });
        }
        for (index, role_arn, keys) in roles {
            let (limit, region) = (Arc::clone(&limit), region.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let assumed = Client::new(&keys, &region)
                    .assume_role(&role_arn, "leverage-check", 900)
                    .await;
                let identity = match assumed {
                    Ok(role) => Client::new(&role.keys, &region).caller_identity().await,
                    Err(e) => Err(e),
                };
                (index, identity)
            });
        }
        tasks.join_all().await
    });
    for (index, result) in results {
        let row = &mut rows[index];
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

fn status_of(error: &AwsError) -> String {
    match error.code.as_deref() {
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired") => "expired".into(),
        _ if error.is_rejected_keys() => "denied (keys rejected)".into(),
        _ if error.is_access_denied() => "denied".into(),
        Some(code) => format!("error ({code})"),
        None => "error (no answer)".into(),
    }
}
