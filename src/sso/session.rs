//! The token a command may use right now: read from the caches, its expiry compared in UTC,
//! and renewed silently with the stored refresh token instead of sending the user to the browser
//! (under the token's lock, so concurrent runs renew it once).

use super::oidc::Oidc;
use super::token::{Token, TokenCache};
use super::{Result, SsoError, SsoProject};
use chrono::{DateTime, Utc};

/// Renew a little before the end, so a command does not start with a token about to expire.
const RENEW_MARGIN_SECONDS: i64 = 60;

/// A valid token, renewed when needed; an error telling the user to log in otherwise. On error
/// no file is changed.
pub(crate) async fn usable_token(sso: &SsoProject) -> Result<Token> {
    let cache = TokenCache::new(&sso.files.dir, &sso.start_url);
    let token = cache.load()?.ok_or(SsoError::NoToken)?;
    if !needs_renewal(&token) {
        return Ok(token);
    }
    if !token.can_refresh(Utc::now()) {
        return Err(expired(&token).into());
    }
    // Blocking is fine here: nothing else runs on the command's current-thread runtime while
    // it waits for its token.
    let lock = cache.lock()?;
    // Another run may have renewed it while this one waited: its refresh token is spent, so
    // take the token it stored.
    let token = cache.load()?.ok_or(SsoError::NoToken)?;
    if !needs_renewal(&token) {
        tracing::debug!("Another leverage run renewed the SSO token; using it.");
        return Ok(token);
    }
    tracing::debug!("Renewing the SSO token...");
    let renewed = renew(sso, &token).await?;
    cache.store(&renewed, &lock)?;
    tracing::info!("Renewed the AWS SSO token with the stored refresh token.");
    Ok(renewed)
}

fn needs_renewal(token: &Token) -> bool {
    token.is_expired(Utc::now() + chrono::Duration::seconds(RENEW_MARGIN_SECONDS))
}

fn expired(token: &Token) -> SsoError {
    SsoError::TokenExpired {
        expired_at: token.expires_at.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

/// CreateToken with the stored refresh token; `TokenExpired` when there is none or it is
/// refused.
async fn renew(sso: &SsoProject, token: &Token) -> Result<Token> {
    let expired = || expired(token);
    let (Some(refresh_token), Some(registration)) = (&token.refresh_token, &token.registration)
    else {
        return Err(expired().into());
    };
    if !token.can_refresh(Utc::now()) {
        return Err(expired().into());
    }
    let grant = match Oidc::new(&sso.sso_region)
        .refresh(registration, refresh_token)
        .await
    {
        Ok(grant) => grant,
        Err(e) => {
            tracing::debug!("Could not renew the SSO token: {e}");
            return Err(expired().into());
        }
    };
    let renewed = super::login::token_from(sso, grant, registration.clone());
    // A refresh token may be single-use: keep the old one only when no new one came.
    Ok(Token {
        refresh_token: renewed
            .refresh_token
            .or_else(|| token.refresh_token.clone()),
        ..renewed
    })
}

/// What `credentials check` shows about the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStatus {
    Missing,
    Expired { refreshable: bool },
    Valid { expires_at: DateTime<Utc> },
}

/// The token's state, without network calls or changes.
pub fn token_status(sso: &SsoProject) -> Result<TokenStatus> {
    let Some(token) = TokenCache::new(&sso.files.dir, &sso.start_url).load()? else {
        return Ok(TokenStatus::Missing);
    };
    let now = Utc::now();
    Ok(if token.is_expired(now) {
        TokenStatus::Expired {
            refreshable: token.can_refresh(now),
        }
    } else {
        TokenStatus::Valid {
            expires_at: token.expires_at,
        }
    })
}

/// One log line about the token for `credentials check`: missing, expired, or the time left.
pub fn log_token_status(project: &crate::project::Project) -> Result<()> {
    let sso = SsoProject::of(project)?;
    match token_status(&sso)? {
        TokenStatus::Missing => {
            tracing::warn!("AWS SSO: not logged in; run `leverage aws sso login`.")
        }
        TokenStatus::Expired { refreshable: true } => {
            tracing::info!(
                "AWS SSO: the token has expired; leverage renews it with the refresh token on the next command."
            )
        }
        TokenStatus::Expired { refreshable: false } => {
            tracing::warn!("AWS SSO: the token has expired; run `leverage aws sso login`.")
        }
        TokenStatus::Valid { expires_at } => {
            let left = (expires_at - Utc::now()).num_minutes().max(0);
            tracing::info!(
                "AWS SSO: logged in to {}, token valid for {}h {:02}m (until {} UTC).",
                sso.start_url,
                left / 60,
                left % 60,
                expires_at.format("%Y-%m-%d %H:%M")
            );
        }
    }
    Ok(())
}
