//! `leverage kubectl discover`: the EKS clusters described by `metadata.yaml` files
//! (`type: k8s-eks-cluster`) below the current directory, one picked by the user or by
//! `--cluster`, then added to the project's kubeconfig with the AWS CLI.

use super::{AWS_INSTALL, KubectlError, child_env, kubeconfig, update_kubeconfig};
use crate::auth::{self, Refresh};
use crate::exit_status::ExitStatus;
use crate::process;
use crate::project::Project;
use crate::ui::Prompt;
use std::path::{Path, PathBuf};

const METADATA: &str = "metadata.yaml";
const CLUSTER_TYPE: &str = "k8s-eks-cluster";

/// A cluster found in a metadata file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The directory holding the metadata file.
    pub dir: PathBuf,
    pub name: String,
    pub region: String,
    pub profile: String,
}

#[derive(Debug, serde::Deserialize)]
struct ClusterData {
    cluster_name: String,
    region: String,
    profile: String,
}

/// `leverage kubectl discover [--cluster NAME]`.
pub fn discover(
    project: &Project,
    cluster: Option<&str>,
    prompt: &Prompt,
) -> crate::Result<ExitStatus> {
    let clusters = scan(&project.cwd);
    if clusters.is_empty() {
        return Err(KubectlError::NoClusters {
            dir: project.cwd.clone(),
        }
        .into());
    }
    let chosen = match cluster {
        Some(name) => by_name(&clusters, name)?,
        None => {
            let options: Vec<String> = clusters
                .iter()
                .map(|c| format!("{}: {}", c.name, shown(&c.dir, &project.cwd)))
                .collect();
            let options: Vec<&str> = options.iter().map(String::as_str).collect();
            let index = prompt.select("Clusters found:", &options, "use --cluster NAME")?;
            &clusters[index]
        }
    };
    let aws = process::require("aws", AWS_INSTALL)?;
    let kubeconfig = kubeconfig(project)?;
    let profiles = std::slice::from_ref(&chosen.profile);
    let credentials = auth::for_profiles(project, profiles, Refresh::IfNeeded)?;
    let args = [
        "eks",
        "update-kubeconfig",
        "--region",
        &chosen.region,
        "--name",
        &chosen.name,
        "--profile",
        &chosen.profile,
    ];
    let args = args.iter().map(|a| a.to_string()).collect();
    let env = child_env(&credentials, &kubeconfig);
    update_kubeconfig(aws, args, project.cwd.clone(), env)
}

/// `dir` relative to `cwd` for the menu (`.` for the current directory itself).
fn shown(dir: &Path, cwd: &Path) -> String {
    match dir.strip_prefix(cwd) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".into(),
        Ok(relative) => relative.display().to_string(),
        Err(_) => dir.display().to_string(),
    }
}

fn by_name<'a>(clusters: &'a [Cluster], name: &str) -> Result<&'a Cluster, KubectlError> {
    let matching: Vec<&Cluster> = clusters.iter().filter(|c| c.name == name).collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(KubectlError::UnknownCluster {
            name: name.to_string(),
            known: clusters
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        many => Err(KubectlError::AmbiguousCluster {
            name: name.to_string(),
            count: many.len(),
            paths: many
                .iter()
                .map(|c| c.dir.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Every cluster below `dir` (hidden directories skipped, symlinks not followed), in path
/// order. Unreadable or malformed metadata files are warned about and skipped.
pub fn scan(dir: &Path) -> Vec<Cluster> {
    let mut found = Vec::new();
    walk(dir, &mut found);
    found
}

fn walk(dir: &Path, found: &mut Vec<Cluster>) {
    let mut entries: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.flatten().collect(),
        Err(error) => {
            tracing::debug!("Skipping {}: {error}", dir.display());
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    let metadata = dir.join(METADATA);
    if entries.iter().any(|e| e.file_name() == METADATA) && metadata.is_file() {
        match read_cluster(&metadata) {
            Ok(Some(cluster)) => found.push(cluster),
            Ok(None) => {}
            Err(why) => tracing::warn!("Skipping {}: {why}", metadata.display()),
        }
    }
    for entry in entries {
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&entry.path(), found);
        }
    }
}

/// The cluster a metadata file describes; None for metadata of another type.
fn read_cluster(path: &Path) -> Result<Option<Cluster>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let value: serde_norway::Value = serde_norway::from_str(&text).map_err(|e| e.to_string())?;
    if value.get("type").and_then(|t| t.as_str()) != Some(CLUSTER_TYPE) {
        return Ok(None);
    }
    let data = value
        .get("data")
        .ok_or("it has no `data` (cluster_name, region, profile)")?;
    let data: ClusterData =
        serde_norway::from_value(data.clone()).map_err(|e| format!("`data`: {e}"))?;
    Ok(Some(Cluster {
        dir: path.parent().unwrap_or(path).to_path_buf(),
        name: data.cluster_name,
        region: data.region,
        profile: data.profile,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_files::write;

    const CLUSTER: &str = "type: k8s-eks-cluster\ndata:\n  cluster_name: NAME\n  region: \
                           us-east-1\n  profile: bb-apps-devstg-devops\n";

    #[test]
    fn clusters_are_found_in_path_order_skipping_hidden_dirs_and_other_types() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "b/cluster/metadata.yaml",
            &CLUSTER.replace("NAME", "b"),
        );
        write(
            root,
            "a/k8s/cluster/metadata.yaml",
            &CLUSTER.replace("NAME", "a"),
        );
        write(root, ".hidden/metadata.yaml", &CLUSTER.replace("NAME", "h"));
        write(root, "c/metadata.yaml", "type: something-else\n");
        write(root, "d/metadata.yaml", "type: k8s-eks-cluster\n");
        write(root, "e/metadata.yaml", "type: [unclosed\n");
        let names: Vec<String> = scan(root).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["a", "b"]);
        let clusters = scan(root);
        assert_eq!(clusters[0].dir, root.join("a/k8s/cluster"));
        assert_eq!(clusters[0].profile, "bb-apps-devstg-devops");
    }

    #[test]
    fn a_cluster_name_must_match_exactly_one_cluster() {
        let cluster = |name: &str, dir: &str| Cluster {
            dir: dir.into(),
            name: name.into(),
            region: "us-east-1".into(),
            profile: "p".into(),
        };
        let clusters = [cluster("a", "/x"), cluster("b", "/y"), cluster("b", "/z")];
        assert_eq!(by_name(&clusters, "a").unwrap().dir, Path::new("/x"));
        assert_eq!(
            by_name(&clusters, "c").unwrap_err().to_string(),
            "--cluster c matches none of the clusters found (a, b, b)"
        );
        assert_eq!(
            by_name(&clusters, "b").unwrap_err().to_string(),
            "--cluster b matches 2 clusters (/y, /z)"
        );
    }
}
