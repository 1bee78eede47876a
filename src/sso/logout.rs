//! `leverage aws sso logout`: the portal's Logout, both token caches removed, and the role
//! credentials SSO wrote removed with their `expiration` keys; every other profile stays as it
//! was (upstream deleted the whole credentials file and left the expirations behind).

use super::portal::Portal;
use super::token::TokenCache;
use super::{Result, SsoProject};
use crate::atomic_file::Transaction;
use crate::aws::{AwsFile, AwsFiles};

/// Works offline: a failed Logout call is a warning, the local clean-up still happens.
pub async fn logout(sso: &SsoProject) -> Result<()> {
    let cache = TokenCache::new(&sso.files.dir, &sso.start_url);
    // A token file that cannot be read is still removed below.
    if let Ok(Some(token)) = cache.load() {
        tracing::debug!("Logging out of AWS SSO...");
        if let Err(e) = Portal::new(&sso.sso_region, &token.access_token)
            .logout()
            .await
        {
            tracing::warn!("Could not sign out with AWS ({e}); removing the local tokens anyway.");
        }
    }
    tracing::debug!("Removing SSO Tokens...");
    cache.remove(&cache.lock()?)?;
    tracing::debug!("Wiping current SSO credentials...");
    let removed = remove_role_credentials(&sso.files)?;
    tracing::debug!("Removed the credentials of {removed} profile(s).");
    tracing::info!(
        "Don't forget to log out of your AWS SSO start page {} and your external identity provider portal.",
        sso.start_url
    );
    Ok(())
}

/// Profiles whose config section has an `expiration` hold SSO role credentials: their
/// credentials section goes, and so does the `expiration` (and the config section when
/// nothing else is left in it). Returns how many profiles were cleaned.
fn remove_role_credentials(files: &AwsFiles) -> Result<usize> {
    let lock = files.lock()?;
    let mut config = files.read(AwsFile::Config)?;
    let mut credentials = files.read(AwsFile::Credentials)?;
    let sections: Vec<String> = config
        .sections()
        .filter(|s| config.get(s, "expiration").is_some())
        .map(str::to_string)
        .collect();
    let profiles: Vec<&str> = sections
        .iter()
        .map(|section| section.strip_prefix("profile ").unwrap_or(section))
        .collect();
    for (section, profile) in sections.iter().zip(&profiles) {
        credentials.remove_section(profile);
        config.remove(section, "expiration");
        if config.keys(section).is_empty() {
            config.remove_section(section);
        }
    }
    // The role credentials must not survive in credentials.bkp either.
    let mut transaction = Transaction::default();
    files.stage_removing_secrets(
        &mut transaction,
        AwsFile::Credentials,
        &credentials,
        &profiles,
    )?;
    files.stage(&mut transaction, AwsFile::Config, &config)?;
    transaction.commit()?;
    drop(lock);
    Ok(sections.len())
}
