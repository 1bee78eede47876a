//! The configure flow, step by step as upstream runs it, with upstream's log lines.
//! Differences from upstream: keys are checked with AWS *before* they are written, every file
//! is written atomically after a backup, and the first run on a fresh machine needs nothing.

use super::CredentialsError;
use super::keys::{check_key_id, check_secret, read_keys_file};
use crate::atomic_file::{Mode, Transaction};
use crate::aws::files::FilesLock;
use crate::aws::{AwsFile, AwsFiles, AwsKeys, CallerIdentity, Client, Ini, OrganizationAccount};
use crate::exit_status::ExitStatus;
use crate::project::{Account, HclFile, PROJECT_YAML, Project, project_yaml};
use crate::ui::Prompt;
use std::path::{Path, PathBuf};
use tracing::{debug, info, warn};

/// Whose keys: the temporary bootstrap user, a management-account user, or a security-account
/// user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum CredentialsKind {
    /// The temporary keys used to deploy the landing zone.
    Bootstrap,
    /// A management-account user: roles are OrganizationAccountAccessRole.
    Management,
    /// A security-account user: roles are DevOps.
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

/// What `credentials configure` is asked to do.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigureOptions {
    /// Type of credentials to set.
    #[arg(long = "type", value_name = "TYPE", value_enum, ignore_case = true)]
    pub kind: CredentialsKind,
    /// The access keys CSV the AWS console downloads.
    #[arg(long, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
    /// Read the user's virtual MFA device and put its serial in every role profile.
    #[arg(long)]
    pub fetch_mfa_device: bool,
    /// Replace the keys already stored for this type (a backup is made).
    #[arg(long, conflicts_with = "skip_access_keys_setup")]
    pub overwrite_existing_credentials: bool,
    /// Keep the stored keys; only set up the assumable roles.
    #[arg(long)]
    pub skip_access_keys_setup: bool,
    /// Do not write the accounts' role profiles.
    #[arg(long)]
    pub skip_assumable_roles_setup: bool,
}

const SKIP_OR_OVERWRITE: &str =
    "pass --skip-access-keys-setup or --overwrite-existing-credentials instead";
const KEYS_SOURCE: &str = "pass --credentials-file PATH instead";

/// What one configure run has learned so far; every step reads and adds to it.
struct Configure<'a> {
    project: &'a Project,
    files: &'a AwsFiles,
    options: &'a ConfigureOptions,
    prompt: &'a Prompt,
    kind: &'static str,
    region: String,
    /// `<short>-<kind>`, where the keys live.
    profile: String,
    /// The caller behind the keys, once asked.
    identity: Option<CallerIdentity>,
}

/// What the run will write, decided before anything is written.
#[derive(Default)]
struct Changes {
    new_keys: Option<AwsKeys>,
    profiles: Option<Vec<RoleProfile>>,
    accounts: Vec<Account>,
    management_id_for_yaml: Option<String>,
}

