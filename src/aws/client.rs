//! The AWS calls leverage makes, through the official SDK, with keys held in memory.
//!
//! The region always comes from the project (never `AWS_DEFAULT_REGION`); endpoints follow the
//! standard `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL` variables (how tests reach moto);
//! throttling is retried with the SDK's standard backoff.

use crate::ui::Secret;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::fmt;
use std::time::Duration;

/// An access key pair, maybe with a session token; the secret parts never print.
#[derive(Clone, PartialEq)]
pub struct AwsKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

impl fmt::Debug for AwsKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsKeys")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl AwsKeys {
    /// The long-term keys `[profile]` holds in a credentials file, when both halves are there.
    pub fn stored_in(credentials: &crate::aws::Ini, profile: &str) -> Option<AwsKeys> {
        let access_key_id = credentials
            .get(profile, "aws_access_key_id")
            .filter(|v| !v.is_empty())?;
        let secret = credentials
            .get(profile, "aws_secret_access_key")
            .filter(|v| !v.is_empty())?;
        Some(AwsKeys {
            access_key_id: access_key_id.to_string(),
            secret_access_key: Secret::new(secret),
            session_token: None,
        })
    }
}

/// A failed AWS call: which operation, AWS's error code when there is one, and its message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation} failed: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct AwsError {
    pub operation: &'static str,
    pub code: Option<String>,
    pub message: String,
}

impl crate::error::Diagnostic for AwsError {}

impl AwsError {
    /// A successful answer that lacks a field leverage needs (`what`, as AWS names it).
    pub fn missing(operation: &'static str, what: &str) -> AwsError {
        AwsError {
            operation,
            code: None,
            message: format!("the response held no {what}"),
        }
    }

    /// AWS does not know the key, or the secret does not match it.
    pub fn is_rejected_keys(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some("InvalidClientTokenId" | "SignatureDoesNotMatch" | "UnrecognizedClientException")
        )
    }

    pub fn is_access_denied(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| c.starts_with("AccessDenied"))
    }
}

pub(crate) fn aws_error<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &error {
        SdkError::ServiceError(service) => {
            let (code, message) = match service.err().code() {
                Some(code) => (
                    Some(code.to_string()),
                    service.err().message().map(str::to_string),
                ),
                None => error_in_body(service.raw()),
            };
            let status = service.raw().status().as_u16();
            AwsError {
                operation,
                code,
                message: message
                    .unwrap_or_else(|| format!("HTTP {status} without an error message")),
            }
        }
        _ => AwsError {
            operation,
            code: None,
            message: no_answer(&error),
        },
    }
}

/// One sentence for a call that got no usable answer: what kind of failure, and the innermost
/// cause (e.g. "connection refused"), never the SDK's nested debug dump.
fn no_answer<E, R>(error: &SdkError<E, R>) -> String
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let kind = match error {
        SdkError::DispatchFailure(_) => "could not reach the AWS endpoint",
        SdkError::TimeoutError(_) => "the AWS endpoint did not answer in time",
        SdkError::ResponseError(_) => "the AWS endpoint's answer could not be read",
        SdkError::ConstructionFailure(_) => "the request could not be built",
        _ => "the call failed",
    };
    let mut cause: &(dyn std::error::Error + 'static) = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let innermost = cause.to_string();
    if innermost.is_empty() || std::ptr::addr_eq(cause, error as &dyn std::error::Error) {
        return format!("{kind} ({})", DisplayErrorContext(error));
    }
    format!("{kind}: {innermost}")
}

/// Code and message from an error body the SDK's parser did not recognise: some AWS-compatible
/// endpoints (moto's auth layer among them) wrap query errors as `<Errors><Error>`, which
/// botocore reads but the Rust SDK does not. Plain text search on purpose: it is a fallback.
fn error_in_body(raw: &HttpResponse) -> (Option<String>, Option<String>) {
    let body = raw
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let between = |open: &str, close: &str| {
        let start = body.find(open)? + open.len();
        let end = body[start..].find(close)? + start;
        Some(body[start..end].trim().to_string())
    };
    let code = between("<Code>", "</Code>").or_else(|| {
        between("\"__type\":\"", "\"").map(|t| t.rsplit('#').next().unwrap_or(&t).to_string())
    });
    let message = between("<Message>", "</Message>")
        .or_else(|| between("\"message\":\"", "\""))
        .or_else(|| between("\"Message\":\"", "\""));
    (code, message)
}

