//! What can go wrong with SSO, each as one line naming the file, profile, account or role, a
//! hint with the next step, and upstream's exit codes (40: no permission, 50: AWS refused).

use crate::aws::AwsError;
use crate::error::Diagnostic;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("config/common.tfvars has no {key}, which SSO needs")]
    NotConfigured { key: &'static str },
    #[error("`aws configure sso` needs an account: run it from an account or a layer directory")]
    NotInAccount,
    #[error("Missing SSO role in account config file {}", path.display())]
    NoSsoRole { path: PathBuf },
    #[error("Missing id for account {account} in config/common.tfvars")]
    NoAccountId { account: String },
    #[error("No AWS SSO token found. Please log in or configure SSO.")]
    NoToken,
    #[error("AWS SSO token has expired (at {expired_at} UTC)")]
    TokenExpired { expired_at: String },
    #[error("the SSO token file {} is not valid: {reason}", path.display())]
    BadTokenFile { path: PathBuf, reason: String },
    #[error("the sign-in request expired before it was approved in the browser")]
    LoginExpired,
    #[error("the sign-in request was denied in the browser")]
    LoginDenied,
    #[error("login interrupted")]
    Interrupted,
    #[error("Missing {profile} permission for account {account}")]
    MissingAccountProfile { profile: String, account: String },
    #[error("profile {profile} does not name an account and a role as <project>-<account>-<role>")]
    BadProfileName { profile: String },
    #[error(
        "User has no role matching {role} in account {account} ({account_id}); roles there: {available}"
    )]
    NoSuchRole {
        account: String,
        account_id: String,
        role: String,
        available: String,
    },
    #[error(
        "User does not have permission to assume role {role} in account {account} ({account_id})"
    )]
    Forbidden {
        account: String,
        account_id: String,
        role: String,
    },
    #[error(
        "could not get credentials for role {role} in account {account} ({account_id}): {source}"
    )]
    RoleCredentials {
        account: String,
        account_id: String,
        role: String,
        source: Box<AwsError>,
    },
    #[error("no account's credentials could be refreshed ({failed} failed)")]
    AllFailed { failed: usize },
    #[error("{0}")]
    Aws(#[from] AwsError),
    #[error(
        "this project signs in with AWS SSO (sso_enabled = true in config/common.tfvars): `{command}` does not apply"
    )]
    UsesSso { command: &'static str },
}

impl SsoError {
    /// The portal no longer accepts the access token (signed out elsewhere, or revoked).
    fn session_refused(&self) -> bool {
        let cause = match self {
            SsoError::Aws(e) => e,
            SsoError::RoleCredentials { source, .. } => source.as_ref(),
            _ => return false,
        };
        cause.code.as_deref() == Some("UnauthorizedException")
    }
}

const LOGIN: &str = "run `leverage aws sso login` and retry";

impl Diagnostic for SsoError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            SsoError::NotConfigured { .. } => {
                "set sso_start_url and sso_region in config/common.tfvars (your AWS access portal URL and its region)".into()
            }
            SsoError::NoSsoRole { .. } => {
                "add sso_role = \"<permission set name>\" to that file, e.g. sso_role = \"DevOps\"".into()
            }
            SsoError::NoAccountId { .. } => {
                "add the account's id to `accounts` in config/common.tfvars".into()
            }
            SsoError::NoToken | SsoError::TokenExpired { .. } => LOGIN.into(),
            SsoError::LoginExpired | SsoError::LoginDenied => {
                "run `leverage aws sso login` again and approve the request in the browser".into()
            }
            SsoError::MissingAccountProfile { .. } | SsoError::NoSuchRole { .. } => {
                "ask your administrator for access, or run `leverage aws configure sso` to list the accounts you can reach".into()
            }
            SsoError::Forbidden { .. } => {
                "check with your administrator or try running `leverage aws configure sso`".into()
            }
            SsoError::BadTokenFile { .. } => LOGIN.into(),
            SsoError::UsesSso { .. } => {
                "MFA is enforced by your identity provider when you run `leverage aws sso login`, and layers get role credentials from SSO; nothing was changed".into()
            }
            SsoError::Aws(_) | SsoError::RoleCredentials { .. } if self.session_refused() => {
                format!("the SSO session is no longer valid; {LOGIN}")
            }
            SsoError::AllFailed { .. } => {
                "the lines above say why each failed; `leverage aws configure sso` lists the accounts and roles you can reach".into()
            }
            _ => return None,
        })
    }

    /// 40 when the user lacks a permission, 50 when AWS refused otherwise, 130 for Ctrl-C
    /// (upstream's codes), 1 for the rest.
    fn exit_code(&self) -> i32 {
        match self {
            SsoError::MissingAccountProfile { .. }
            | SsoError::NoSuchRole { .. }
            | SsoError::Forbidden { .. } => 40,
            SsoError::Aws(_) | SsoError::RoleCredentials { .. } | SsoError::AllFailed { .. } => 50,
            SsoError::Interrupted => 130,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_session_asks_to_log_in_again_whichever_call_met_it() {
        let refused = || AwsError {
            operation: "sso:GetRoleCredentials",
            code: Some("UnauthorizedException".into()),
            message: "Session token not found or invalid".into(),
        };
        let role = SsoError::RoleCredentials {
            account: "shared".into(),
            account_id: "333333333333".into(),
            role: "DevOps".into(),
            source: Box::new(refused()),
        };
        for error in [SsoError::Aws(refused()), role] {
            assert_eq!(error.exit_code(), 50);
            assert_eq!(
                error.hint().as_deref(),
                Some("the SSO session is no longer valid; run `leverage aws sso login` and retry")
            );
        }
        let failing = SsoError::RoleCredentials {
            account: "shared".into(),
            account_id: "333333333333".into(),
            role: "DevOps".into(),
            source: Box::new(AwsError {
                code: Some("InternalServerException".into()),
                ..refused()
            }),
        };
        assert_eq!(failing.hint(), None);
    }
}
