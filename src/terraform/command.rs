//! One `leverage terraform|tofu|tf` command from start to end: the layers it targets (by the
//! location rules), their credentials, the layout check before `init`, and the runs.

use super::TerraformError;
use super::binary::Group;
use super::invocation::{self, Action, LayerSelection};
use super::runner::RunOptions;
use super::{backend_key, layers, layout, runner};
use crate::auth::{self, Refresh};
use crate::exit_status::ExitStatus;
use crate::graph::preflight::{self, Intent};
use crate::graph::{AllOptions, GraphError, Schedule, Selection};
use crate::process::Invocation;
use crate::project::{Location, Project, account_of};
use std::ffi::OsString;
use std::path::PathBuf;

/// A command that runs in layers.
#[derive(Debug, Clone)]
pub struct LayerCommand {
    pub group: Group,
    pub action: Action,
    pub selection: LayerSelection,
    /// The binary's own arguments, after leverage's flags were taken out.
    pub args: Vec<String>,
    /// `-e KEY=VALUE` values.
    pub env: Vec<(String, String)>,
}

impl LayerCommand {
    /// Builds the command from what the command line gave, taking leverage's own flags out of
    /// the pass-through arguments.
    pub fn new(
        group: Group,
        mut action: Action,
        mut selection: LayerSelection,
        args: Vec<String>,
        env_vars: &[String],
    ) -> Result<LayerCommand, TerraformError> {
        if selection.jobs == 0 {
            return Err(TerraformError::BadJobs { value: "0".into() });
        }
        let args = invocation::absorb_our_flags(args, &mut selection, &mut action)?;
        Ok(LayerCommand {
            group,
            action,
            selection,
            args,
            env: invocation::parse_env_vars(env_vars)?,
        })
    }

    pub fn run(&self, project: &Project) -> crate::Result<ExitStatus> {
        let (targets, selection) = target_layers(project, &self.selection, &self.action)?;
        match self.action {
            Action::ValidateLayout => return Ok(validate_layouts(project, &targets)),
            Action::RefreshCredentials => return refresh_credentials(project, &targets),
            _ => {}
        }
        if let Some(stop) = self.preflight(selection.as_ref())? {
            return Ok(stop);
        }
        let binary = self.group.resolve()?;
        // Kept alive until every child has exited: dropping it removes private files. Obtained
        // once, up front, for every selected layer, before anything runs in parallel.
        let credentials = auth::for_layers(project, &targets, Refresh::IfNeeded)?;
        let env = [credentials.env(), self.env.clone()].concat();
        let mut invocations = Vec::new();
        for layer in &targets {
            if let Action::Init { skip_validation } = self.action {
                backend_key::ensure_key(&project.root.join(layer), layer)?;
                let only = std::slice::from_ref(layer);
                if !skip_validation && validate_layouts(project, only) != ExitStatus::Success {
                    return Ok(ExitStatus::Failure);
                }
            }
            let run =
                invocation::for_layer(project, &binary, &self.action, layer, &self.args, &env);
            invocations.push((layer.display().to_string(), run));
        }
        let deleted = selection
            .as_ref()
            .is_some_and(preflight::has_deleted_layers);
        let schedule = match selection {
            Some(selection) => selection.schedule,
            None => Schedule::in_order(targets),
        };
        self.run_all(project, invocations, &schedule, deleted)
    }

    /// The checks before anything runs: prompts parallel runs cannot share, cycles for
    /// apply/destroy, `--dry-run`. `Some` when the command ends here.
    fn preflight(&self, selection: Option<&Selection>) -> crate::Result<Option<ExitStatus>> {
        let verb = self.action.verb();
        preflight::parallel_prompts(verb, self.selection.jobs, &self.args)?;
        let Some(selection) = selection else {
            return Ok(None);
        };
        let intent = Intent {
            verb,
            changes_infrastructure: self.changes_infrastructure(),
            allow_cycles: self.selection.graph.allow_cycles,
        };
        match preflight::prepare(selection, intent, self.selection.graph.dry_run)? {
            Some((output, code)) => {
                crate::ui::output::print(&output)?;
                Ok(Some(ExitStatus::from_ok(code == 0)))
            }
            None => Ok(None),
        }
    }

    fn changes_infrastructure(&self) -> bool {
        matches!(self.action, Action::Apply | Action::Destroy)
    }

    fn run_all(
        &self,
        project: &Project,
        mut invocations: Vec<(String, Invocation)>,
        schedule: &Schedule,
        deleted: bool,
    ) -> crate::Result<ExitStatus> {
        if invocations.len() == 1 && !deleted {
            let (_, only) = invocations.remove(0);
            return Ok(ExitStatus::Child(only.run_attached()?));
        }
        let options = self.run_options(project)?;
        let outcomes = runner::run_layers(invocations, schedule, &options)?;
        eprint!(
            "\n{}",
            runner::summary(&outcomes, options.detailed_exitcode)
        );
        if let Some(log_dir) = &options.log_dir {
            eprintln!("Logs: {}", log_dir.display());
        }
        let code = runner::exit_code_of(&outcomes, options.detailed_exitcode);
        // A layer deleted since --changed-since needs a destroy from the old checkout.
        Ok(ExitStatus::Child(if code == 0 {
            i32::from(deleted)
        } else {
            code
        }))
    }

