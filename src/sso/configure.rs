//! `leverage aws configure sso`: `[default]` and `[profile <short>-sso]` from the project's
//! files, the login, then one `[profile <short>-sso-<account>]` per account the user can reach,
//! with upstream's keys and the AWS CLI's standard ones so the plain AWS CLI can use it too.

use super::login::{LoginOptions, login};
use super::portal::{Portal, PortalAccount};
use super::{Result, SsoError, SsoProject};
use crate::aws::{AwsFile, Ini};
use crate::project::{HclFile, Project};
use std::path::Path;

/// What the current account contributes to `[profile <short>-sso]`.
struct CurrentAccount {
    id: String,
    sso_role: String,
}

pub async fn configure(project: &Project, options: LoginOptions) -> Result<()> {
    let sso = SsoProject::of(project)?;
    let current = current_account(project)?;

    tracing::info!("Configuring default profile.");
    let sso_profile = sso.sso_profile();
    {
        let lock = sso.files.lock()?;
        let mut config = sso.files.read(AwsFile::Config)?;
        config.set("default", "region", &sso.region);
        config.set("default", "output", "json");
        tracing::info!("Configuring {sso_profile} profile.");
        let section = AwsFile::Config.section(&sso_profile);
        for (key, value) in [
            ("sso_start_url", sso.start_url.as_str()),
            ("sso_region", sso.sso_region.as_str()),
            ("sso_account_id", current.id.as_str()),
            ("sso_role_name", current.sso_role.as_str()),
            ("region", sso.region.as_str()),
        ] {
            config.set(&section, key, value);
        }
        sso.files.write(AwsFile::Config, &config, &lock)?;
    }

    let token = login(&sso, options).await?;

    tracing::info!("Storing account information.");
    tracing::info!("Fetching accounts and roles...");
    let portal = Portal::new(&sso.sso_region, &token.access_token);
    let accounts = portal.accounts().await.map_err(SsoError::from)?;
    let roles = roles_of(&portal, &accounts).await?;
    let lock = sso.files.lock()?;
    let mut config = sso.files.read(AwsFile::Config)?;
    for (account, roles) in accounts.iter().zip(roles) {
        let name = sso.short_account_name(&account.name);
        let wanted = sso_role_of(&project.root, name);
        let Some(role) = choose_role(&roles, wanted.as_deref()) else {
            tracing::warn!(
                "No role for you in account {} ({}); skipped.",
                account.name,
                account.id
            );
            continue;
        };
        let profile = sso.account_profile(name);
        tracing::info!("Adding profile {profile}");
        write_account_profile(&mut config, &sso, &profile, &account.id, role);
    }
    sso.files.write(AwsFile::Config, &config, &lock)?;
    tracing::info!("SSO profiles configured successfully.");
    Ok(())
}

fn write_account_profile(config: &mut Ini, sso: &SsoProject, profile: &str, id: &str, role: &str) {
    let section = AwsFile::Config.section(profile);
    for (key, value) in [
        ("role_name", role),
        ("account_id", id),
        ("sso_region", sso.sso_region.as_str()),
        ("sso_start_url", sso.start_url.as_str()),
        ("sso_account_id", id),
        ("sso_role_name", role),
        ("region", sso.region.as_str()),
    ] {
        config.set(&section, key, value);
    }
}

/// Every account's roles (all pages), several accounts at a time, in the accounts' order.
async fn roles_of(portal: &Portal, accounts: &[PortalAccount]) -> Result<Vec<Vec<String>>> {
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(super::concurrency()));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, account) in accounts.iter().enumerate() {
        let (portal, id, limit) = (portal.clone(), account.id.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (index, portal.roles(&id).await)
        });
    }
    let mut listed = tasks.join_all().await;
    listed.sort_by_key(|(index, _)| *index);
    let mut roles = Vec::new();
    for (_, result) in listed {
        roles.push(result.map_err(SsoError::from)?);
    }
    Ok(roles)
}