/// Who the keys belong to (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

impl CallerIdentity {
    /// The IAM user name in `arn:aws:iam::<id>:user[/path]/<name>`; None for roles.
    pub fn user_name(&self) -> Option<&str> {
        let resource = self.arn.splitn(6, ':').nth(5)?;
        let rest = resource.strip_prefix("user/")?;
        rest.rsplit('/').next().filter(|n| !n.is_empty())
    }
}

/// Keys that expire: from GetSessionToken or AssumeRole.
#[derive(Debug, Clone, PartialEq)]
pub struct TemporaryCredentials {
    pub keys: AwsKeys,
    pub expiration: chrono::DateTime<chrono::Utc>,
}

fn temporary(
    credentials: Option<aws_sdk_sts::types::Credentials>,
    operation: &'static str,
) -> Result<TemporaryCredentials, AwsError> {
    let c = credentials.ok_or_else(|| AwsError::missing(operation, "credentials"))?;
    let expiration =
        chrono::DateTime::from_timestamp(c.expiration.secs(), 0).ok_or_else(|| AwsError {
            operation,
            code: None,
            message: "the credentials' expiration is out of range".into(),
        })?;
    Ok(TemporaryCredentials {
        keys: AwsKeys {
            access_key_id: c.access_key_id,
            secret_access_key: Secret::new(c.secret_access_key),
            session_token: Some(Secret::new(c.session_token)),
        },
        expiration,
    })
}

/// One account of the organization (Organizations ListAccounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationAccount {
    pub name: String,
    pub email: Option<String>,
    pub id: String,
}

/// SDK clients for one set of keys in one region.
#[derive(Debug, Clone)]
pub struct Client {
    config: SdkConfig,
}

impl Client {
    pub fn new(keys: &AwsKeys, region: &str) -> Client {
        Client::build(keys, region, 5, Duration::from_secs(120))
    }

    /// For probing many endpoints at once: one try each, 15 s at most, so an endpoint that
    /// does not answer costs one timeout and the answer says what the endpoint did.
    pub fn probe(keys: &AwsKeys, region: &str) -> Client {
        Client::build(keys, region, 1, Duration::from_secs(15))
    }