    /// How a multi-layer run of this command goes.
    fn run_options(&self, project: &Project) -> Result<RunOptions, crate::error::IoError> {
        let var = |name: &str| {
            let passed = self.env.iter().rev().find(|(k, _)| k == name);
            passed
                .map(|(_, v)| OsString::from(v))
                .or_else(|| std::env::var_os(name))
        };
        let plugin_cache = super::plugin_cache::configured(var, crate::home::dir().as_deref());
        let jobs = self.selection.jobs.max(1);
        Ok(RunOptions {
            jobs,
            fail_fast: self.selection.fail_fast,
            skip_dependents: self.changes_infrastructure(),
            // Terraform's plugin cache is not safe for concurrent `init`.
            serialize: matches!(self.action, Action::Init { .. }) && plugin_cache,
            detailed_exitcode: self.action == Action::Plan
                && self.args.iter().any(|a| a == "-detailed-exitcode"),
            log_dir: if jobs > 1 {
                Some(runner::private_log_dir(&project.short_name)?)
            } else {
                None
            },
        })
    }
}

/// `version` and `format`, which need no layer (nor a project) and run where the user is.
pub fn run_anywhere(
    group: Group,
    subcommand: &str,
    args: Vec<String>,
    env_vars: &[String],
) -> crate::Result<ExitStatus> {
    let binary = group.resolve()?;
    let mut full = vec![subcommand.to_string()];
    if subcommand == "fmt" && !args.iter().any(|a| a == "-recursive" || a == "--recursive") {
        full.push("-recursive".into());
    }
    full.extend(args);
    let dir = crate::project::current_dir()?;
    let run = Invocation {
        program: binary.path,
        args: full,
        dir,
        env: invocation::parse_env_vars(env_vars)?,
    };
    Ok(ExitStatus::Child(run.run_attached()?))
}

/// The layers to run in, relative to the root, by where the user is and what they selected;
/// with `--all`, also their dependency order (from any directory but a config one; the scope is
/// the layers below it).
pub fn target_layers(
    project: &Project,
    selection: &LayerSelection,
    action: &Action,
) -> crate::Result<(Vec<PathBuf>, Option<Selection>)> {
    if selection.graph.wants_all() && !selection.all {
        return Err(GraphError::NeedsAll.into());
    }
    if selection.all && !selection.layers.is_empty() {
        return Err(GraphError::LayersAndAll.into());
    }
    if selection.all && project.location != Location::Config {
        let all = AllOptions {
            include_disabled: selection.graph.include_disabled,
            changed_since: selection.graph.changed_since.clone(),
            committed_only: selection.graph.committed_only,
            dependents: selection.graph.dependents.unwrap_or_default(),
            reverse: *action == Action::Destroy,
        };
        let selected = crate::graph::select_all(&project.root, &project.cwd, &all)?;
        return Ok((selected.schedule.layers.clone(), Some(selected)));
    }
    let layers = match (&project.location, !selection.layers.is_empty()) {
        (Location::Layer { layer, .. }, false) => vec![layer.clone()],
        (Location::Layer { .. }, true) => return Err(TerraformError::LayersInsideALayer.into()),
        (Location::Account { .. } | Location::LayersGroup { .. }, true) => {
            layers::select(&project.root, &project.cwd, &selection.layers, false)?
        }
        (Location::Config, _) => return Err(TerraformError::InConfigDirectory.into()),
        (Location::Root, true) => {
            let location = "project root";
            return Err(TerraformError::LayersOutsideAnAccount { location }.into());
        }
        (Location::Root | Location::Account { .. }, false) => {
            return Err(TerraformError::InRootOrAccount.into());
        }
        (Location::LayersGroup { .. }, false) => return Err(TerraformError::NotALayer.into()),
    };
    Ok((layers, None))
}

/// `refresh-credentials`: new MFA credentials for every profile of the layers.
fn refresh_credentials(project: &Project, targets: &[PathBuf]) -> crate::Result<ExitStatus> {
    if !project.mfa_enabled() && !crate::sso::enabled(project) {
        tracing::info!(
            "Neither MFA (MFA_ENABLED in build.env) nor SSO (sso_enabled in \
             config/common.tfvars) is on for this project: there are no temporary credentials \
             to refresh."
        );
        return Ok(ExitStatus::Success);
    }
    let credentials = auth::for_layers(project, targets, Refresh::Always)?;
    tracing::info!(
        "Fresh credentials for {}.",
        credentials.profiles().join(", ")
    );
    Ok(ExitStatus::Success)
}

/// Logs every check for every layer; Failure when any check failed.
pub fn validate_layouts(project: &Project, targets: &[PathBuf]) -> ExitStatus {
    let mut failures = 0;
    for layer in targets {
        tracing::info!("Checking layer {}...", layer.display());
        for verdict in layout::check(project, &account_of(layer), layer) {
            match verdict {
                layout::Verdict::Pass(message) => tracing::info!("✔ {message}"),
                layout::Verdict::Warn(message) => tracing::warn!("⚠ {message}"),
                layout::Verdict::Fail(message) => {
                    failures += 1;
                    tracing::error!("✘ {message}");
                }
            }
        }
    }
    if failures == 0 {
        tracing::info!("Layout is valid.");
    } else {
        tracing::error!("Layout is not valid: {failures} problem(s) found.");
    }
    ExitStatus::from_ok(failures == 0)
}