/// The account's `sso_role` when the user has it there (in the portal's spelling), else the
/// first role the portal lists.
fn choose_role<'a>(roles: &'a [String], wanted: Option<&str>) -> Option<&'a str> {
    wanted
        .and_then(|w| roles.iter().find(|r| r.eq_ignore_ascii_case(w)))
        .or(roles.first())
        .map(String::as_str)
}

/// `sso_role` in `<root>/<account>/config/account.tfvars`, when that file exists.
fn sso_role_of(root: &Path, account: &str) -> Option<String> {
    let path = root.join(account).join("config/account.tfvars");
    HclFile::read(&path)
        .ok()?
        .string("sso_role")
        .filter(|r| !r.is_empty())
}

/// The current account's id and `sso_role`; every missing piece is an error naming its file.
fn current_account(project: &Project) -> Result<CurrentAccount> {
    let directory = project.location.account().ok_or(SsoError::NotInAccount)?;
    let path = project.root.join(directory).join("config/account.tfvars");
    let account_file = HclFile::read(&path)?;
    let sso_role = account_file
        .string("sso_role")
        .filter(|r| !r.is_empty())
        .ok_or(SsoError::NoSsoRole { path })?;
    let name = account_file
        .string("environment")
        .unwrap_or_else(|| directory.to_string());
    let id = account_id(project, &name).ok_or(SsoError::NoAccountId { account: name })?;
    Ok(CurrentAccount { id, sso_role })
}

/// `accounts.<name>.id` (and the other places the project keeps ids), else the reference
/// architecture v2's `organization.accounts.<name>.id` or
/// `organization.organizational_units.<ou>.accounts.<name>.id`.
fn account_id(project: &Project, name: &str) -> Option<String> {
    if let Some(id) = project.account(name).and_then(|a| a.id.clone()) {
        return Some(id);
    }
    let common = project.common.as_ref()?;
    organization_account_id(common, name)
}

fn organization_account_id(common: &HclFile, name: &str) -> Option<String> {
    common
        .value_at(&["organization", "accounts", name, "id"])
        .or_else(|| {
            common
                .keys_at(&["organization", "organizational_units"])
                .iter()
                .find_map(|ou| {
                    common.value_at(&[
                        "organization",
                        "organizational_units",
                        ou,
                        "accounts",
                        name,
                        "id",
                    ])
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_architecture_v2_ids_are_found_with_or_without_an_ou() {
        let common = HclFile::parse(
            Path::new("common.tfvars"),
            r#"
organization = {
  accounts = {
    management = { id = "111111111111" }
  }
  organizational_units = {
    security = {
      accounts = {
        security = { id = 222222222222 }
      }
    }
    apps = {
      accounts = {
        "apps-devstg" = { id = "444444444444" }
      }
    }
  }
}
sso_enabled = true
"#
            .into(),
        )
        .unwrap();
        assert_eq!(
            organization_account_id(&common, "management").as_deref(),
            Some("111111111111")
        );
        assert_eq!(
            organization_account_id(&common, "security").as_deref(),
            Some("222222222222")
        );
        assert_eq!(
            organization_account_id(&common, "apps-devstg").as_deref(),
            Some("444444444444")
        );
        assert_eq!(organization_account_id(&common, "shared"), None);
        assert_eq!(common.bool("sso_enabled"), Some(true));
    }

    #[test]
    fn the_accounts_sso_role_wins_when_the_user_has_it_else_the_first_role() {
        let roles = vec!["Administrator".to_string(), "DevOps".to_string()];
        assert_eq!(choose_role(&roles, Some("devops")), Some("DevOps"));
        assert_eq!(choose_role(&roles, Some("SecOps")), Some("Administrator"));
        assert_eq!(choose_role(&roles, None), Some("Administrator"));
        assert_eq!(choose_role(&[], Some("DevOps")), None);
    }
}
