//! The state key of a layer's s3 backend: when `config.tf` declares `backend "s3"`
//! without `key`, `init` writes the one upstream derives from the layer's path.

use crate::project::HclFile;
use std::path::Path;

const BACKEND: &[(&str, &[&str])] = &[("terraform", &[]), ("backend", &["s3"])];

/// `<layer path relative to the root>/terraform.tfstate` with `base-`/`tools-` prefixes dropped
/// from each directory (`management/global/base-identities` → `management/global/identities/...`).
pub fn expected_key(layer: &Path) -> String {
    let parts: Vec<String> = layer
        .components()
        .map(|c| {
            let part = c.as_os_str().to_string_lossy();
            part.strip_prefix("base-")
                .or_else(|| part.strip_prefix("tools-"))
                .unwrap_or(&part)
                .to_string()
        })
        .collect();
    format!("{}/terraform.tfstate", parts.join("/"))
}

/// The key `config.tf` sets, if any.
pub fn current_key(layer_dir: &Path) -> Option<String> {
    HclFile::read(&layer_dir.join("config.tf"))
        .ok()?
        .block_string(BACKEND, "key")
}

/// Adds the expected key to an s3 backend that has none; `Some(key)` when config.tf changed.
/// Everything else in config.tf stays byte for byte.
pub fn ensure_key(layer_dir: &Path, layer: &Path) -> crate::Result<Option<String>> {
    let path = layer_dir.join("config.tf");
    if !path.is_file() {
        return Ok(None);
    }
    let mut config = HclFile::read(&path)?;
    let key = expected_key(layer);
    if !config.add_block_string(BACKEND, "key", &key)? {
        return Ok(None);
    }
    crate::atomic_file::write(&path, config.text(), crate::atomic_file::Mode::Keep)?;
    tracing::info!("Set the backend key {key} in {}", path.display());
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_tools_prefixes_are_dropped() {
        assert_eq!(
            expected_key(Path::new("management/global/base-identities")),
            "management/global/identities/terraform.tfstate"
        );
        assert_eq!(
            expected_key(Path::new("shared/us-east-1/tools-vpn-server")),
            "shared/us-east-1/vpn-server/terraform.tfstate"
        );
        assert_eq!(
            expected_key(Path::new("apps-devstg/us-east-1/k8s-eks")),
            "apps-devstg/us-east-1/k8s-eks/terraform.tfstate"
        );
    }
}
