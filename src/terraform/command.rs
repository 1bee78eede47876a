//! One `leverage terraform|tofu|tf` command from start to end: the layers it targets (by the
//! location rules), their credentials, the layout check before `init`, and the runs.

use super::TerraformError;
use super::binary::Group;
use super::invocation::{self, Action, LayerSelection};
use super::{backend_key, layers, layout, runner};
use crate::auth::{self, Refresh};
use crate::exit_status::ExitStatus;
use crate::process::Invocation;
use crate::project::{Location, Project, account_of};
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
        let targets = target_layers(project, &self.selection)?;
        match self.action {
            Action::ValidateLayout => return Ok(validate_layouts(project, &targets)),
            Action::RefreshCredentials => return refresh_credentials(project, &targets),
            _ => {}
        }
        let binary = self.group.resolve()?;
        // Kept alive until every child has exited: dropping it removes private files.
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
        self.run_all(project, invocations)
    }

    fn run_all(
        &self,
        project: &Project,
        mut invocations: Vec<(String, Invocation)>,
    ) -> crate::Result<ExitStatus> {
        if invocations.len() == 1 {
            let (_, only) = invocations.remove(0);
            return Ok(ExitStatus::Child(only.run_attached()?));
        }
        let log_dir = std::env::temp_dir().join(format!(
            "leverage-{}-{}",
            project.short_name,
            std::process::id()
        ));
        let jobs = self.selection.jobs.max(1);
        let fail_fast = self.selection.fail_fast;
        let outcomes = runner::run_layers(invocations, jobs, fail_fast, &log_dir)?;
        eprint!("\n{}", runner::summary(&outcomes));
        if jobs > 1 {
            eprintln!("Logs: {}", log_dir.display());
        }
        let code = outcomes.iter().filter_map(|o| o.code).find(|c| *c != 0);
        Ok(ExitStatus::Child(code.unwrap_or(0)))
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

/// The layers to run in, relative to the root, by where the user is and what they selected.
pub fn target_layers(
    project: &Project,
    selection: &LayerSelection,
) -> Result<Vec<PathBuf>, TerraformError> {
    match (&project.location, selection.selects()) {
        (Location::Layer { layer, .. }, false) => Ok(vec![layer.clone()]),
        (Location::Layer { .. }, true) => Err(TerraformError::LayersInsideALayer),
        (Location::Account { .. } | Location::LayersGroup { .. }, true) => layers::select(
            &project.root,
            &project.cwd,
            &selection.layers,
            selection.all,
        ),
        (Location::Config, _) => Err(TerraformError::InConfigDirectory),
        (Location::Root, true) => Err(TerraformError::LayersOutsideAnAccount {
            location: "project root",
        }),
        (Location::Root | Location::Account { .. }, false) => Err(TerraformError::InRootOrAccount),
        (Location::LayersGroup { .. }, false) => Err(TerraformError::NotALayer),
    }
}

/// `refresh-credentials`: new MFA credentials for every profile of the layers.
fn refresh_credentials(project: &Project, targets: &[PathBuf]) -> crate::Result<ExitStatus> {
    if !project.mfa_enabled() {
        tracing::info!(
            "MFA is not enabled for this project (MFA_ENABLED in build.env): there are no \
             temporary credentials to refresh."
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
