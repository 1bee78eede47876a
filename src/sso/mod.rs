//! AWS IAM Identity Center (SSO), for projects with `sso_enabled = true` in common.tfvars: the
//! device-flow login, the token caches, role credentials for layers, refresh and logout.
//!
//! See docs/behaviour.md for the files written; the AWS calls go through the official SDKs.

mod browser;
mod configure;
mod error;
mod layer;
mod login;
mod logout;
mod oidc;
mod portal;
mod refresh;
mod role_credentials;
mod session;
mod token;

pub use configure::configure;
pub use error::SsoError;
pub use layer::layer_credentials;
pub use login::{LoginOptions, login};
pub use logout::logout;
pub use refresh::refresh_all;
pub use session::log_token_status;

use crate::aws::AwsFiles;
use crate::project::Project;

/// Fallible SSO functions end with the crate's error: they also fail in the project's and the
/// AWS files' modules.
pub(crate) type Result<T, E = crate::Error> = std::result::Result<T, E>;

/// Whether common.tfvars has `sso_enabled = true`.
pub fn enabled(project: &Project) -> bool {
    project
        .common
        .as_ref()
        .and_then(|c| c.bool("sso_enabled"))
        .unwrap_or(false)
}

/// What every SSO command needs from the project.
#[derive(Debug, Clone)]
pub struct SsoProject {
    pub short_name: String,
    /// `project_long`: organization account names start with `<long>-`.
    pub long_name: Option<String>,
    pub start_url: String,
    pub sso_region: String,
    /// The region written to profiles: the primary region, else the SSO region.
    pub region: String,
    pub files: AwsFiles,
}

impl SsoProject {
    /// Reads `sso_start_url` and `sso_region` from common.tfvars; both are required.
    pub fn of(project: &Project) -> Result<SsoProject> {
        let common = |key: &'static str| {
            project
                .common
                .as_ref()
                .and_then(|c| c.string(key))
                .filter(|v| !v.trim().is_empty())
                .ok_or(SsoError::NotConfigured { key })
        };
        let start_url = common("sso_start_url")?;
        let sso_region = common("sso_region")?;
        let files = AwsFiles::for_project(&project.short_name)?;
        Ok(SsoProject {
            short_name: project.short_name.clone(),
            long_name: project.long_name.clone(),
            region: project
                .primary_region
                .clone()
                .unwrap_or_else(|| sso_region.clone()),
            start_url,
            sso_region,
            files,
        })
    }

    /// `<short>-sso`: the profile `aws configure sso` writes for the current account.
    pub fn sso_profile(&self) -> String {
        format!("{}-sso", self.short_name)
    }

    /// `<short>-sso-<account>`: one per account the user can reach.
    pub fn account_profile(&self, account: &str) -> String {
        format!("{}-sso-{account}", self.short_name)
    }

    /// The project's name for an organization account: `binbash-apps-devstg` -> `apps-devstg`.
    pub fn short_account_name<'a>(&self, organization_name: &'a str) -> &'a str {
        self.long_name
            .as_deref()
            .and_then(|long| organization_name.strip_prefix(long))
            .and_then(|rest| rest.strip_prefix('-'))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(organization_name)
    }
}

/// How many portal calls run at once: `LEVERAGE_SSO_CONCURRENCY`, default 10.
pub(crate) fn concurrency() -> usize {
    std::env::var("LEVERAGE_SSO_CONCURRENCY")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(10)
}
