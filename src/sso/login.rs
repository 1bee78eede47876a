//! `leverage aws sso login`: the OIDC device flow of our own (no AWS CLI v2 needed). Register a
//! public client, show the URL and code, open the browser, poll at the interval the service
//! asks for, then store the token in both caches.

use super::oidc::{DeviceAuthorization, Grant, Oidc, Poll};
use super::token::{Registration, Token, TokenCache};
use super::{Result, SsoError, SsoProject};
use chrono::Utc;
use std::time::Duration;

/// RFC 8628: after `slow_down`, poll this much less often.
const SLOW_DOWN_STEP: u64 = 5;

#[derive(Debug, Clone, Copy, Default)]
pub struct LoginOptions {
    /// Only print the URL and code (`--no-browser`).
    pub no_browser: bool,
}

/// Signs in with the device flow and stores the token; Ctrl-C ends it cleanly (exit 130).
pub async fn login(sso: &SsoProject, options: LoginOptions) -> Result<Token> {
    tracing::info!("Logging in...");
    let oidc = Oidc::new(&sso.sso_region);
    tracing::debug!("Registering client...");
    let registration = oidc.register(Utc::now()).await.map_err(SsoError::from)?;
    let device = oidc
        .start_device_authorization(&registration, &sso.start_url)
        .await
        .map_err(SsoError::from)?;
    // Caught before the code is shown: Ctrl-C (or SIGTERM) from then on ends the login cleanly.
    // The guard is dropped once the sign-in is done, so the signals act as usual afterwards.
    let mut guard = crate::ui::interrupt::Guard::install()
        .inspect_err(|e| tracing::debug!("Could not listen for Ctrl-C: {e}"))
        .ok();
    show_and_open(sso, &device, options);
    let interrupted = async {
        match guard.as_mut() {
            Some(guard) => guard.interrupted().await,
            None => std::future::pending().await,
        }
    };
    let grant = tokio::select! {
        grant = poll_until_done(&oidc, &registration, &device) => grant?,
        () = interrupted => return Err(SsoError::Interrupted.into()),
    };
    drop(guard);
    let token = token_from(sso, grant, registration);
    tracing::debug!(
        "Token expires at: {}",
        super::token::format_time(token.expires_at)
    );
    let cache = TokenCache::new(&sso.files.dir, &sso.start_url);
    let lock = cache.lock()?;
    cache.store(&token, &lock)?;
    tracing::info!("Successfully logged in!");
    Ok(token)
}

pub(crate) fn token_from(sso: &SsoProject, grant: Grant, registration: Registration) -> Token {
    Token {
        start_url: sso.start_url.clone(),
        region: sso.sso_region.clone(),
        access_token: grant.access_token,
        expires_at: Utc::now() + chrono::Duration::seconds(grant.expires_in),
        refresh_token: grant.refresh_token,
        registration: Some(registration),
    }
}

fn show_and_open(sso: &SsoProject, device: &DeviceAuthorization, options: LoginOptions) {
    let url = device
        .verification_uri
        .clone()
        .unwrap_or_else(|| format!("{}/#/device", sso.start_url.trim_end_matches('/')));
    let complete = device
        .verification_uri_complete
        .clone()
        .unwrap_or_else(|| format!("{url}?user_code={}", device.user_code));
    let opened = !options.no_browser && super::browser::open(&complete);
    if opened {
        tracing::info!(
            "Attempting to automatically open the SSO authorization page in your default browser."
        );
        tracing::info!(
            "If the browser does not open or you wish to use a different device to authorize this request, open the following URL:"
        );
    } else {
        tracing::info!("To authorize this request, open the following URL on any device:");
    }
    eprintln!("\n{url}\n\nThen enter the code:\n\n{}\n", device.user_code);
}

/// Polls CreateToken until the user approves or refuses, or the code expires.
async fn poll_until_done(
    oidc: &Oidc,
    registration: &Registration,
    device: &DeviceAuthorization,
) -> Result<Grant> {
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(device.expires_in.max(0) as u64);
    let mut interval = device.interval;
    loop {
        match oidc.poll(registration, device).await {
            Poll::Granted(grant) => return Ok(grant),
            Poll::Pending => {}
            Poll::SlowDown => interval += SLOW_DOWN_STEP,
            Poll::Expired => return Err(SsoError::LoginExpired.into()),
            Poll::Denied => return Err(SsoError::LoginDenied.into()),
            Poll::Failed(e) => return Err(SsoError::Aws(e).into()),
        }
        if tokio::time::Instant::now() + Duration::from_secs(interval) > deadline {
            return Err(SsoError::LoginExpired.into());
        }
        tokio::time::sleep(Duration::from_secs(interval)).await;
    }
}
