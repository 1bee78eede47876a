//! The Leverage project on disk: where its root is, what its files say, and where the
//! current directory sits in it.

mod build_env;
mod error;
mod hcl;
mod location;
pub mod project_yaml;
mod root;
mod summary;

pub use build_env::BuildEnv;
pub use error::ProjectError;
pub use hcl::HclFile;
pub use location::{Location, account_of, has_terraform_files};
pub use project_yaml::ProjectYaml;
pub use root::find_root;

use crate::error::IoError;
use std::path::{Path, PathBuf};

/// One account of the organization, as the project's files describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub email: Option<String>,
    pub id: Option<String>,
}

/// Everything leverage needs to know about the project it runs in.
#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub cwd: PathBuf,
    pub env: BuildEnv,
    pub yaml: Option<ProjectYaml>,
    pub common: Option<HclFile>,
    /// Validated `^[a-z]{2,4}$`: it names `~/.aws/<short>/` and every profile.
    pub short_name: String,
    pub long_name: Option<String>,
    pub primary_region: Option<String>,
    pub secondary_region: Option<String>,
    /// common.tfvars accounts first, then project.yaml accounts not already there.
    pub accounts: Vec<Account>,
    pub location: Location,
}

/// The files a project is read from, relative to its root.
pub const PROJECT_YAML: &str = "project.yaml";
pub const BUILD_ENV: &str = "build.env";
pub const COMMON_TFVARS: &str = "config/common.tfvars";
/// Below an account directory: its backend settings, and the layer that defines its IAM users.
pub const BACKEND_TFVARS: &str = "config/backend.tfvars";
pub const BASE_IDENTITIES: &str = "global/base-identities";

/// The directory leverage runs in.
pub fn current_dir() -> Result<PathBuf, IoError> {
    std::env::current_dir().map_err(IoError::on("read", "the current directory"))
}

impl Project {
    /// The project around the current directory.
    pub fn load_here() -> Result<Project, ProjectError> {
        Project::load(&current_dir()?, |_| {})
    }

    /// Finds the project around `cwd` and reads its files; `announce` is called with upstream's
    /// wording before each file is read, so commands that show those steps can log them.
    pub fn load(cwd: &Path, mut announce: impl FnMut(&str)) -> Result<Project, ProjectError> {
        let cwd = cwd.canonicalize().map_err(IoError::on("read", cwd))?;
        let root = find_root(&cwd)?;
        warn_if_only_the_example(&root);

        announce("Loading configuration file.");
        let yaml_path = root.join(PROJECT_YAML);
        let yaml = if yaml_path.is_file() {
            Some(ProjectYaml::read(&yaml_path)?)
        } else {
            None
        };

        announce("Loading project environment configuration file.");
        let env = BuildEnv::load(&root, &cwd)?;

        announce("Loading Terraform common configuration.");
        let common_path = root.join(COMMON_TFVARS);
        let common = if common_path.is_file() {
            Some(HclFile::read(&common_path)?)
        } else {
            None
        };

        let short_name = short_name(yaml.as_ref(), &env, common.as_ref())?;
        let long_name = yaml
            .as_ref()
            .and_then(|y| y.project_name.clone())
            .or_else(|| common.as_ref().and_then(|c| c.string("project_long")));
        let primary_region = yaml
            .as_ref()
            .and_then(|y| y.primary_region.clone())
            .or_else(|| {
                common
                    .as_ref()
                    .and_then(|c| c.string("region_primary").or_else(|| c.string("region")))
            });
        let secondary_region = yaml
            .as_ref()
            .and_then(|y| y.secondary_region.clone())
            .or_else(|| common.as_ref().and_then(|c| c.string("region_secondary")));
        let accounts = merge_accounts(common.as_ref(), yaml.as_ref());
        let location = Location::classify(&root, &cwd);

        Ok(Project {
            root,
            cwd,
            env,
            yaml,
            common,
            short_name,
            long_name,
            primary_region,
            secondary_region,
            accounts,
            location,
        })
    }

    /// `MFA_ENABLED` from the layered build.env files.
    pub fn mfa_enabled(&self) -> bool {
        self.env
            .get("MFA_ENABLED")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The primary region, or a clear error: AWS calls must never depend on `AWS_DEFAULT_REGION`.
    pub fn require_primary_region(&self) -> Result<&str, ProjectError> {
        self.primary_region
            .as_deref()
            .ok_or(ProjectError::NoPrimaryRegion)
    }

    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// `<root>/<account>/config/backend.tfvars`.
    pub fn backend_tfvars(&self, account: &str) -> PathBuf {
        self.root.join(account).join(BACKEND_TFVARS)
    }

    /// `<account>/global/base-identities`, relative to the root.
    pub fn base_identities(account: &str) -> PathBuf {
        Path::new(account).join(BASE_IDENTITIES)
    }
}

/// project.yaml `short_name`, else build.env `PROJECT`, else common.tfvars `project` (upstream order).
fn short_name(
    yaml: Option<&ProjectYaml>,
    env: &BuildEnv,
    common: Option<&HclFile>,
) -> Result<String, ProjectError> {
    let candidates = [
        (
            yaml.and_then(|y| y.short_name.clone()),
            PROJECT_YAML,
            "short_name",
        ),
        (env.get("PROJECT").map(str::to_string), BUILD_ENV, "PROJECT"),
        (
            common.and_then(|c| c.string("project")),
            COMMON_TFVARS,
            "project",
        ),
    ];
    let (value, file, key) = candidates
        .into_iter()
        .find_map(|(v, f, k)| v.map(|v| (v, f, k)))
        .ok_or(ProjectError::NoShortName)?;
    if value.len() < 2 || value.len() > 4 || !value.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(ProjectError::BadShortName {
            value,
            file: file.to_string(),
            key: key.to_string(),
        });
    }
    Ok(value)
}

fn merge_accounts(common: Option<&HclFile>, yaml: Option<&ProjectYaml>) -> Vec<Account> {
    let mut accounts = common.map(HclFile::accounts).unwrap_or_default();
    for account in yaml.map(ProjectYaml::accounts).unwrap_or_default() {
        if !accounts.iter().any(|a| a.name == account.name) {
            accounts.push(account);
        }
    }
    // Older projects only have `<name>_account_id = "..."`; those ids fill the gaps.
    if let Some(common) = common {
        for account in &mut accounts {
            if account.id.as_deref().is_none_or(|id| !is_account_id(id)) {
                account.id = common.string(&format!("{}_account_id", account.name));
            }
        }
    }
    // A placeholder (the template ships "XXXXXXXXXXXX") is no id: it must never reach an ARN.
    for account in &mut accounts {
        account.id = account.id.take().filter(|id| is_account_id(id));
    }
    accounts
}

/// A fresh clone of the reference architecture has only `config/common.tfvars.example`: say
/// so, instead of showing every setting as unset.
fn warn_if_only_the_example(root: &Path) {
    let example = root.join("config/common.tfvars.example");
    if !root.join(COMMON_TFVARS).exists() && example.exists() {
        tracing::warn!(
            "{COMMON_TFVARS} is missing, so the project's names, regions and accounts are not \
             set: copy config/common.tfvars.example to {COMMON_TFVARS} and fill it in."
        );
    }
}

/// AWS account ids are exactly 12 digits.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}
