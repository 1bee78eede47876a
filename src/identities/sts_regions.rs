//! `leverage identities sts-regions`: asks every regional STS endpoint of the partition who the
//! caller is, all at once, and compares the regions that answer with the ones the project
//! allows (`regions_allowed` in common.tfvars), so unused ones can be deactivated.

use crate::aws::regions::Partition;
use crate::aws::{AwsError, AwsFile, AwsFiles, AwsKeys, Client};
use crate::mfa::{self, MfaSettings};
use crate::project::Project;
use crate::ui::Prompt;
use hcl_edit::expr::Expression;
use serde::Serialize;
use std::sync::Arc;

/// How many endpoints are asked at the same time: more than a partition has regions, so the
/// whole check takes one round trip; the bound only guards against a much longer list.
const PARALLEL: usize = 48;

#[derive(Debug, thiserror::Error)]
pub enum StsRegionsError {
    #[error("no keys to ask STS with: none of {profiles} has keys in {}", path.display())]
    NoKeys {
        profiles: String,
        path: std::path::PathBuf,
    },
}

impl crate::error::Diagnostic for StsRegionsError {
    fn hint(&self) -> Option<String> {
        Some("store keys with `leverage credentials configure`, or pass --profile".into())
    }
}

/// What one region's endpoint said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StsStatus {
    Active,
    Inactive,
    NotOptedIn,
    /// No usable answer: the error code, or what went wrong on the way.
    Error(String),
}

impl std::fmt::Display for StsStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StsStatus::Active => f.write_str("active"),
            StsStatus::Inactive => f.write_str("inactive"),
            StsStatus::NotOptedIn => f.write_str("not opted in"),
            StsStatus::Error(why) => write!(f, "error ({why})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRow {
    pub region: String,
    pub status: StsStatus,
    pub allowed: bool,
}

/// The whole answer, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StsReport {
    pub profile: String,
    pub partition: &'static str,
    /// Where the allowed regions came from.
    pub allowed_from: &'static str,
    pub allowed: Vec<String>,
    pub regions: Vec<RegionRow>,
    pub active_not_allowed: Vec<String>,
    pub console_url: String,
}

impl StsReport {
    /// The table, then the active regions the project does not allow and where to turn them off.
    pub fn render(&self) -> String {
        let width = self
            .regions
            .iter()
            .map(|r| r.region.len())
            .max()
            .unwrap_or(0)
            .max(6);
        let mut out = format!("{:<width$}  {:<12}  ALLOWED\n", "REGION", "STS");
        for row in &self.regions {
            let allowed = if row.allowed { "yes" } else { "no" };
            let status = row.status.to_string();
            out.push_str(&format!(
                "{:<width$}  {status:<12}  {allowed}\n",
                row.region
            ));
        }
        if self.active_not_allowed.is_empty() {
            out.push_str("\nSTS is active only in allowed regions.\n");
        } else {
            out.push_str(&format!(
                "\nSTS is active in {} regions the project does not allow ({}):\n",
                self.active_not_allowed.len(),
                self.allowed_from
            ));
            for line in self.active_not_allowed.chunks(6) {
                out.push_str(&format!("  {}\n", line.join(", ")));
            }
            out.push_str(&format!(
                "Deactivate them under Security Token Service (STS) in IAM > Account settings:\n  {}\n",
                self.console_url
            ));
        }
        out
    }
}