    fn build(keys: &AwsKeys, region: &str, attempts: u32, timeout: Duration) -> Client {
        let credentials = Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.expose().to_string(),
            keys.session_token.as_ref().map(|t| t.expose().to_string()),
            None,
            "leverage",
        );
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .retry_config(RetryConfig::standard().with_max_attempts(attempts))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_timeout(timeout)
                    .build(),
            )
            .build();
        Client { config }
    }

    fn sts(&self) -> aws_sdk_sts::Client {
        let mut builder = aws_sdk_sts::config::Builder::from(&self.config);
        if let Some(url) = endpoint_url("STS") {
            builder = builder.endpoint_url(url);
        }
        aws_sdk_sts::Client::from_conf(builder.build())
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        let mut builder = aws_sdk_iam::config::Builder::from(&self.config);
        if let Some(url) = endpoint_url("IAM") {
            builder = builder.endpoint_url(url);
        }
        aws_sdk_iam::Client::from_conf(builder.build())
    }

    fn organizations(&self) -> aws_sdk_organizations::Client {
        let mut builder = aws_sdk_organizations::config::Builder::from(&self.config);
        if let Some(url) = endpoint_url("ORGANIZATIONS") {
            builder = builder.endpoint_url(url);
        }
        aws_sdk_organizations::Client::from_conf(builder.build())
    }

    pub async fn caller_identity(&self) -> Result<CallerIdentity, AwsError> {
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| aws_error("sts:GetCallerIdentity", e))?;
        Ok(CallerIdentity {
            account: out.account.unwrap_or_default(),
            arn: out.arn.unwrap_or_default(),
        })
    }

    /// STS GetSessionToken with an MFA code: credentials that satisfy `aws:MultiFactorAuthPresent`.
    pub async fn session_token(
        &self,
        mfa_serial: &str,
        code: &str,
        seconds: i32,
    ) -> Result<TemporaryCredentials, AwsError> {
        const OPERATION: &str = "sts:GetSessionToken";
        let out = self
            .sts()
            .get_session_token()
            .serial_number(mfa_serial)
            .token_code(code)
            .duration_seconds(seconds)
            .send()
            .await
            .map_err(|e| aws_error(OPERATION, e))?;
        temporary(out.credentials, OPERATION)
    }

    /// STS AssumeRole with these (session) keys.
    pub async fn assume_role(
        &self,
        role_arn: &str,
        session_name: &str,
        seconds: i32,
    ) -> Result<TemporaryCredentials, AwsError> {
        const OPERATION: &str = "sts:AssumeRole";
        let out = self
            .sts()
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .duration_seconds(seconds)
            .send()
            .await
            .map_err(|e| aws_error(OPERATION, e))?;
        temporary(out.credentials, OPERATION)
    }

    /// Every account of the organization, all pages.
    pub async fn list_accounts(&self) -> Result<Vec<OrganizationAccount>, AwsError> {
        let mut pages = self.organizations().list_accounts().into_paginator().send();
        let mut accounts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error("organizations:ListAccounts", e))?;
            for account in page.accounts.unwrap_or_default() {
                if let (Some(id), Some(name)) = (account.id, account.name) {
                    accounts.push(OrganizationAccount {
                        name,
                        email: account.email,
                        id,
                    });
                }
            }
        }
        Ok(accounts)
    }

    /// Serial numbers of the user's MFA devices.
    pub async fn mfa_device_serials(&self, user_name: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .iam()
            .list_mfa_devices()
            .user_name(user_name)
            .into_paginator()
            .send();
        let mut serials = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error("iam:ListMFADevices", e))?;
            serials.extend(page.mfa_devices.into_iter().map(|d| d.serial_number));
        }
        Ok(serials)
    }

    /// IAM CreateVirtualMFADevice: a new, unassigned device named `name`, with its TOTP secret.
    pub async fn create_virtual_mfa_device(
        &self,
        name: &str,
    ) -> Result<VirtualMfaDevice, AwsError> {
        const OPERATION: &str = "iam:CreateVirtualMFADevice";
        let out = self
            .iam()
            .create_virtual_mfa_device()
            .virtual_mfa_device_name(name)
            .send()
            .await
            .map_err(|e| aws_error(OPERATION, e))?;
        let missing = |what: &str| AwsError::missing(OPERATION, what);
        let device = out.virtual_mfa_device.ok_or_else(|| missing("device"))?;
        let secret = device
            .base32_string_seed
            .map(|blob| blob.into_inner())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|secret| !secret.is_empty())
            .ok_or_else(|| missing("Base32StringSeed"))?;
        Ok(VirtualMfaDevice {
            serial: device.serial_number,
            secret: Secret::new(secret),
        })
    }

    /// IAM EnableMFADevice: assigns the device to the user with two consecutive codes.
    pub async fn enable_mfa_device(
        &self,
        user_name: &str,
        serial: &str,
        codes: (&str, &str),
    ) -> Result<(), AwsError> {
        self.iam()
            .enable_mfa_device()
            .user_name(user_name)
            .serial_number(serial)
            .authentication_code1(codes.0)
            .authentication_code2(codes.1)
            .send()
            .await
            .map_err(|e| aws_error("iam:EnableMFADevice", e))?;
        Ok(())
    }

    /// IAM DeleteVirtualMFADevice (AWS refuses it while the device is assigned).
    pub async fn delete_virtual_mfa_device(&self, serial: &str) -> Result<(), AwsError> {
        self.iam()
            .delete_virtual_mfa_device()
            .serial_number(serial)
            .send()
            .await
            .map_err(|e| aws_error("iam:DeleteVirtualMFADevice", e))?;
        Ok(())
    }

    /// IAM CreateAccessKey for `user_name`: a new active key pair.
    pub async fn create_access_key(&self, user_name: &str) -> Result<AwsKeys, AwsError> {
        const OPERATION: &str = "iam:CreateAccessKey";
        let out = self
            .iam()
            .create_access_key()
            .user_name(user_name)
            .send()
            .await
            .map_err(|e| aws_error(OPERATION, e))?;
        let key = out
            .access_key
            .ok_or_else(|| AwsError::missing(OPERATION, "access key"))?;
        Ok(AwsKeys {
            access_key_id: key.access_key_id,
            secret_access_key: Secret::new(key.secret_access_key),
            session_token: None,
        })
    }

    /// IAM UpdateAccessKey: marks the key active or inactive.
    pub async fn set_access_key_active(
        &self,
        user_name: &str,
        access_key_id: &str,
        active: bool,
    ) -> Result<(), AwsError> {
        use aws_sdk_iam::types::StatusType;
        self.iam()
            .update_access_key()
            .user_name(user_name)
            .access_key_id(access_key_id)
            .status(if active {
                StatusType::Active
            } else {
                StatusType::Inactive
            })
            .send()
            .await
            .map_err(|e| aws_error("iam:UpdateAccessKey", e))?;
        Ok(())
    }

    /// IAM DeleteAccessKey.
    pub async fn delete_access_key(
        &self,
        user_name: &str,
        access_key_id: &str,
    ) -> Result<(), AwsError> {
        self.iam()
            .delete_access_key()
            .user_name(user_name)
            .access_key_id(access_key_id)
            .send()
            .await
            .map_err(|e| aws_error("iam:DeleteAccessKey", e))?;
        Ok(())
    }

    /// IAM ListAccessKeys, all pages: the user's key ids, whether active, and when created.
    pub async fn access_keys(&self, user_name: &str) -> Result<Vec<AccessKeyInfo>, AwsError> {
        let mut pages = self
            .iam()
            .list_access_keys()
            .user_name(user_name)
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error("iam:ListAccessKeys", e))?;
            for key in page.access_key_metadata {
                let Some(access_key_id) = key.access_key_id else {
                    continue;
                };
                keys.push(AccessKeyInfo {
                    access_key_id,
                    active: key.status.as_ref().is_none_or(|s| s.as_str() == "Active"),
                    created: key
                        .create_date
                        .and_then(|d| chrono::DateTime::from_timestamp(d.secs(), 0)),
                });
            }
        }
        Ok(keys)
    }
}

