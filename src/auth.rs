//! How a program run for some layers (terraform, the AWS CLI, kubectl, tfautomv) gets its AWS
//! credentials. The one place that decides: MFA temporary credentials in private files when
//! MFA_ENABLED is on; SSO role credentials in the project's own files when sso_enabled is on;
//! else the project's own files as they are.

use crate::aws::{AwsFile, AwsFiles};
use crate::mfa::layer_profiles::{LayerProfiles, Variables, layer_profiles};
use crate::mfa::{self, MfaSettings, PrivateFiles};
use crate::project::{HclFile, Project, account_of};
use crate::ui::Prompt;
use std::path::PathBuf;

/// Whether cached temporary credentials may be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Reuse what is still valid (every command).
    IfNeeded,
    /// Make new ones (`refresh-credentials`).
    Always,
}

/// The AWS files a child program reads. Keep it alive until the child exits: private MFA files
/// are removed on drop.
pub struct ChildCredentials {
    config: PathBuf,
    credentials: PathBuf,
    /// The profiles given temporary credentials (none with the project's own files).
    profiles: Vec<String>,
    _private: Option<PrivateFiles>,
}

impl ChildCredentials {
    /// The project's own `~/.aws/<short>/` files, as they are.
    pub fn project_files(project: &Project) -> crate::Result<ChildCredentials> {
        let files = AwsFiles::for_project(&project.short_name)?;
        Ok(ChildCredentials {
            config: files.path(AwsFile::Config),
            credentials: files.path(AwsFile::Credentials),
            profiles: Vec::new(),
            _private: None,
        })
    }

    /// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` for the child.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_CONFIG_FILE".into(), self.config.display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                self.credentials.display().to_string(),
            ),
        ]
    }

    pub fn profiles(&self) -> &[String] {
        &self.profiles
    }
}

/// Credentials for every profile that `layers` (relative to the root) use.
pub fn for_layers(
    project: &Project,
    layers: &[PathBuf],
    refresh: Refresh,
) -> crate::Result<ChildCredentials> {
    if crate::sso::enabled(project) {
        // SSO role credentials go where upstream puts them: the project's own files.
        let profiles = profiles_to_prepare(project, layers);
        let force = refresh == Refresh::Always;
        crate::runtime::block_on(crate::sso::layer_credentials(project, &profiles, force))?;
        return Ok(ChildCredentials {
            profiles,
            ..ChildCredentials::project_files(project)?
        });
    }
    if !project.mfa_enabled() {
        return ChildCredentials::project_files(project);
    }
    let profiles = profiles_to_prepare(project, layers);
    tracing::debug!("Profiles used by the layers: {}", profiles.join(", "));
    for_profiles(project, &profiles, refresh)
}

/// Credentials for `profiles` (e.g. the one a cluster's metadata names): with MFA on, temporary
/// ones in private files; otherwise the project's own files.
pub fn for_profiles(
    project: &Project,
    profiles: &[String],
    refresh: Refresh,
) -> crate::Result<ChildCredentials> {
    if !project.mfa_enabled() {
        return ChildCredentials::project_files(project);
    }
    let files = AwsFiles::for_project(&project.short_name)?;
    let region = project.require_primary_region()?;
    let settings = MfaSettings::from_env(&project.env)?;
    let force = refresh == Refresh::Always;
    let private =
        mfa::temporary_credentials(&files, region, profiles, &Prompt::detect(), settings, force)?;
    Ok(ChildCredentials {
        config: private.config.clone(),
        credentials: private.credentials.clone(),
        profiles: private.profiles.clone(),
        _private: Some(private),
    })
}

/// Every profile the layers name, in first-use order, without repeats, and the files that could
/// not be read. The caller says what an unread file means for it.
pub fn profiles_of(project: &Project, layers: &[PathBuf]) -> LayerProfiles {
    let mut all = LayerProfiles::default();
    for layer in layers {
        let backend_profile = backend_profile(project, &account_of(layer));
        let vars = Variables {
            project: &project.short_name,
            profile: backend_profile.as_deref(),
        };
        let found = layer_profiles(&project.root.join(layer), &vars);
        for profile in found.profiles {
            if !all.profiles.contains(&profile) {
                all.profiles.push(profile);
            }
        }
        all.unread.extend(found.unread);
    }
    all
}

/// [`profiles_of`] for a run: an unread file gets a warning, and terraform itself says what is
/// wrong with it.
fn profiles_to_prepare(project: &Project, layers: &[PathBuf]) -> Vec<String> {
    let found = profiles_of(project, layers);
    for error in &found.unread {
        tracing::warn!("{error}; the AWS profiles it names are not prepared for terraform");
    }
    found.profiles
}

/// `profile` of `<account>/config/backend.tfvars`, which `var.profile` stands for.
fn backend_profile(project: &Project, account: &str) -> Option<String> {
    HclFile::read(&project.backend_tfvars(account))
        .ok()
        .and_then(|f| f.string("profile"))
}
