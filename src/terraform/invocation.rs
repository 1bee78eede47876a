//! What one terraform/tofu command is, turned once from the command line into domain terms
//! (the action, the layer selection, the user's own arguments), and the exact invocation it
//! makes in each layer.

use super::TerraformError;
use super::arguments;
use super::binary::Binary;
use crate::graph::Dependents;
use crate::process::Invocation;
use crate::project::{Project, account_of};
use clap::ValueEnum;
use std::path::{Path, PathBuf};

/// What to do in each layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Init { skip_validation: bool },
    Plan,
    Apply,
    Output,
    Destroy,
    Validate,
    ValidateLayout,
    Import { address: String, id: String },
    ForceUnlock { lock_id: String },
    Shell,
    RefreshCredentials,
}

impl Action {
    /// The binary's command, for messages.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Init { .. } => "init",
            Action::Plan => "plan",
            Action::Apply => "apply",
            Action::Output => "output",
            Action::Destroy => "destroy",
            Action::Validate => "validate",
            Action::ValidateLayout => "validate-layout",
            Action::Import { .. } => "import",
            Action::ForceUnlock { .. } => "force-unlock",
            Action::Shell => "shell",
            Action::RefreshCredentials => "refresh-credentials",
        }
    }

    /// Whether `--layers`, `--all`, `--jobs` and `--fail-fast` apply.
    pub fn takes_layers(&self) -> bool {
        !matches!(
            self,
            Action::Import { .. } | Action::ForceUnlock { .. } | Action::Shell
        ) && *self != Action::RefreshCredentials
    }
}

/// Which layers, how many at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSelection {
    /// `--layers` values: comma-separated paths or globs relative to the current directory.
    pub layers: Vec<String>,
    pub all: bool,
    pub jobs: usize,
    pub fail_fast: bool,
    pub graph: AllFlags,
}

impl Default for LayerSelection {
    fn default() -> Self {
        LayerSelection {
            layers: Vec::new(),
            all: false,
            jobs: 1,
            fail_fast: false,
            graph: AllFlags::default(),
        }
    }
}

/// How `--all` selects and orders layers (see `leverage project graph`).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct AllFlags {
    /// With --all: also run disabled layers (a path component ending in `--`).
    #[arg(long)]
    pub include_disabled: bool,
    /// Let apply/destroy run layers that read each other's state, one at a time in path order.
    #[arg(long)]
    pub allow_cycles: bool,
    /// With --all: only layers changed since the merge base with this git ref, and their
    /// dependents.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// With --changed-since: ignore uncommitted and untracked files.
    #[arg(long)]
    pub committed_only: bool,
    /// With --changed-since: which layers that read a changed layer are run too.
    #[arg(long, value_enum, value_name = "WHICH")]
    pub dependents: Option<Dependents>,
    /// Print the layers --all would run, in order and with why, and stop.
    #[arg(long)]
    pub dry_run: bool,
}

impl AllFlags {
    /// Whether a flag that only means something with --all was given.
    pub fn wants_all(&self) -> bool {
        self.include_disabled
            || self.changed_since.is_some()
            || self.committed_only
            || self.dependents.is_some()
            || self.dry_run
    }
}

/// Pulls `--layers`, `--all`, `-j`/`--jobs`, `--fail-fast` and `--skip-validation` out of the
/// binary's arguments, where the command line leaves them once an unknown flag has started the
/// pass-through (upstream accepts them anywhere).
pub fn absorb_our_flags(
    args: Vec<String>,
    selection: &mut LayerSelection,
    action: &mut Action,
) -> Result<Vec<String>, TerraformError> {
    let takes_layers = action.takes_layers();
    let mut kept = Vec::new();
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--layers" if takes_layers => selection.layers.extend(iter.next()),
            "--all" if takes_layers => selection.all = true,
            "--fail-fast" if takes_layers => selection.fail_fast = true,
            "--include-disabled" if takes_layers => selection.graph.include_disabled = true,
            "--allow-cycles" if takes_layers => selection.graph.allow_cycles = true,
            "--committed-only" if takes_layers => selection.graph.committed_only = true,
            "--dry-run" if takes_layers => selection.graph.dry_run = true,
            "--changed-since" if takes_layers => selection.graph.changed_since = iter.next(),
            "--dependents" if takes_layers => {
                let value = iter.next().unwrap_or_default();
                selection.graph.dependents = Some(
                    Dependents::from_str(&value, true)
                        .map_err(|_| TerraformError::BadDependents { value })?,
                );
            }
            "-j" | "--jobs" if takes_layers => selection.jobs = jobs(iter.next().as_deref())?,
            "--skip-validation" if matches!(action, Action::Init { .. }) => {
                *action = Action::Init {
                    skip_validation: true,
                }
            }
            _ if takes_layers && arg.starts_with("--layers=") => {
                selection.layers.push(arg["--layers=".len()..].to_string())
            }
            _ if takes_layers && arg.starts_with("--jobs=") => {
                selection.jobs = jobs(Some(&arg["--jobs=".len()..]))?
            }
            _ => kept.push(arg),
        }
    }
    Ok(kept)
}

