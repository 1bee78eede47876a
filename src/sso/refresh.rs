//! `leverage aws sso refresh [--force]`: credentials for every `[profile <short>-sso-<account>]`
//! at once, into `<short>-<account>-<role>` as upstream names them; valid ones are skipped.

use super::portal::{Portal, is_forbidden};
use super::role_credentials::{self, Wanted};
use super::{Result, SsoError, SsoProject};
use crate::aws::{AwsError, AwsFile, Ini, TemporaryCredentials};
use chrono::Utc;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshSummary {
    pub refreshed: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// Refreshes every account; an error only when nothing could be refreshed or reused.
pub async fn refresh_all(sso: &SsoProject, force: bool) -> Result<RefreshSummary> {
    tracing::info!("Refreshing credentials for all accounts...");
    let config = sso.files.read(AwsFile::Config)?;
    let credentials = sso.files.read(AwsFile::Credentials)?;
    let accounts = account_profiles(sso, &config);
    if accounts.is_empty() {
        // As upstream: nothing to refresh is not a failure (`login --refresh-all` on a project
        // whose accounts were never listed has still logged in).
        tracing::warn!("No SSO account profiles found. Run 'leverage aws configure sso' first.");
        return Ok(RefreshSummary::default());
    }
    tracing::info!("Found {} account(s) to refresh.", accounts.len());
    let token = super::session::usable_token(sso).await?;

    let mut summary = RefreshSummary::default();
    let wanted = wanted_accounts(sso, (&config, &credentials), accounts, force, &mut summary);
    for account in &wanted {
        tracing::info!("Retrieving credentials for {} account...", account.account);
    }
    let portal = Portal::new(&sso.sso_region, &token.access_token);
    let made = keep_successes(role_credentials::fetch(&portal, wanted).await, &mut summary);
    role_credentials::store(&sso.files, &made)?;
    for (wanted, _) in &made {
        tracing::info!(
            "Credentials for {} account refreshed successfully.",
            wanted.account
        );
    }
    summary.refreshed = made.len();
    tracing::info!(
        "Credential refresh complete: {} refreshed, {} skipped, {} failed.",
        summary.refreshed,
        summary.skipped,
        summary.failed
    );
    if summary.failed > 0 && summary.refreshed == 0 && summary.skipped == 0 {
        return Err(SsoError::AllFailed {
            failed: summary.failed,
        }
        .into());
    }
    Ok(summary)
}

/// The accounts whose credentials to fetch: all with an account id and a role, skipping those
/// still valid unless `force`; the others are counted in `summary`.
fn wanted_accounts(
    sso: &SsoProject,
    (config, credentials): (&Ini, &Ini),
    accounts: Vec<(String, Option<String>, Option<String>)>,
    force: bool,
    summary: &mut RefreshSummary,
) -> Vec<Wanted> {
    let now = Utc::now();
    let mut wanted = Vec::new();
    for (account, account_id, role) in accounts {
        let (Some(account_id), Some(role)) = (account_id, role) else {
            tracing::error!(
                "Failed to refresh credentials for profile {}: it has no account_id or role_name.",
                sso.account_profile(&account)
            );
            summary.failed += 1;
            continue;
        };
        let profile = format!("{}-{account}-{}", sso.short_name, role.to_lowercase());
        if !force && role_credentials::still_valid(config, credentials, &profile, now) {
            tracing::info!("Credentials for {account} account are still valid, skipping.");
            summary.skipped += 1;
            continue;
        }
        wanted.push(Wanted {
            profile,
            account,
            account_id,
            role,
        });
    }
    wanted
}

/// `(account, account_id, role_name)` of every `[profile <short>-sso-<account>]`.
fn account_profiles(
    sso: &SsoProject,
    config: &Ini,
) -> Vec<(String, Option<String>, Option<String>)> {
    let prefix = format!("profile {}-sso-", sso.short_name);
    config
        .sections()
        .filter_map(|s| s.strip_prefix(&prefix).map(|a| (s, a)))
        .map(|(section, account)| {
            let get = |k: &str| config.get(section, k).map(str::to_string);
            (account.to_string(), get("account_id"), get("role_name"))
        })
        .collect()
}

/// The fetched credentials; each failure is logged and counted (a missing permission is a
/// warning, as upstream has it).
fn keep_successes(
    results: Vec<(Wanted, std::result::Result<TemporaryCredentials, AwsError>)>,
    summary: &mut RefreshSummary,
) -> Vec<(Wanted, TemporaryCredentials)> {
    let mut made = Vec::new();
    for (wanted, result) in results {
        match result {
            Ok(credentials) => made.push((wanted, credentials)),
            Err(e) if is_forbidden(&e) => {
                tracing::warn!(
                    "No permission to assume role {} in {} account. Skipping.",
                    wanted.role,
                    wanted.account
                );
                summary.failed += 1;
            }
            Err(e) => {
                tracing::error!(
                    "Failed to refresh credentials for {} account: {e}",
                    wanted.account
                );
                summary.failed += 1;
            }
        }
    }
    made
}
