//! Credentials for the profiles a layer uses, on an SSO project: each `<short>-<account>-<role>`
//! gets credentials for that account and the role it names (matched case-insensitively among
//! the account's roles; upstream took the `-sso-` profile's role instead).

use super::portal::{Portal, is_forbidden};
use super::role_credentials::{self, Wanted};
use super::{Result, SsoError, SsoProject};
use crate::aws::{AwsError, AwsFile, Ini, TemporaryCredentials};
use crate::project::Project;
use chrono::Utc;

/// Makes sure every profile in `profiles` has valid credentials in the project's AWS files;
/// `force` fetches them even when the cached ones are still good.
pub async fn layer_credentials(project: &Project, profiles: &[String], force: bool) -> Result<()> {
    let sso = SsoProject::of(project)?;
    let token = super::session::usable_token(&sso).await?;
    let config = sso.files.read(AwsFile::Config)?;
    let credentials = sso.files.read(AwsFile::Credentials)?;
    let now = Utc::now();
    let mut unresolved = Vec::new();
    for profile in profiles {
        let (account, role) = split_profile(&sso.short_name, profile)?;
        tracing::info!("Attempting to get temporary credentials for {account} account.");
        if !force && role_credentials::still_valid(&config, &credentials, profile, now) {
            tracing::info!("Using already configured temporary credentials.");
            continue;
        }
        let (account_id, sso_role) = account_profile(&sso, &config, account)?;
        unresolved.push((
            Wanted {
                profile: profile.clone(),
                account: account.to_string(),
                account_id,
                role: role.to_string(),
            },
            sso_role,
        ));
    }
    if unresolved.is_empty() {
        return Ok(());
    }
    let portal = Portal::new(&sso.sso_region, &token.access_token);
    let wanted = resolve_roles(&portal, unresolved).await?;
    let (made, first_error) = split(role_credentials::fetch(&portal, wanted).await);
    role_credentials::store(&sso.files, &made)?;
    for (wanted, _) in &made {
        tracing::info!(
            "Credentials for {} account written successfully.",
            wanted.account
        );
    }
    match first_error {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

type Fetched = Vec<(Wanted, std::result::Result<TemporaryCredentials, AwsError>)>;

/// The credentials made, and the first failure as the error to end with (forbidden: exit 40).
fn split(results: Fetched) -> (Vec<(Wanted, TemporaryCredentials)>, Option<SsoError>) {
    let mut made = Vec::new();
    let mut first_error = None;
    for (wanted, result) in results {
        match result {
            Ok(credentials) => made.push((wanted, credentials)),
            Err(e) if is_forbidden(&e) => {
                first_error.get_or_insert(SsoError::Forbidden {
                    account: wanted.account,
                    account_id: wanted.account_id,
                    role: wanted.role,
                });
            }
            Err(source) => {
                first_error.get_or_insert(SsoError::RoleCredentials {
                    account: wanted.account,
                    account_id: wanted.account_id,
                    role: wanted.role,
                    source: Box::new(source),
                });
            }
        }
    }
    (made, first_error)
}

/// `bb-apps-devstg-devops` -> (`apps-devstg`, `devops`).
fn split_profile<'a>(short: &str, profile: &'a str) -> Result<(&'a str, &'a str), SsoError> {
    profile
        .strip_prefix(short)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.rsplit_once('-'))
        .filter(|(account, role)| !account.is_empty() && !role.is_empty())
        .ok_or_else(|| SsoError::BadProfileName {
            profile: profile.to_string(),
        })
}

/// The account id and role of `[profile <short>-sso-<account>]`, which `aws configure sso`
/// writes for every account the user can reach.
fn account_profile(
    sso: &SsoProject,
    config: &Ini,
    account: &str,
) -> Result<(String, String), SsoError> {
    let profile = sso.account_profile(account);
    let section = AwsFile::Config.section(&profile);
    let get = |keys: [&str; 2]| {
        keys.iter()
            .find_map(|k| config.get(&section, k).filter(|v| !v.is_empty()))
            .map(str::to_string)
    };
    match (
        get(["account_id", "sso_account_id"]),
        get(["role_name", "sso_role_name"]),
    ) {
        (Some(id), Some(role)) => Ok((id, role)),
        _ => Err(SsoError::MissingAccountProfile {
            profile,
            account: account.to_string(),
        }),
    }
}

/// The role each profile names, spelled as the portal spells it: the `-sso-` profile's role when
/// it matches, else a lookup among the account's roles (one ListAccountRoles per account).
async fn resolve_roles(portal: &Portal, unresolved: Vec<(Wanted, String)>) -> Result<Vec<Wanted>> {
    let mut lookups: Vec<String> = unresolved
        .iter()
        .filter(|(w, sso_role)| !w.role.eq_ignore_ascii_case(sso_role))
        .map(|(w, _)| w.account_id.clone())
        .collect();
    lookups.sort();
    lookups.dedup();
    let listed = list_roles_of(portal, &lookups).await;
    let mut wanted = Vec::new();
    for (mut w, sso_role) in unresolved {
        if w.role.eq_ignore_ascii_case(&sso_role) {
            w.role = sso_role;
            wanted.push(w);
            continue;
        }
        let roles = match listed.iter().find(|(id, _)| *id == w.account_id) {
            Some((_, Ok(roles))) => roles,
            Some((_, Err(e))) if is_forbidden(e) => &Vec::new(),
            Some((_, Err(e))) => return Err(SsoError::Aws(e.clone()).into()),
            None => &Vec::new(),
        };
        match roles.iter().find(|r| r.eq_ignore_ascii_case(&w.role)) {
            Some(role) => {
                w.role = role.clone();
                wanted.push(w);
            }
            None => {
                return Err(SsoError::NoSuchRole {
                    account: w.account,
                    account_id: w.account_id,
                    role: w.role,
                    available: if roles.is_empty() {
                        "none".into()
                    } else {
                        roles.join(", ")
                    },
                }
                .into());
            }
        }
    }
    Ok(wanted)
}

type Listed = Vec<(
    String,
    std::result::Result<Vec<String>, crate::aws::AwsError>,
)>;

/// ListAccountRoles for several accounts at once.
async fn list_roles_of(portal: &Portal, account_ids: &[String]) -> Listed {
    // As many calls at a time as the other SSO fan-outs: the portal throttles bursts.
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(super::concurrency()));
    let mut tasks = tokio::task::JoinSet::new();
    for id in account_ids {
        let (portal, id, limit) = (portal.clone(), id.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let roles = portal.roles(&id).await;
            (id, roles)
        });
    }
    tasks.join_all().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_splits_into_account_and_role_at_the_last_dash() {
        assert_eq!(
            split_profile("bb", "bb-apps-devstg-devops").unwrap(),
            ("apps-devstg", "devops")
        );
        assert_eq!(
            split_profile("bb", "bb-shared-oaar").unwrap(),
            ("shared", "oaar")
        );
        for bad in [
            "bb-bootstrap",
            "xx-shared-devops",
            "bb--devops",
            "bb-shared-",
        ] {
            assert!(split_profile("bb", bad).is_err(), "{bad}");
        }
    }
}
