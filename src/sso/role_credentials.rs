//! Role credentials from the portal, where upstream keeps them: `[<profile>]` in the project's
//! credentials file (key, secret, session token) and `expiration` (epoch ms) in
//! `[profile <profile>]` of its config. Reused until 30 minutes before they expire; fetched
//! concurrently; written in one locked, atomic read-modify-write of both files.

use super::Result;
use super::portal::Portal;
use crate::aws::{AwsError, AwsFile, AwsFiles, Ini, TemporaryCredentials};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Credentials with less than this left are fetched again (upstream's margin).
const MARGIN_MINUTES: i64 = 30;

/// One profile to fill: which account and role its credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub profile: String,
    /// The project's account name, for messages.
    pub account: String,
    pub account_id: String,
    pub role: String,
}

/// Whether `profile` has keys and an `expiration` more than 30 minutes away.
pub(crate) fn still_valid(
    config: &Ini,
    credentials: &Ini,
    profile: &str,
    now: DateTime<Utc>,
) -> bool {
    let expiration = config
        .get(&AwsFile::Config.section(profile), "expiration")
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis);
    let has_keys = [
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
    ]
    .iter()
    .all(|k| credentials.get(profile, k).is_some_and(|v| !v.is_empty()));
    has_keys && expiration.is_some_and(|e| e > now + chrono::Duration::minutes(MARGIN_MINUTES))
}

/// GetRoleCredentials for each, at most [`super::concurrency`] at a time; results in input
/// order.
pub(crate) async fn fetch(
    portal: &Portal,
    wanted: Vec<Wanted>,
) -> Vec<(Wanted, std::result::Result<TemporaryCredentials, AwsError>)> {
    let limit = Arc::new(tokio::sync::Semaphore::new(super::concurrency()));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, wanted) in wanted.into_iter().enumerate() {
        let (limit, portal) = (Arc::clone(&limit), portal.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            tracing::debug!("Retrieving role credentials for {}...", wanted.role);
            let result = portal
                .role_credentials(&wanted.account_id, &wanted.role)
                .await;
            (index, wanted, result)
        });
    }
    let mut results = tasks.join_all().await;
    results.sort_by_key(|(index, ..)| *index);
    results.into_iter().map(|(_, w, r)| (w, r)).collect()
}

/// Writes the credentials and their expirations, keeping everything else in both files.
pub(crate) fn store(files: &AwsFiles, made: &[(Wanted, TemporaryCredentials)]) -> Result<()> {
    if made.is_empty() {
        return Ok(());
    }
    let lock = files.lock()?;
    let mut config = files.read(AwsFile::Config)?;
    let mut credentials = files.read(AwsFile::Credentials)?;
    for (wanted, made) in made {
        tracing::info!("Writing {} profile", wanted.profile);
        config.set(
            &AwsFile::Config.section(&wanted.profile),
            "expiration",
            &made.expiration.timestamp_millis().to_string(),
        );
        let keys = &made.keys;
        credentials.set(&wanted.profile, "aws_access_key_id", &keys.access_key_id);
        credentials.set(
            &wanted.profile,
            "aws_secret_access_key",
            keys.secret_access_key.expose(),
        );
        if let Some(token) = &keys.session_token {
            credentials.set(&wanted.profile, "aws_session_token", token.expose());
        }
    }
    // Credentials first: a crash in between leaves an old expiration, so they are fetched again.
    files.write(AwsFile::Credentials, &credentials, &lock)?;
    files.write(AwsFile::Config, &config, &lock)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_reused_only_with_keys_and_more_than_30_minutes_left() {
        let now = Utc::now();
        let at = |minutes: i64| (now + chrono::Duration::minutes(minutes)).timestamp_millis();
        let config = |ms: i64| {
            Ini::parse(&format!("[profile bb-shared-devops]\nexpiration = {ms}\n")).unwrap()
        };
        let keys = Ini::parse(
            "[bb-shared-devops]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n",
        )
        .unwrap();
        assert!(still_valid(&config(at(31)), &keys, "bb-shared-devops", now));
        assert!(!still_valid(
            &config(at(29)),
            &keys,
            "bb-shared-devops",
            now
        ));
        assert!(!still_valid(
            &config(at(120)),
            &Ini::default(),
            "bb-shared-devops",
            now
        ));
        assert!(!still_valid(
            &Ini::default(),
            &keys,
            "bb-shared-devops",
            now
        ));
    }
}