fn jobs(value: Option<&str>) -> Result<usize, TerraformError> {
    value
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| TerraformError::BadJobs {
            value: value.unwrap_or("").to_string(),
        })
}

/// `-e KEY=VALUE` values as pairs.
pub fn parse_env_vars(values: &[String]) -> Result<Vec<(String, String)>, TerraformError> {
    values
        .iter()
        .map(|value| match value.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(TerraformError::BadEnvVar {
                value: value.clone(),
            }),
        })
        .collect()
}

/// The program, its arguments and directory for `action` in `layer` (relative to the root):
/// leverage's arguments first, then the user's, untouched and in order.
pub fn for_layer(
    project: &Project,
    binary: &Binary,
    action: &Action,
    layer: &Path,
    user: &[String],
    env: &[(String, String)],
) -> Invocation {
    let account = account_of(layer);
    let var_files = || arguments::var_file_args(&project.root, &account);
    let mut program = binary.path.clone();
    let mut args: Vec<String> = match action {
        Action::Init { .. } => {
            let backend = project.backend_tfvars(&account);
            let mut args = vec![
                "init".to_string(),
                format!("-backend-config={}", backend.display()),
            ];
            args.extend(var_files());
            args.extend(arguments::without_backend_config(user));
            args
        }
        Action::Plan => [vec!["plan".into()], var_files(), user.to_vec()].concat(),
        Action::Destroy => [vec!["destroy".into()], var_files(), user.to_vec()].concat(),
        Action::Validate => [vec!["validate".into()], var_files(), user.to_vec()].concat(),
        Action::Apply if arguments::has_a_plan_file(user) => {
            [vec!["apply".into()], user.to_vec()].concat()
        }
        Action::Apply => [vec!["apply".into()], var_files(), user.to_vec()].concat(),
        Action::Output => [vec!["output".into()], user.to_vec()].concat(),
        Action::Import { address, id } => {
            let target = vec![address.clone(), id.clone()];
            [vec!["import".into()], var_files(), user.to_vec(), target].concat()
        }
        Action::ForceUnlock { lock_id } => [
            vec!["force-unlock".into()],
            user.to_vec(),
            vec![lock_id.clone()],
        ]
        .concat(),
        Action::Shell | Action::ValidateLayout | Action::RefreshCredentials => user.to_vec(),
    };
    if *action == Action::Shell {
        program = user_shell();
    } else if binary.name == "terraform" && *action == Action::Validate {
        // `terraform validate` rejects -var-file (OpenTofu >= 1.8 takes it, as upstream passes).
        args.retain(|a| !a.starts_with("-var-file="));
    }
    Invocation {
        program,
        args,
        dir: project.root.join(layer),
        env: env.to_vec(),
    }
}

fn user_shell() -> PathBuf {
    std::env::var_os("SHELL")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| "/bin/bash".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn our_flags_are_taken_out_of_the_pass_through_in_any_position() {
        let mut selection = LayerSelection::default();
        let mut action = Action::Init {
            skip_validation: false,
        };
        let args = strings(&[
            "-upgrade",
            "--layers",
            "a,b",
            "--jobs=3",
            "--fail-fast",
            "--skip-validation",
            "-json",
        ]);
        let kept = absorb_our_flags(args, &mut selection, &mut action).unwrap();
        assert_eq!(kept, strings(&["-upgrade", "-json"]));
        assert_eq!(
            selection,
            LayerSelection {
                layers: strings(&["a,b"]),
                all: false,
                jobs: 3,
                fail_fast: true,
                graph: AllFlags::default(),
            }
        );
        assert_eq!(
            action,
            Action::Init {
                skip_validation: true
            }
        );
    }

    #[test]
    fn commands_without_layers_pass_our_flags_through() {
        let mut selection = LayerSelection::default();
        let mut action = Action::Shell;
        let kept =
            absorb_our_flags(strings(&["--all", "-j", "2"]), &mut selection, &mut action).unwrap();
        assert_eq!(kept, strings(&["--all", "-j", "2"]));
        assert_eq!(selection, LayerSelection::default());
    }

    #[test]
    fn a_bad_job_count_is_an_error_not_a_silent_one() {
        let mut action = Action::Plan;
        let error = absorb_our_flags(
            strings(&["-j", "zero"]),
            &mut LayerSelection::default(),
            &mut action,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid --jobs zero: expected a number of layers from 1 up"
        );
    }

    #[test]
    fn env_vars_need_a_name() {
        assert_eq!(
            parse_env_vars(&strings(&["A=1", "B=x=y"])).unwrap(),
            vec![("A".into(), "1".into()), ("B".into(), "x=y".into())]
        );
        assert!(parse_env_vars(&strings(&["=1"])).is_err());
        assert!(parse_env_vars(&strings(&["A"])).is_err());
    }
}
