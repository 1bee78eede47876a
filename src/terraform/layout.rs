//! `validate-layout`: the account and backend settings of a layer follow the
//! project's naming conventions, so state lands in the right bucket under the right key.

use super::backend_key;
use crate::project::{HclFile, Project};
use std::path::Path;

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass(String),
    /// Suspicious but not invalid.
    Warn(String),
    Fail(String),
}

/// Every check for the layer at `layer` (relative to the root) of `account`.
pub fn check(project: &Project, account: &str, layer: &Path) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    let account_dir = project.root.join(account);
    let short = &project.short_name;

    let account_tfvars = format!("{account}/config/account.tfvars");
    match HclFile::read(&account_dir.join("config/account.tfvars")) {
        Err(e) => verdicts.push(Verdict::Fail(format!("cannot read {account_tfvars}: {e}"))),
        Ok(file) => match file.string("environment") {
            None => verdicts.push(Verdict::Fail(format!("environment is not set in {account_tfvars}"))),
            Some(env) if env == account => verdicts.push(Verdict::Pass(format!("environment = \"{env}\" in {account_tfvars}"))),
            Some(env) => verdicts
                .push(Verdict::Warn(format!("environment = \"{env}\" in {account_tfvars} differs from the directory name {account}"))),
        },
    }

    let expected = backend_key::expected_key(layer);
    match backend_key::current_key(&project.root.join(layer)) {
        None => verdicts.push(Verdict::Pass(format!("backend key not set in config.tf; init will set {expected}"))),
        Some(key) if key_matches(&key, layer) => verdicts.push(Verdict::Pass(format!("backend key {key}"))),
        Some(key) => verdicts
            .push(Verdict::Fail(format!("backend key {key} in config.tf; expected {expected} (the region directory may be left out)"))),
    }

    let backend_tfvars = format!("{account}/config/backend.tfvars");
    let prefix = format!("{short}-{account}");
    match HclFile::read(&account_dir.join(crate::project::BACKEND_TFVARS)) {
        Err(e) => verdicts.push(Verdict::Fail(format!("cannot read {backend_tfvars}: {e}"))),
        Ok(file) => {
            for (key, alternatives) in [
                (
                    "profile",
                    vec![prefix.clone(), format!("{short}-bootstrap")],
                ),
                ("bucket", vec![prefix.clone()]),
                ("dynamodb_table", vec![prefix.clone()]),
            ] {
                match file.string(key) {
                    None => verdicts.push(Verdict::Fail(format!(
                        "{key} is not set in {backend_tfvars}"
                    ))),
                    Some(value) if alternatives.iter().any(|p| value.starts_with(p.as_str())) => {
                        verdicts.push(Verdict::Pass(format!(
                            "{key} = \"{value}\" in {backend_tfvars}"
                        )))
                    }
                    Some(value) => verdicts.push(Verdict::Fail(format!(
                        "{key} = \"{value}\" in {backend_tfvars} should start with {}",
                        alternatives
                            .iter()
                            .map(|a| format!("\"{a}\""))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ))),
                }
            }
        }
    }
    verdicts
}

/// A key is valid when it equals the expected key up to: the region (or `global`) directory left
/// out, `base-`/`tools-` prefixes, `terraform-`/`tf-` spelled either way, and a `-dr` suffix.
pub fn key_matches(key: &str, layer: &Path) -> bool {
    let parts: Vec<String> = layer
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let mut candidates = vec![parts.clone()];
    if parts.len() >= 3 {
        let mut without_region = parts.clone();
        without_region.remove(1);
        candidates.push(without_region);
    }
    let actual = normalize(
        key.trim_end_matches("/terraform.tfstate")
            .split('/')
            .map(str::to_string)
            .collect(),
    );
    candidates.into_iter().any(|c| normalize(c) == actual)
}

fn normalize(parts: Vec<String>) -> Vec<String> {
    parts
        .into_iter()
        .map(|part| {
            let part = part
                .strip_prefix("base-")
                .or_else(|| part.strip_prefix("tools-"))
                .unwrap_or(&part)
                .to_string();
            let part = part.strip_suffix("-dr").unwrap_or(&part).to_string();
            part.replace("terraform-", "tf-")
                .replace("-terraform", "-tf")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_with_the_upstream_allowances() {
        let layer = Path::new("management/us-east-1/base-tf-backend");
        for key in [
            "management/us-east-1/tf-backend/terraform.tfstate",
            "management/tf-backend/terraform.tfstate",
            "management/base-tf-backend/terraform.tfstate",
            "management/terraform-backend/terraform.tfstate",
            "management/tf-backend-dr/terraform.tfstate",
        ] {
            assert!(key_matches(key, layer), "{key}");
        }
        for key in [
            "security/tf-backend/terraform.tfstate",
            "management/us-east-1/other/terraform.tfstate",
            "management/terraform.tfstate",
        ] {
            assert!(!key_matches(key, layer), "{key}");
        }
    }
}
