//! The configure flow, step by step as upstream runs it (SPEC §3), with the seeds' log lines.
//! Differences from upstream: keys are checked with AWS *before* they are written, every file
//! is written atomically after a backup, and the first run on a fresh machine needs nothing.

use super::CredentialsError;
use super::keys::{check_key_id, check_secret, read_keys_file};
use crate::aws::{AwsFile, AwsFiles, AwsKeys, CallerIdentity, Client, Ini, OrganizationAccount};
use crate::project::{Account, PROJECT_YAML, Project, project_yaml};
use crate::ui::Prompt;
use std::path::{Path, PathBuf};
use tracing::{debug, info, warn};

/// Whose keys: the temporary bootstrap user, a management-account user, or a security-account user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialsKind {
    Bootstrap,
    Management,
    Security,
}

impl CredentialsKind {
    pub fn name(self) -> &'static str {
        match self {
            CredentialsKind::Bootstrap => "bootstrap",
            CredentialsKind::Management => "management",
            CredentialsKind::Security => "security",
        }
    }

    /// The role each account's profile assumes, and the profile-name suffix for it.
    fn role(self) -> (&'static str, &'static str) {
        match self {
            CredentialsKind::Bootstrap | CredentialsKind::Management => {
                ("OrganizationAccountAccessRole", "oaar")
            }
            CredentialsKind::Security => ("DevOps", "devops"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ConfigureOptions {
    pub kind: CredentialsKind,
    pub credentials_file: Option<PathBuf>,
    pub fetch_mfa_device: bool,
    pub overwrite_existing_credentials: bool,
    pub skip_access_keys_setup: bool,
    pub skip_assumable_roles_setup: bool,
}

const SKIP_OR_OVERWRITE: &str =
    "pass --skip-access-keys-setup or --overwrite-existing-credentials instead";
const KEYS_SOURCE: &str = "pass --credentials-file PATH instead";

/// Runs the whole flow. The AWS files stay locked from the first read to the last write.
pub async fn configure(
    project: &Project,
    files: &AwsFiles,
    options: &ConfigureOptions,
    prompt: &Prompt,
) -> Result<(), CredentialsError> {
    let kind = options.kind.name();
    let region = project.require_primary_region()?.to_string();
    let profile = format!("{}-{kind}", project.short_name);

    let lock = files.lock()?;
    let mut credentials = files.read(AwsFile::Credentials)?;
    let mut config = files.read(AwsFile::Config)?;
    let stored = AwsKeys::stored_in(&credentials, &profile);
    let already_configured = stored.is_some();

    let mut overwrite = options.overwrite_existing_credentials;
    if already_configured && !(options.skip_access_keys_setup || overwrite) {
        let extra = if options.skip_assumable_roles_setup {
            ""
        } else {
            " Continue on with assumable roles setup."
        };
        let skip = format!("Skip credentials configuration.{extra}");
        let question = format!("Credentials already configured for {profile}:");
        overwrite = prompt.select(
            &question,
            &[
                &skip,
                "Overwrite current credentials. Backups will be made.",
            ],
            SKIP_OR_OVERWRITE,
        )? == 1;
    }

    // Everything is learned first (keys checked, accounts listed, MFA device found) and only
    // then written, so a failure at any step leaves every file as it was.
    let mut identity = None;
    let (keys, keys_are_new) = match stored {
        Some(stored) if options.skip_access_keys_setup || !overwrite => (stored, false),
        _ if options.skip_access_keys_setup => {
            return Err(CredentialsError::NoStoredKeys {
                kind,
                profile,
                path: files.path(AwsFile::Credentials).display().to_string(),
            });
        }
        _ => {
            info!("Configuring {kind} credentials.");
            let keys = obtain_keys(options.credentials_file.as_deref(), prompt)?;
            let who = Client::new(&keys, &region)
                .caller_identity()
                .await
                .map_err(|error| {
                    if error.is_rejected_keys() {
                        CredentialsError::RejectedKeys { kind, error }
                    } else {
                        CredentialsError::Unverified { kind, error }
                    }
                })?;
            debug!("The {kind} keys belong to {}", who.arn);
            identity = Some(who);
            (keys, true)
        }
    };
    let client = Client::new(&keys, &region);
    let mut accounts = project.accounts.clone();
    let mut skip_roles = options.skip_assumable_roles_setup;
    let mut management_id_for_yaml = None;

    if options.kind == CredentialsKind::Bootstrap && !already_configured {
        // First bootstrap run: the landing zone does not exist yet, but the caller's account
        // is, by definition, the management account.
        info!("Fetching management account id.");
        let who = known_identity(&mut identity, &client).await?;
        set_management_id(&mut accounts, &who.account);
        management_id_for_yaml = Some(who.account);
        skip_roles = true;
    }

    let mut profiles = None;
    if skip_roles {
        info!("Skipping assumable roles configuration.");
    } else {
        info!("Attempting to fetch organization accounts.");
        let organization = organization_accounts(
            options.kind,
            &keys,
            &credentials,
            &project.short_name,
            &region,
        )
        .await;
        debug!("Organization accounts fetched: {}", organization.len());
        // Management and bootstrap users live in the management account: their own account id
        // is its id, whatever the organization calls it.
        if matches!(
            options.kind,
            CredentialsKind::Management | CredentialsKind::Bootstrap
        ) && accounts
            .iter()
            .any(|a| a.name == "management" && a.id.is_none())
        {
            let who = known_identity(&mut identity, &client).await?;
            set_management_id(&mut accounts, &who.account);
        }
        merge_organization(&mut accounts, &organization, project.long_name.as_deref());

        if accounts.iter().all(|a| a.id.is_none()) {
            info!(
                "No organization has been created yet or no accounts were configured. Skipping assumable roles configuration."
            );
        } else {
            info!("Configuring assumable roles.");
            let mfa_serial = if options.fetch_mfa_device {
                info!("Fetching MFA device serial.");
                let who = known_identity(&mut identity, &client).await?;
                Some(mfa_serial(&client, &who, kind).await?)
            } else {
                None
            };
            profiles = Some(role_profiles(
                project,
                options.kind,
                &profile,
                &region,
                &accounts,
                mfa_serial.as_deref(),
            ));
        }
    }

    if keys_are_new {
        credentials.set(&profile, "aws_access_key_id", &keys.access_key_id);
        credentials.set(
            &profile,
            "aws_secret_access_key",
            keys.secret_access_key.expose(),
        );
        if already_configured {
            info!("Backing up credentials file.");
        }
        files.write(AwsFile::Credentials, &credentials, &lock)?;
        info!(
            "{} credentials configured in: {}",
            capitalized(kind),
            files.path(AwsFile::Credentials).display()
        );
    }
    if let Some(profiles) = profiles {
        if files.path(AwsFile::Config).exists() {
            info!("Backing up account profiles file.");
        }
        for (name, values) in &profiles {
            info!("\tConfiguring profile {name}");
            let section = AwsFile::Config.section(name);
            for (key, value) in values {
                config.set(&section, key, value);
            }
        }
        files.write(AwsFile::Config, &config, &lock)?;
        info!(
            "Account profiles configured in: {}",
            files.path(AwsFile::Config).display()
        );
    }
    if let Some(id) = management_id_for_yaml {
        record_in_project_yaml(project, &id)?;
    }
    record_in_common_tfvars(project, &accounts)?;
    Ok(())
}

/// From `--credentials-file`, or asked: a file path, or the key and (hidden) secret typed in.
fn obtain_keys(file: Option<&Path>, prompt: &Prompt) -> Result<AwsKeys, CredentialsError> {
    if let Some(file) = file {
        return Ok(read_keys_file(file)?);
    }
    let means = prompt.select(
        "Select the means by which you'll provide the programatic keys:",
        &["Path to an access keys file obtained from AWS", "Manually"],
        KEYS_SOURCE,
    )?;
    if means == 0 {
        let path = prompt.text("Path to access keys file:", KEYS_SOURCE, |p| {
            if Path::new(p).is_file() {
                Ok(())
            } else {
                Err(format!(
                    "{p} is not a file; give the path of the .csv file AWS gave you"
                ))
            }
        })?;
        return Ok(read_keys_file(Path::new(&path))?);
    }
    let access_key_id = prompt.text("Key:", KEYS_SOURCE, check_key_id)?;
    let secret_access_key = prompt.secret("Secret:", KEYS_SOURCE, check_secret)?;
    Ok(AwsKeys {
        access_key_id,
        secret_access_key,
        session_token: None,
    })
}

async fn known_identity(
    identity: &mut Option<CallerIdentity>,
    client: &Client,
) -> Result<CallerIdentity, CredentialsError> {
    if let Some(who) = identity {
        return Ok(who.clone());
    }
    let who = client.caller_identity().await?;
    *identity = Some(who.clone());
    Ok(who)
}

fn set_management_id(accounts: &mut Vec<Account>, id: &str) {
    match accounts.iter_mut().find(|a| a.name == "management") {
        Some(account) => account.id = Some(id.to_string()),
        None => accounts.insert(
            0,
            Account {
                name: "management".into(),
                email: None,
                id: Some(id.to_string()),
            },
        ),
    }
}

/// Writes the management account id into project.yaml, keeping the rest of the file.
fn record_in_project_yaml(project: &Project, id: &str) -> Result<(), CredentialsError> {
    let path = project.root.join(PROJECT_YAML);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    match project_yaml::set_account_id(&text, "management", id) {
        Ok(Some(edited)) if edited != text => {
            info!("Updating project configuration file.");
            write_project_file(&path, &edited)
        }
        Ok(_) => Ok(()),
        Err(why) => {
            warn!(
                "Left {} unchanged: {why}. Add `id: \"{id}\"` to the management account there by hand.",
                path.display()
            );
            Ok(())
        }
    }
}

/// `<name>_account_id` and the `accounts` map in config/common.tfvars.
fn record_in_common_tfvars(
    project: &Project,
    accounts: &[Account],
) -> Result<(), CredentialsError> {
    let Some(common) = &project.common else {
        return Ok(());
    };
    let mut common = common.clone();
    if common.record_account_ids(accounts)? {
        info!("Updating project's Terraform common configuration.");
        write_project_file(&common.path, common.text())?;
    }
    Ok(())
}

fn write_project_file(path: &Path, text: &str) -> Result<(), CredentialsError> {
    crate::atomic_file::write_keeping_mode(path, text).map_err(|source| {
        CredentialsError::Files(crate::aws::AwsFilesError::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        })
    })
}

/// The organization's accounts, listed with keys allowed to: SECURITY users cannot, so the
/// management (else bootstrap) keys are used for them. A failure falls back to the project's ids.
async fn organization_accounts(
    kind: CredentialsKind,
    keys: &AwsKeys,
    credentials: &Ini,
    short: &str,
    region: &str,
) -> Vec<OrganizationAccount> {
    let lister = match kind {
        CredentialsKind::Security => ["management", "bootstrap"].iter().find_map(|k| {
            AwsKeys::stored_in(credentials, &format!("{short}-{k}")).map(|keys| (keys, *k))
        }),
        _ => Some((keys.clone(), kind.name())),
    };
    let Some((lister, lister_kind)) = lister else {
        warn!(
            "No management or bootstrap keys are configured to list the organization's accounts; using the account ids in the project's configuration."
        );
        return Vec::new();
    };
    match Client::new(&lister, region).list_accounts().await {
        Ok(accounts) => accounts,
        Err(error) => {
            warn!(
                "Could not list the organization's accounts with the {lister_kind} keys ({error}); using the account ids in the project's configuration."
            );
            Vec::new()
        }
    }
}

/// Takes organization ids for the project's accounts (names lose a `<project_name>-` prefix).
/// Accounts only the organization knows are named, not added: profiles follow the project.
fn merge_organization(
    accounts: &mut [Account],
    organization: &[OrganizationAccount],
    project_name: Option<&str>,
) {
    let prefix = project_name.map(|p| format!("{p}-"));
    let mut unknown = Vec::new();
    for listed in organization {
        let name = prefix
            .as_deref()
            .and_then(|p| listed.name.strip_prefix(p))
            .unwrap_or(&listed.name);
        if let Some(account) = accounts.iter_mut().find(|a| a.name == name) {
            account.id = Some(listed.id.clone());
        } else if !accounts
            .iter()
            .any(|a| a.id.as_deref() == Some(listed.id.as_str()))
        {
            unknown.push(name.to_string());
        }
    }
    if !unknown.is_empty() {
        info!(
            "The organization also has accounts the project does not list: {}.",
            unknown.join(", ")
        );
    }
}

/// The caller's virtual MFA device (`arn:aws:iam::<id>:mfa/<name>`).
async fn mfa_serial(
    client: &Client,
    who: &CallerIdentity,
    kind: &'static str,
) -> Result<String, CredentialsError> {
    let user = who.user_name().ok_or_else(|| CredentialsError::NotAUser {
        kind,
        arn: who.arn.clone(),
    })?;
    let serials = client.mfa_device_serials(user).await?;
    serials
        .into_iter()
        .find(|s| s.starts_with("arn:aws") && s.contains(":mfa/"))
        .ok_or_else(|| CredentialsError::NoMfaDevice {
            user: user.to_string(),
        })
}

/// `[profile <short>-<account>-<suffix>]` for every project account with an id (SPEC §2);
/// SECURITY users get no management profile (DevOps does not exist there).
fn role_profiles(
    project: &Project,
    kind: CredentialsKind,
    source_profile: &str,
    region: &str,
    accounts: &[Account],
    mfa_serial: Option<&str>,
) -> Vec<(String, Vec<(&'static str, String)>)> {
    let (role, suffix) = kind.role();
    let mut without_id = Vec::new();
    let mut profiles = Vec::new();
    for account in accounts {
        if kind == CredentialsKind::Security && account.name == "management" {
            continue;
        }
        let Some(id) = &account.id else {
            without_id.push(account.name.as_str());
            continue;
        };
        let mut values = vec![
            ("output", "json".to_string()),
            ("region", region.to_string()),
            ("role_arn", format!("arn:aws:iam::{id}:role/{role}")),
            ("source_profile", source_profile.to_string()),
        ];
        if let Some(serial) = mfa_serial {
            values.push(("mfa_serial", serial.to_string()));
        }
        profiles.push((
            format!("{}-{}-{suffix}", project.short_name, account.name),
            values,
        ));
    }
    if !without_id.is_empty() {
        warn!(
            "No account id known for {}: no profile written for them. Create them in the organization first.",
            without_id.join(", ")
        );
    }
    profiles
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
