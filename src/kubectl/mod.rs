//! `leverage kubectl` / `kc`: kubectl with the project's kubeconfig (`~/.kube/<short>/config`)
//! and AWS credentials, and the two ways of adding an EKS cluster to that kubeconfig: from the
//! cluster layer's outputs (`configure`) or from `metadata.yaml` files below here (`discover`).

pub mod discover;

use crate::auth::{self, ChildCredentials, Refresh};
use crate::error::{Diagnostic, IoError};
use crate::exit_status::ExitStatus;
use crate::process::{self, Invocation};
use crate::project::{Location, Project};
use crate::terraform::binary::Group;
use std::path::{Path, PathBuf};
use std::process::Stdio;

const KUBECTL_INSTALL: &str =
    "install kubectl (https://kubernetes.io/docs/tasks/tools/#kubectl) and put it on PATH";
const AWS_INSTALL: &str = "install the AWS CLI \
     (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)";
/// The line of the cluster layer's outputs that configures kubectl (upstream's convention).
const UPDATE_KUBECONFIG: &str = "aws eks update-kubeconfig";
/// Upstream's rule for "a layer that holds an EKS cluster": the layer directory is `cluster`.
const CLUSTER_LAYER: &str = "cluster";

#[derive(Debug, thiserror::Error)]
pub enum KubectlError {
    #[error("HOME is not set, so there is no ~/.kube for the kubeconfig")]
    NoHome,
    #[error("This command can only run at the cluster layer, not in the {location}.")]
    NotInALayer { location: &'static str },
    #[error(
        "This command can only run at the cluster layer: {} is not a layer named `cluster`.",
        layer.display()
    )]
    NotAClusterLayer { layer: PathBuf },
    #[error("`output -no-color` in {} failed with exit code {code}", layer.display())]
    OutputFailed { layer: PathBuf, code: i32 },
    #[error("the outputs of {} have no line starting `{UPDATE_KUBECONFIG}`", layer.display())]
    NoUpdateKubeconfigLine { layer: PathBuf },
    #[error("Failed to configure kubectl context: aws exited with code {code}")]
    ConfigureFailed { code: i32 },
    #[error("No clusters found: no metadata.yaml with `type: k8s-eks-cluster` below {}", dir.display())]
    NoClusters { dir: PathBuf },
    #[error("--cluster {name} matches none of the clusters found ({known})")]
    UnknownCluster { name: String, known: String },
    #[error("--cluster {name} matches {count} clusters ({paths})")]
    AmbiguousCluster {
        name: String,
        count: usize,
        paths: String,
    },
}

impl Diagnostic for KubectlError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            KubectlError::NoHome => "set HOME to your home directory",
            KubectlError::NotInALayer { .. } | KubectlError::NotAClusterLayer { .. } => {
                "cd into the EKS cluster layer (e.g. apps-devstg/us-east-1/k8s-eks/cluster), or \
                 run `leverage kubectl discover`"
            }
            KubectlError::NoUpdateKubeconfigLine { .. } => {
                "apply the layer, and check that one of its outputs prints the `aws eks \
                 update-kubeconfig ...` command"
            }
            KubectlError::NoClusters { .. } => {
                "run it from a directory above the cluster layers (e.g. the project root)"
            }
            KubectlError::UnknownCluster { .. } => "use one of the names listed",
            KubectlError::AmbiguousCluster { .. } => {
                "run it from a directory that holds only one of them, or without --cluster to \
                 pick from the list"
            }
            KubectlError::OutputFailed { .. } | KubectlError::ConfigureFailed { .. } => {
                return None;
            }
        };
        Some(hint.to_string())
    }

    fn exit_code(&self) -> i32 {
        match self {
            KubectlError::OutputFailed { code, .. } | KubectlError::ConfigureFailed { code } => {
                *code
            }
            _ => 1,
        }
    }
}

/// `~/.kube/<short>/config`; the directory is made 0700 when missing.
pub fn kubeconfig(project: &Project) -> crate::Result<PathBuf> {
    let home = crate::home::dir().ok_or(KubectlError::NoHome)?;
    let dir = home.join(".kube").join(&project.short_name);
    crate::private_dir::ensure(&dir)?;
    Ok(dir.join("config"))
}

/// The environment of kubectl and of the AWS CLI writing the kubeconfig.
fn child_env(credentials: &ChildCredentials, kubeconfig: &Path) -> Vec<(String, String)> {
    let mut env = credentials.env();
    env.push(("KUBECONFIG".into(), kubeconfig.display().to_string()));
    env
}