type RoleProfile = (String, Vec<(&'static str, String)>);

/// `credentials configure` from the current directory.
pub fn run(options: &ConfigureOptions) -> crate::Result<ExitStatus> {
    if options.skip_access_keys_setup && options.skip_assumable_roles_setup {
        info!("Nothing to do. Exiting.");
        return Ok(ExitStatus::Success);
    }
    let project = Project::load(&crate::project::current_dir()?, |step| info!("{step}"))?;
    if crate::sso::enabled(&project) {
        warn!(
            "This project signs in with AWS SSO (sso_enabled = true in config/common.tfvars): \
             layers get role credentials from `leverage aws sso login`, not from these keys. Keys \
             configured here only serve bootstrapping and the profiles named after them."
        );
    }
    let files = AwsFiles::for_project(&project.short_name)?;
    let prompt = Prompt::detect();
    crate::runtime::block_on(configure(&project, &files, options, &prompt))?;
    Ok(ExitStatus::Success)
}

/// Runs the whole flow. Everything is asked and learned first (keys checked, accounts listed, MFA
/// device found) and only then written, so a failure at any step leaves every file as it was.
/// The files are locked after the questions, not during them (a `tf` run elsewhere is not held
/// up by a prompt), and written from a fresh read under the lock.
pub async fn configure(
    project: &Project,
    files: &AwsFiles,
    options: &ConfigureOptions,
    prompt: &Prompt,
) -> crate::Result<()> {
    let kind = options.kind.name();
    let mut run = Configure {
        project,
        files,
        options,
        prompt,
        kind,
        region: project.require_primary_region()?.to_string(),
        profile: format!("{}-{kind}", project.short_name),
        identity: None,
    };
    // A directory that cannot be made fails now, before any question.
    files.create_dir()?;
    let credentials = files.read(AwsFile::Credentials)?;
    let stored = AwsKeys::stored_in(&credentials, &run.profile);
    let seen = stored.clone();
    let already_configured = stored.is_some();
    let overwrite = run.overwrite_wanted(already_configured)?;
    let (keys, keys_are_new) = run.keys(stored, overwrite).await?;
    let mut changes = run.learn(&keys, &credentials, already_configured).await?;
    if keys_are_new {
        changes.new_keys = Some(keys);
    }
    let lock = files.lock()?;
    // What was decided rests on the keys seen before the questions: they must still be there,
    // unless ours replace whatever is there anyway (the flag says so, or they are the same).
    let now = AwsKeys::stored_in(&files.read(AwsFile::Credentials)?, &run.profile);
    let ours = changes.new_keys.as_ref();
    let replaced_anyway =
        ours.is_some() && (options.overwrite_existing_credentials || now.as_ref() == ours);
    if now != seen && !replaced_anyway {
        return Err(CredentialsError::ChangedMeanwhile {
            profile: run.profile.clone(),
            path: files.path(AwsFile::Credentials).display().to_string(),
        }
        .into());
    }
    run.write(&changes, already_configured, &lock)
}

impl Configure<'_> {
    /// Whether stored keys are to be replaced: the flag, or the user's answer.
    fn overwrite_wanted(&self, already_configured: bool) -> crate::Result<bool> {
        let options = self.options;
        if !already_configured
            || options.skip_access_keys_setup
            || options.overwrite_existing_credentials
        {
            return Ok(options.overwrite_existing_credentials);
        }
        let extra = if options.skip_assumable_roles_setup {
            ""
        } else {
            " Continue on with assumable roles setup."
        };
        let skip = format!("Skip credentials configuration.{extra}");
        let question = format!("Credentials already configured for {}:", self.profile);
        let overwrite = "Overwrite current credentials. Backups will be made.";
        Ok(self
            .prompt
            .select(&question, &[&skip, overwrite], SKIP_OR_OVERWRITE)?
            == 1)
    }

    /// The keys to work with, and whether they are new (checked with STS before anything else).
    async fn keys(
        &mut self,
        stored: Option<AwsKeys>,
        overwrite: bool,
    ) -> crate::Result<(AwsKeys, bool)> {
        let kind = self.kind;
        match stored {
            Some(stored) if self.options.skip_access_keys_setup || !overwrite => {
                return Ok((stored, false));
            }
            _ if self.options.skip_access_keys_setup => {
                return Err(CredentialsError::NoStoredKeys {
                    kind,
                    profile: self.profile.clone(),
                    path: self.files.path(AwsFile::Credentials).display().to_string(),
                }
                .into());
            }
            _ => {}
        }
        info!("Configuring {kind} credentials.");
        let keys = obtain_keys(self.options.credentials_file.as_deref(), self.prompt)?;
        let who = Client::new(&keys, &self.region)
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
        self.identity = Some(who);
        Ok((keys, true))
    }

    /// The accounts and role profiles to write.
    async fn learn(
        &mut self,
        keys: &AwsKeys,
        credentials: &Ini,
        already_configured: bool,
    ) -> crate::Result<Changes> {
        let client = Client::new(keys, &self.region);
        let mut changes = Changes {
            accounts: self.project.accounts.clone(),
            ..Changes::default()
        };
        let mut skip_roles = self.options.skip_assumable_roles_setup;
        if self.options.kind == CredentialsKind::Bootstrap && !already_configured {
            // First bootstrap run: the landing zone does not exist yet, but the caller's
            // account is, by definition, the management account.
            info!("Fetching management account id.");
            let who = self.identity(&client).await?;
            set_management_id(&mut changes.accounts, &who.account);
            changes.management_id_for_yaml = Some(who.account);
            skip_roles = true;
        }
        if skip_roles {
            info!("Skipping assumable roles configuration.");
        } else {
            self.learn_accounts(&client, keys, credentials, &mut changes.accounts)
                .await?;
            changes.profiles = self.role_profiles(&client, &changes.accounts).await?;
        }
        Ok(changes)
    }

    /// Account ids from the organization (and the caller, for management users).
    async fn learn_accounts(
        &mut self,
        client: &Client,
        keys: &AwsKeys,
        credentials: &Ini,
        accounts: &mut Vec<Account>,
    ) -> crate::Result<()> {
        info!("Attempting to fetch organization accounts.");
        let (short, region) = (&self.project.short_name, &self.region);
        let organization =
            organization_accounts(self.options.kind, keys, credentials, short, region).await;
        debug!("Organization accounts fetched: {}", organization.len());
        // Management and bootstrap users live in the management account: their own account id
        // is its id, whatever the organization calls it.
        let management_user = matches!(
            self.options.kind,
            CredentialsKind::Management | CredentialsKind::Bootstrap
        );
        if management_user {
            let who = self.identity(client).await?;
            let configured = accounts.iter().find(|a| a.name == "management");
            if let Some(id) = configured.and_then(|a| a.id.as_deref())
                && id != who.account
            {
                warn!(
                    "The project says the management account is {id}, but these keys belong to \
                     account {}: using {} (AWS's answer).",
                    who.account, who.account
                );
            }
            set_management_id(accounts, &who.account);
        }
        merge_organization(accounts, &organization, self.project.long_name.as_deref());
        if management_user {
            // The caller's account is the management account, whatever the listing says.
            let who = self.identity(client).await?;
            set_management_id(accounts, &who.account);
        }
        Ok(())
    }

    /// The role profiles for the accounts with an id, with the MFA serial when asked for.
    async fn role_profiles(
        &mut self,
        client: &Client,
        accounts: &[Account],
    ) -> crate::Result<Option<Vec<RoleProfile>>> {
        if accounts.iter().all(|a| a.id.is_none()) {
            info!(
                "No organization has been created yet or no accounts were configured. \
                 Skipping assumable roles configuration."
            );
            return Ok(None);
        }
        info!("Configuring assumable roles.");
        let mfa_serial = if self.options.fetch_mfa_device {
            info!("Fetching MFA device serial.");
            let who = self.identity(client).await?;
            Some(mfa_serial(client, &who, self.kind).await?)
        } else {
            None
        };
        Ok(Some(role_profiles(
            self.project,
            self.options.kind,
            &self.profile,
            &self.region,
            accounts,
            mfa_serial.as_deref(),
        )))
    }

    /// The caller behind the keys, asked once.
    async fn identity(&mut self, client: &Client) -> crate::Result<CallerIdentity> {
        if let Some(who) = &self.identity {
            return Ok(who.clone());
        }
        let who = client.caller_identity().await?;
        self.identity = Some(who.clone());
        Ok(who)
    }

    /// Writes what was decided (keys, role profiles, the project's account ids) all together
    /// or not at all, each file read afresh under the lock so that edits made while the
    /// questions were asked are kept.
    fn write(
        &self,
        changes: &Changes,
        already_configured: bool,
        _lock: &FilesLock,
    ) -> crate::Result<()> {
        let files = self.files;
        let mut transaction = Transaction::default();
        // Said once everything is in place, in the order the documentation shows.
        let mut notes = Vec::new();
        if let Some(keys) = &changes.new_keys {
            let mut credentials = files.read(AwsFile::Credentials)?;
            credentials.set(&self.profile, "aws_access_key_id", &keys.access_key_id);
            let secret = keys.secret_access_key.expose();
            credentials.set(&self.profile, "aws_secret_access_key", secret);
            if already_configured {
                notes.push("Backing up credentials file.".to_string());
            }
            files.stage(&mut transaction, AwsFile::Credentials, &credentials)?;
            let path = files.path(AwsFile::Credentials);
            let kind = capitalized(self.kind);
            notes.push(format!(
                "{kind} credentials configured in: {}",
                path.display()
            ));
        }
        if let Some(profiles) = &changes.profiles {
            let mut config = files.read(AwsFile::Config)?;
            if files.path(AwsFile::Config).exists() {
                notes.push("Backing up account profiles file.".into());
            }
            for (name, values) in profiles {
                notes.push(format!("\tConfiguring profile {name}"));
                let section = AwsFile::Config.section(name);
                for (key, value) in values {
                    config.set(&section, key, value);
                }
            }
            files.stage(&mut transaction, AwsFile::Config, &config)?;
            let path = files.path(AwsFile::Config);
            notes.push(format!(
                "Account profiles configured in: {}",
                path.display()
            ));
        }
        if let Some(id) = &changes.management_id_for_yaml {
            stage_project_yaml(&mut transaction, &mut notes, self.project, id)?;
        }
        stage_common_tfvars(
            &mut transaction,
            &mut notes,
            self.project,
            &changes.accounts,
        )?;
        transaction.commit()?;
        for note in notes {
            info!("{note}");
        }
        Ok(())
    }
}

/// From `--credentials-file`, or asked: a file path, or the key and (hidden) secret typed in.
fn obtain_keys(file: Option<&Path>, prompt: &Prompt) -> crate::Result<AwsKeys> {
    if let Some(file) = file {
        return Ok(read_keys_file(file)?);
    }
    let means = prompt.select(
        "Select the means by which you'll provide the programmatic keys:",
        &["Path to an access keys file obtained from AWS", "Manually"],
        KEYS_SOURCE,
    )?;
    if means == 0 {
        let path = prompt.text("Path to access keys file:", KEYS_SOURCE, |p| {
            if Path::new(p).is_file() {
                Ok(())
            } else {
                // Not echoed: people paste the secret here by mistake.
                Err(
                    "that is not the path of a file; give the path of the .csv file AWS gave \
                     you (the keys themselves go in with \"Manually\")"
                        .into(),
                )
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

/// The management account id into project.yaml, keeping the rest of the file.
fn stage_project_yaml(
    transaction: &mut Transaction,
    notes: &mut Vec<String>,
    project: &Project,
    id: &str,
) -> crate::Result<()> {
    let path = project.root.join(PROJECT_YAML);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    match project_yaml::set_account_id(&text, "management", id) {
        Ok(Some(edited)) if edited != text => {
            notes.push("Updating project configuration file.".into());
            stage_with_backup(transaction, &path, &text, &edited)
        }
        Ok(_) => Ok(()),
        Err(why) => {
            warn!(
                "Left {} unchanged: {why}. Add `id: \"{id}\"` to the management account there by \
                 hand.",
                path.display()
            );
            Ok(())
        }
    }
}

/// `<name>_account_id` and the `accounts` map in config/common.tfvars, read afresh.
fn stage_common_tfvars(
    transaction: &mut Transaction,
    notes: &mut Vec<String>,
    project: &Project,
    accounts: &[Account],
) -> crate::Result<()> {
    let path = project.root.join(crate::project::COMMON_TFVARS);
    if project.common.is_none() || !path.exists() {
        return Ok(());
    }
    let mut common = HclFile::read(&path)?;
    let before = common.text().to_string();
    if common.record_account_ids(accounts)? {
        notes.push("Updating project's Terraform common configuration.".into());
        stage_with_backup(transaction, &path, &before, common.text())?;
    }
    Ok(())
}

/// A project file and its `<name>.bkp`, as for the AWS files.
fn stage_with_backup(
    transaction: &mut Transaction,
    path: &Path,
    old: &str,
    new: &str,
) -> crate::Result<()> {
    let mut backup = path.as_os_str().to_owned();
    backup.push(".bkp");
    transaction.stage(Path::new(&backup), old, Mode::Keep)?;
    transaction.stage(path, new, Mode::Keep)?;
    Ok(())
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
            if let Some(old) = account.id.as_deref()
                && old != listed.id
            {
                warn!(
                    "The project says account {name} is {old}; the organization says {}: using \
                     the organization's id.",
                    listed.id
                );
            }
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
) -> crate::Result<String> {
    let user = who.user_name().ok_or_else(|| CredentialsError::NotAUser {
        kind,
        arn: who.arn.clone(),
    })?;
    let serials = client.mfa_device_serials(user).await?;
    let serial = serials
        .into_iter()
        .find(|s| s.starts_with("arn:aws") && s.contains(":mfa/"))
        .ok_or_else(|| CredentialsError::NoMfaDevice {
            user: user.to_string(),
        })?;
    Ok(serial)
}

/// `[profile <short>-<account>-<suffix>]` for every project account with an id;
/// SECURITY users get no management profile (DevOps does not exist there).
fn role_profiles(
    project: &Project,
    kind: CredentialsKind,
    source_profile: &str,
    region: &str,
    accounts: &[Account],
    mfa_serial: Option<&str>,
) -> Vec<RoleProfile> {
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
