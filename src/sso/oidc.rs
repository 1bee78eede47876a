//! SSO-OIDC through the official SDK: RegisterClient, StartDeviceAuthorization and CreateToken
//! (device code and refresh token grants). `AWS_ENDPOINT_URL_SSO_OIDC` is honoured.

use super::token::Registration;
use crate::aws::AwsError;
use crate::aws::client::{aws_error, endpoint_url, unsigned_config};
use crate::ui::Secret;
use chrono::{DateTime, Utc};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const REFRESH_GRANT: &str = "refresh_token";
/// What the portal calls need; without it the token cannot list accounts or get credentials.
const SCOPE: &str = "sso:account:access";

/// A started device authorization: what the user types, and what leverage polls with.
#[derive(Debug)]
pub(crate) struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: Option<String>,
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    pub interval: u64,
}

/// A token CreateToken handed out.
#[derive(Debug)]
pub(crate) struct Grant {
    pub access_token: Secret,
    pub expires_in: i64,
    pub refresh_token: Option<Secret>,
}

/// How one device-code poll ended.
#[derive(Debug)]
pub(crate) enum Poll {
    Granted(Grant),
    Pending,
    SlowDown,
    Expired,
    Denied,
    Failed(AwsError),
}

#[derive(Debug, Clone)]
pub(crate) struct Oidc {
    client: aws_sdk_ssooidc::Client,
}

impl Oidc {
    pub fn new(region: &str) -> Oidc {
        // Three tries: polling is leverage's own loop, so only transport errors are retried.
        let mut builder = aws_sdk_ssooidc::config::Builder::from(&unsigned_config(region, 3));
        if let Some(url) = endpoint_url("SSO_OIDC") {
            builder = builder.endpoint_url(url);
        }
        Oidc {
            client: aws_sdk_ssooidc::Client::from_conf(builder.build()),
        }
    }

    /// A public client that may use the device code and refresh token grants.
    pub async fn register(&self, now: DateTime<Utc>) -> Result<Registration, AwsError> {
        const OPERATION: &str = "sso-oidc:RegisterClient";
        let out = self
            .client
            .register_client()
            .client_name(format!("leverage-{}", now.timestamp()))
            .client_type("public")
            .scopes(SCOPE)
            .grant_types(DEVICE_GRANT)
            .grant_types(REFRESH_GRANT)
            .send()
            .await
            .map_err(|e| aws_error(OPERATION, e))?;
        let missing = |what: &str| AwsError::missing(OPERATION, what);
        Ok(Registration {
            client_id: out.client_id.ok_or_else(|| missing("clientId"))?,
            client_secret: Secret::new(out.client_secret.ok_or_else(|| missing("clientSecret"))?),
            expires_at: DateTime::from_timestamp(out.client_secret_expires_at, 0)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        })
    }

    pub async fn start_device_authorization(
        &self,
        registration: &Registration,
        start_url: &str,
    ) -> Result<DeviceAuthorization, AwsError> {
        const OPERATION: &str = "sso-oidc:StartDeviceAuthorization";
        let out = self
            .client
            .start_device_authorization()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .start_url(start_url)
            .send()
            .await
            .map_err(|e| aws_error(OPERATION, e))?;
        let missing = |what: &str| AwsError::missing(OPERATION, what);
        Ok(DeviceAuthorization {
            device_code: Secret::new(out.device_code.ok_or_else(|| missing("deviceCode"))?),
            user_code: out.user_code.ok_or_else(|| missing("userCode"))?,
            verification_uri: out.verification_uri,
            verification_uri_complete: out.verification_uri_complete,
            expires_in: i64::from(out.expires_in),
            interval: u64::try_from(out.interval).unwrap_or(0),
        })
    }

    /// One CreateToken with the device code.
    pub async fn poll(&self, registration: &Registration, device: &DeviceAuthorization) -> Poll {
        let sent = self
            .client
            .create_token()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .grant_type(DEVICE_GRANT)
            .device_code(device.device_code.expose())
            .send()
            .await;
        match sent {
            Ok(out) => match grant(out) {
                Ok(grant) => Poll::Granted(grant),
                Err(e) => Poll::Failed(e),
            },
            Err(e) => {
                let error = aws_error("sso-oidc:CreateToken", e);
                match error.code.as_deref() {
                    Some("AuthorizationPendingException") => Poll::Pending,
                    Some("SlowDownException") => Poll::SlowDown,
                    Some("ExpiredTokenException") => Poll::Expired,
                    Some("AccessDeniedException") => Poll::Denied,
                    _ => Poll::Failed(error),
                }
            }
        }
    }

    /// CreateToken with the refresh token: a new access token without the browser.
    pub async fn refresh(
        &self,
        registration: &Registration,
        refresh_token: &Secret,
    ) -> Result<Grant, AwsError> {
        let out = self
            .client
            .create_token()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .grant_type(REFRESH_GRANT)
            .refresh_token(refresh_token.expose())
            .send()
            .await
            .map_err(|e| aws_error("sso-oidc:CreateToken", e))?;
        grant(out)
    }
}

fn grant(
    out: aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
) -> Result<Grant, AwsError> {
    Ok(Grant {
        access_token: Secret::new(
            out.access_token
                .ok_or_else(|| AwsError::missing("sso-oidc:CreateToken", "accessToken"))?,
        ),
        expires_in: i64::from(out.expires_in),
        refresh_token: out.refresh_token.map(Secret::new),
    })
}
