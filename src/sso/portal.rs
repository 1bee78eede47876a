//! The SSO portal through the official SDK, with the user's access token: the accounts and roles
//! they can reach (every page), role credentials, and Logout. `AWS_ENDPOINT_URL_SSO` is honoured.

use crate::aws::client::{aws_error, endpoint_url, unsigned_config};
use crate::aws::{AwsError, AwsKeys, TemporaryCredentials};
use crate::ui::Secret;

/// An account the user can reach, as the organization names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortalAccount {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Portal {
    client: aws_sdk_sso::Client,
    token: Secret,
}

impl Portal {
    pub fn new(region: &str, access_token: &Secret) -> Portal {
        let mut builder = aws_sdk_sso::config::Builder::from(&unsigned_config(region, 5));
        if let Some(url) = endpoint_url("SSO") {
            builder = builder.endpoint_url(url);
        }
        Portal {
            client: aws_sdk_sso::Client::from_conf(builder.build()),
            token: access_token.clone(),
        }
    }

    /// ListAccounts, every page.
    pub async fn accounts(&self) -> Result<Vec<PortalAccount>, AwsError> {
        let mut pages = self
            .client
            .list_accounts()
            .access_token(self.token.expose())
            .into_paginator()
            .send();
        let mut accounts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error("sso:ListAccounts", e))?;
            for account in page.account_list.unwrap_or_default() {
                if let (Some(id), Some(name)) = (account.account_id, account.account_name) {
                    accounts.push(PortalAccount { id, name });
                }
            }
        }
        Ok(accounts)
    }

    /// ListAccountRoles for one account, every page, in the portal's order.
    pub async fn roles(&self, account_id: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .client
            .list_account_roles()
            .access_token(self.token.expose())
            .account_id(account_id)
            .into_paginator()
            .send();
        let mut roles = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error("sso:ListAccountRoles", e))?;
            roles.extend(
                page.role_list
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|r| r.role_name),
            );
        }
        Ok(roles)
    }

    /// GetRoleCredentials: temporary keys for `role` in `account_id`.
    pub async fn role_credentials(
        &self,
        account_id: &str,
        role: &str,
    ) -> Result<TemporaryCredentials, AwsError> {
        const OPERATION: &str = "sso:GetRoleCredentials";
        let out = self
            .client
            .get_role_credentials()
            .access_token(self.token.expose())
            .account_id(account_id)
            .role_name(role)
            .send()
            .await
            .map_err(|e| aws_error(OPERATION, e))?;
        let missing = || AwsError::missing(OPERATION, "complete role credentials");
        let c = out.role_credentials.ok_or_else(missing)?;
        let (Some(id), Some(secret), Some(session)) =
            (c.access_key_id, c.secret_access_key, c.session_token)
        else {
            return Err(missing());
        };
        Ok(TemporaryCredentials {
            keys: AwsKeys {
                access_key_id: id,
                secret_access_key: Secret::new(secret),
                session_token: Some(Secret::new(session)),
            },
            expiration: chrono::DateTime::from_timestamp_millis(c.expiration)
                .ok_or_else(missing)?,
        })
    }

    /// Logout: the portal forgets the access token.
    pub async fn logout(&self) -> Result<(), AwsError> {
        self.client
            .logout()
            .access_token(self.token.expose())
            .send()
            .await
            .map_err(|e| aws_error("sso:Logout", e))?;
        Ok(())
    }
}

/// Whether AWS said the user may not use that role (upstream's two codes).
pub(crate) fn is_forbidden(error: &AwsError) -> bool {
    matches!(
        error.code.as_deref(),
        Some("ForbiddenException" | "AccessDeniedException")
    )
}