/// A virtual MFA device just created: its serial (ARN) and the TOTP secret (base32) an
/// authenticator app needs; the secret never prints.
#[derive(Debug, Clone)]
pub struct VirtualMfaDevice {
    pub serial: String,
    pub secret: Secret,
}

/// One access key of a user (IAM ListAccessKeys): never the secret, which AWS keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyInfo {
    pub access_key_id: String,
    pub active: bool,
    pub created: Option<chrono::DateTime<chrono::Utc>>,
}

/// SDK settings for the APIs that take no AWS signature (IAM Identity Center's OIDC and
/// portal calls authenticate with their own tokens): region, timeouts and `attempts` tries.
pub(crate) fn unsigned_config(region: &str, attempts: u32) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_timeout(Duration::from_secs(60))
                .build(),
        )
        .build()
}

/// `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (the SDKs' shared rule).
pub(crate) fn endpoint_url(service: &str) -> Option<String> {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    set(&format!("AWS_ENDPOINT_URL_{service}")).or_else(|| set("AWS_ENDPOINT_URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_name_is_the_last_part_of_a_user_arn() {
        let who = |arn: &str| CallerIdentity {
            account: "1".into(),
            arn: arn.into(),
        };
        assert_eq!(
            who("arn:aws:iam::123456789012:user/natasha.romanoff").user_name(),
            Some("natasha.romanoff")
        );
        assert_eq!(
            who("arn:aws:iam::123456789012:user/division/team/bruce").user_name(),
            Some("bruce")
        );
        assert_eq!(
            who("arn:aws:sts::123456789012:assumed-role/DevOps/session").user_name(),
            None
        );
    }

    #[test]
    fn keys_never_print_their_secrets() {
        let keys = AwsKeys {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Some(Secret::new("FwoGZXIvYXdzEXAMPLETOKEN")),
        };
        let printed = format!("{keys:?}");
        assert!(
            !printed.contains("wJalr") && !printed.contains("FwoG"),
            "{printed}"
        );
    }
}