/// Probes every region with the keys of `profile` (default: the first of the management,
/// security and bootstrap profiles that has keys; role profiles go through the MFA cache).
pub fn check(
    project: &Project,
    files: &AwsFiles,
    profile: Option<&str>,
    prompt: &Prompt,
) -> Result<StsReport, crate::error::Error> {
    let region = project.require_primary_region()?.to_string();
    let profile = match profile {
        Some(profile) => profile.to_string(),
        None => default_profile(project, files)?,
    };
    let made = mfa::profile_credentials(
        files,
        &region,
        std::slice::from_ref(&profile),
        prompt,
        MfaSettings::from_env(&project.env)?,
        false,
    )?;
    let keys = made
        .into_iter()
        .next()
        .map(|m| m.keys)
        .ok_or_else(|| StsRegionsError::NoKeys {
            profiles: profile.clone(),
            path: files.path(AwsFile::Credentials),
        })?;
    let partition = Partition::of(&region);
    let (allowed_from, allowed) = allowed_regions(project);
    tracing::info!(
        "Asking STS in {} regions with profile {profile}.",
        partition.regions.len()
    );
    let statuses = probe_all(&keys, partition);
    let regions: Vec<RegionRow> = statuses
        .into_iter()
        .map(|(name, status)| RegionRow {
            allowed: allowed.iter().any(|a| a == name),
            region: name.to_string(),
            status,
        })
        .collect();
    let active_not_allowed = regions
        .iter()
        .filter(|r| r.status == StsStatus::Active && !r.allowed)
        .map(|r| r.region.clone())
        .collect();
    Ok(StsReport {
        profile,
        partition: partition.name,
        allowed_from,
        allowed,
        regions,
        active_not_allowed,
        console_url: partition.sts_settings_url(),
    })
}

fn default_profile(project: &Project, files: &AwsFiles) -> Result<String, crate::error::Error> {
    let credentials = files.read(AwsFile::Credentials)?;
    let candidates: Vec<String> = ["management", "security", "bootstrap"]
        .iter()
        .map(|kind| format!("{}-{kind}", project.short_name))
        .collect();
    candidates
        .iter()
        .find(|p| AwsKeys::stored_in(&credentials, p).is_some())
        .cloned()
        .ok_or_else(|| {
            StsRegionsError::NoKeys {
                profiles: candidates.join(", "),
                path: files.path(AwsFile::Credentials),
            }
            .into()
        })
}

/// `regions_allowed = [...]` of common.tfvars, else the primary and secondary regions.
fn allowed_regions(project: &Project) -> (&'static str, Vec<String>) {
    let listed = project
        .common
        .as_ref()
        .and_then(|c| c.body().get_attribute("regions_allowed"))
        .and_then(|a| match &a.value {
            Expression::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        });
    match listed {
        Some(list) => ("regions_allowed", list),
        None => {
            tracing::info!(
                "config/common.tfvars has no regions_allowed: the allowed regions are region_primary and region_secondary."
            );
            let regions = [&project.primary_region, &project.secondary_region];
            let list = regions.into_iter().flatten().cloned().collect();
            ("region_primary/region_secondary", list)
        }
    }
}

/// GetCallerIdentity in every region of the partition, at most [`PARALLEL`] at a time.
fn probe_all(keys: &AwsKeys, partition: Partition) -> Vec<(&'static str, StsStatus)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime can always be built");
    let mut answers = runtime.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
        let mut tasks = tokio::task::JoinSet::new();
        for region in partition.regions {
            let (limit, keys) = (Arc::clone(&limit), keys.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let answer = Client::probe(&keys, region.name).caller_identity().await;
                (region.name, classify(answer.err().as_ref(), region.opt_in))
            });
        }
        tasks.join_all().await
    });
    answers.sort_by_key(|(name, _)| *name);
    answers
}

/// An unknown key in an opt-in region means the account has not enabled the region (AWS
/// answers InvalidClientTokenId there); a disabled STS endpoint answers RegionDisabledException.
fn classify(error: Option<&AwsError>, opt_in: bool) -> StsStatus {
    match error {
        None => StsStatus::Active,
        Some(e) if e.code.as_deref() == Some("RegionDisabledException") => StsStatus::Inactive,
        Some(e) if opt_in && e.is_rejected_keys() => StsStatus::NotOptedIn,
        Some(e) => StsStatus::Error(e.code.clone().unwrap_or_else(|| "no answer".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &str) -> AwsError {
        AwsError {
            operation: "sts:GetCallerIdentity",
            code: Some(code.into()),
            message: String::new(),
        }
    }

    #[test]
    fn answers_map_to_active_inactive_and_not_opted_in() {
        assert_eq!(classify(None, false), StsStatus::Active);
        let disabled = error("RegionDisabledException");
        assert_eq!(classify(Some(&disabled), false), StsStatus::Inactive);
        let unknown = error("InvalidClientTokenId");
        assert_eq!(classify(Some(&unknown), true), StsStatus::NotOptedIn);
        assert_eq!(
            classify(Some(&unknown), false),
            StsStatus::Error("InvalidClientTokenId".into())
        );
    }
}