/// `leverage kubectl <args>`: kubectl with the arguments untouched, its exit code ours.
pub fn run(project: &Project, args: Vec<String>) -> crate::Result<ExitStatus> {
    let program = process::require("kubectl", KUBECTL_INSTALL)?;
    let kubeconfig = kubeconfig(project)?;
    let credentials = match &project.location {
        Location::Layer { layer, .. } => {
            auth::for_layers(project, std::slice::from_ref(layer), Refresh::IfNeeded)?
        }
        _ => ChildCredentials::project_files(project)?,
    };
    let run = Invocation {
        program,
        args,
        dir: project.cwd.clone(),
        env: child_env(&credentials, &kubeconfig),
    };
    Ok(ExitStatus::Child(run.run_attached()?))
}

/// `leverage kubectl configure`: the cluster layer's `aws eks update-kubeconfig` output line,
/// run with `--region <primary region>` and the layer's credentials.
pub fn configure(project: &Project) -> crate::Result<ExitStatus> {
    let layer = match &project.location {
        Location::Layer { layer, .. } => layer,
        other => {
            let location = other.describe();
            return Err(KubectlError::NotInALayer { location }.into());
        }
    };
    if layer.file_name().is_none_or(|name| name != CLUSTER_LAYER) {
        return Err(KubectlError::NotAClusterLayer {
            layer: layer.clone(),
        }
        .into());
    }
    let layers = std::slice::from_ref(layer);
    let region = project.require_primary_region()?.to_string();
    let aws = process::require("aws", AWS_INSTALL)?;
    let binary = Group::Tf.resolve()?;
    let kubeconfig = kubeconfig(project)?;
    let credentials = auth::for_layers(project, layers, Refresh::IfNeeded)?;
    let env = child_env(&credentials, &kubeconfig);
    tracing::info!("Retrieving k8s cluster information...");
    let out = std::process::Command::new(&binary.path)
        .args(["output", "-no-color"])
        .current_dir(project.root.join(layer))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(IoError::on("run", &binary.path))?;
    if !out.status.success() {
        let code = out.status.code().unwrap_or(1);
        return Err(KubectlError::OutputFailed {
            layer: layer.clone(),
            code,
        }
        .into());
    }
    let outputs = String::from_utf8_lossy(&out.stdout);
    let mut args =
        update_kubeconfig_args(&outputs).ok_or_else(|| KubectlError::NoUpdateKubeconfigLine {
            layer: layer.clone(),
        })?;
    args.extend(["--region".to_string(), region]);
    update_kubeconfig(aws, args, project.cwd.clone(), env)
}

/// The arguments after `aws` of the first output line starting `aws eks update-kubeconfig`.
pub fn update_kubeconfig_args(outputs: &str) -> Option<Vec<String>> {
    let line = outputs
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with(UPDATE_KUBECONFIG))?;
    Some(line.split_whitespace().skip(1).map(String::from).collect())
}

/// Runs `aws <args>` (an `eks update-kubeconfig`), logging upstream's steps.
fn update_kubeconfig(
    aws: PathBuf,
    args: Vec<String>,
    dir: PathBuf,
    env: Vec<(String, String)>,
) -> crate::Result<ExitStatus> {
    tracing::info!("Configuring context...");
    let run = Invocation {
        program: aws,
        args,
        dir,
        env,
    };
    let code = run.run_attached()?;
    if code != 0 {
        return Err(KubectlError::ConfigureFailed { code }.into());
    }
    tracing::info!("Done.");
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_kubeconfig_line_is_found_among_other_outputs() {
        let outputs = "cluster_name = \"bb-k8s\"\nkubectl_config = <<EOT\n\
                       export KUBECONFIG=~/.kube/bb/apps\n  aws eks update-kubeconfig --region \
                       us-east-1 --name bb-k8s --profile bb-apps-devops\nEOT\n";
        assert_eq!(
            update_kubeconfig_args(outputs).unwrap(),
            [
                "eks",
                "update-kubeconfig",
                "--region",
                "us-east-1",
                "--name",
                "bb-k8s",
                "--profile",
                "bb-apps-devops"
            ]
        );
        assert_eq!(update_kubeconfig_args("a = 1\n"), None);
    }

    #[test]
    fn failures_of_children_keep_their_exit_code() {
        assert_eq!(KubectlError::ConfigureFailed { code: 254 }.exit_code(), 254);
        let error = KubectlError::NotAClusterLayer {
            layer: "apps/us-east-1/k8s-eks/network".into(),
        };
        assert_eq!(error.exit_code(), 1);
        assert!(error.to_string().contains("apps/us-east-1/k8s-eks/network"));
    }
}
