//! `leverage terraform | tofu | tf` (SPEC §5): parse, pick the binary and the layers, hand over
//! to `crate::terraform`.

use crate::aws::{AwsFile, AwsFiles};
use crate::error::Error;
use crate::mfa::layer_profiles::{Variables, layer_profiles};
use crate::mfa::{self, MfaError, MfaSettings, PrivateFiles};
use crate::project::{HclFile, Location, Project, account_of};
use crate::terraform::binary::{Binary, Group};
use crate::terraform::runner::{self, Invocation};
use crate::terraform::{TerraformError, arguments, backend_key, layers, layout};
use crate::ui::Prompt;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct TerraformArgs {
    /// Set an environment variable for the binary, KEY=VALUE (repeatable).
    #[arg(short = 'e', long = "env-var", value_name = "KEY=VALUE")]
    pub env_vars: Vec<String>,

    #[command(subcommand)]
    pub command: TerraformCommand,
}

/// Arguments after the command go to the binary unchanged and in order.
#[derive(Debug, Args)]
pub struct PassThrough {
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

/// Running in several layers, from an account or layers-group directory. These flags are also
/// recognised anywhere among the binary's arguments, as upstream allows.
#[derive(Debug, Args, Default)]
pub struct LayerOptions {
    /// Run in these layers, in this order: comma-separated paths relative to the current
    /// directory; globs like `us-east-1/*` are allowed.
    #[arg(long, value_name = "LAYERS")]
    pub layers: Vec<String>,
    /// Run in every layer below the current directory.
    #[arg(long)]
    pub all: bool,
    /// Run up to N layers at a time; each layer's output is prefixed and kept in its own log.
    /// `-j N` works too (no short flag is declared, so `-json` still reaches the binary).
    #[arg(long = "jobs", value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Start no more layers once one has failed.
    #[arg(long)]
    pub fail_fast: bool,
}

#[derive(Debug, Args)]
pub struct LayerCommand {
    #[command(flatten)]
    pub layers: LayerOptions,
    #[command(flatten)]
    pub rest: PassThrough,
}

#[derive(Debug, Subcommand)]
pub enum TerraformCommand {
    /// Initialize the layer: validate the layout, set the state key, then `init` with the
    /// account's backend configuration.
    Init {
        /// Do not validate the layout before initializing.
        #[arg(long)]
        skip_validation: bool,
        #[command(flatten)]
        command: LayerCommand,
    },
    /// Show the changes `apply` would make.
    Plan(LayerCommand),
    /// Make the changes (the project's tfvars are added unless a plan file is given).
    Apply(LayerCommand),
    /// Show the layer's outputs.
    Output(LayerCommand),
    /// Destroy the layer's resources.
    Destroy(LayerCommand),
    /// Print the binary's version.
    Version(PassThrough),
    /// Format the code below the current directory (`fmt -recursive`).
    Format(PassThrough),
    /// Validate the layer's code.
    Validate(LayerCommand),
    /// Check the layer's account and backend configuration against the project's conventions.
    ValidateLayout(LayerCommand),
    /// Import an existing resource into the state.
    Import {
        /// The resource address in the code.
        address: String,
        /// The resource's id in AWS.
        id: String,
        #[command(flatten)]
        rest: PassThrough,
    },
    /// Release a stuck state lock.
    ForceUnlock {
        /// The lock id printed by the failed command.
        lock_id: String,
        #[command(flatten)]
        rest: PassThrough,
    },
    /// Open `$SHELL` in the layer with the environment the binary gets.
    Shell(PassThrough),
    /// Make fresh temporary credentials for the layer's profiles (MFA).
    RefreshCredentials(PassThrough),
}

/// What to do in each layer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
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

pub fn run(group: Group, args: TerraformArgs) -> Result<i32, Error> {
    let env_vars = parse_env_vars(&args.env_vars)?;
    let (action, mut layer_options, mut user_args) = match args.command {
        TerraformCommand::Version(rest) => {
            return run_anywhere(group, "version", rest.args, &env_vars, false);
        }
        TerraformCommand::Format(rest) => {
            return run_anywhere(group, "fmt", rest.args, &env_vars, true);
        }
        TerraformCommand::Init {
            skip_validation,
            command,
        } => (
            Action::Init { skip_validation },
            command.layers,
            command.rest.args,
        ),
        TerraformCommand::Plan(c) => (Action::Plan, c.layers, c.rest.args),
        TerraformCommand::Apply(c) => (Action::Apply, c.layers, c.rest.args),
        TerraformCommand::Output(c) => (Action::Output, c.layers, c.rest.args),
        TerraformCommand::Destroy(c) => (Action::Destroy, c.layers, c.rest.args),
        TerraformCommand::Validate(c) => (Action::Validate, c.layers, c.rest.args),
        TerraformCommand::ValidateLayout(c) => (Action::ValidateLayout, c.layers, c.rest.args),
        TerraformCommand::Import { address, id, rest } => (
            Action::Import { address, id },
            LayerOptions::default(),
            rest.args,
        ),
        TerraformCommand::ForceUnlock { lock_id, rest } => (
            Action::ForceUnlock { lock_id },
            LayerOptions::default(),
            rest.args,
        ),
        TerraformCommand::Shell(rest) => (Action::Shell, LayerOptions::default(), rest.args),
        TerraformCommand::RefreshCredentials(rest) => (
            Action::RefreshCredentials,
            LayerOptions::default(),
            rest.args,
        ),
    };
    let mut action = action;
    absorb_our_flags(&mut user_args, &mut layer_options, &mut action);

    let project = super::load_project()?;
    let targets = target_layers(&project, &layer_options)?;

    if action == Action::ValidateLayout {
        return Ok(validate_layouts(&project, &targets));
    }
    if action == Action::RefreshCredentials {
        if crate::sso::enabled(&project) {
            sso_credentials(&project, &targets, true)?;
            return Ok(0);
        }
        if !project.mfa_enabled() {
            tracing::info!(
                "MFA is not enabled for this project (MFA_ENABLED in build.env): there are no temporary credentials to refresh."
            );
            return Ok(0);
        }
        let private = mfa_credentials(&project, &targets, true)?;
        tracing::info!("Fresh credentials for {}.", private.profiles.join(", "));
        return Ok(0);
    }

    let binary = group.resolve().map_err(Error::from)?;
    // Kept alive until every child has exited: dropping it removes the private files.
    let private = if crate::sso::enabled(&project) {
        sso_credentials(&project, &targets, false)?;
        None
    } else if project.mfa_enabled() {
        Some(mfa_credentials(&project, &targets, false)?)
    } else {
        None
    };
    let env = child_env(&project, &env_vars, private.as_ref())?;
    let mut invocations = Vec::new();
    for layer in &targets {
        if let Action::Init { skip_validation } = action {
            backend_key::ensure_key(&project.root.join(layer), layer).map_err(Error::from)?;
            if !skip_validation && validate_layouts(&project, std::slice::from_ref(layer)) != 0 {
                return Ok(1);
            }
        }
        invocations.push((
            layer.display().to_string(),
            invocation(&project, &binary, &action, layer, &user_args, &env),
        ));
    }

    if invocations.len() == 1 {
        let (_, only) = invocations.remove(0);
        return runner::run_attached(&only).map_err(Error::from);
    }
    let log_dir = std::env::temp_dir().join(format!(
        "leverage-{}-{}",
        project.short_name,
        std::process::id()
    ));
    let outcomes = runner::run_layers(
        invocations,
        layer_options.jobs.max(1),
        layer_options.fail_fast,
        &log_dir,
    )
    .map_err(Error::from)?;
    eprint!("\n{}", runner::summary(&outcomes));
    if layer_options.jobs > 1 {
        eprintln!("Logs: {}", log_dir.display());
    }
    Ok(outcomes
        .iter()
        .filter_map(|o| o.code)
        .find(|c| *c != 0)
        .unwrap_or(0))
}

/// `version` and `format` need no layer (nor a project) and run in the current directory.
fn run_anywhere(
    group: Group,
    subcommand: &str,
    args: Vec<String>,
    env_vars: &[(String, String)],
    recursive: bool,
) -> Result<i32, Error> {
    let binary = group.resolve().map_err(Error::from)?;
    let mut full = vec![subcommand.to_string()];
    if recursive && !args.iter().any(|a| a == "-recursive" || a == "--recursive") {
        full.push("-recursive".into());
    }
    full.extend(args);
    let invocation = Invocation {
        program: binary.path,
        args: full,
        dir: super::current_dir()?,
        env: env_vars.to_vec(),
    };
    runner::run_attached(&invocation).map_err(Error::from)
}

/// Pulls `--layers`, `--all`, `-j`, `--fail-fast` and `--skip-validation` out of the binary's
/// arguments, where clap leaves them once an unknown flag has started the pass-through.
fn absorb_our_flags(args: &mut Vec<String>, options: &mut LayerOptions, action: &mut Action) {
    let mut kept = Vec::new();
    let mut iter = std::mem::take(args).into_iter();
    while let Some(arg) = iter.next() {
        let layer_command = !matches!(
            action,
            Action::Import { .. }
                | Action::ForceUnlock { .. }
                | Action::Shell
                | Action::RefreshCredentials
        );
        match arg.as_str() {
            "--layers" if layer_command => options.layers.extend(iter.next()),
            "--all" if layer_command => options.all = true,
            "--fail-fast" if layer_command => options.fail_fast = true,
            "-j" | "--jobs" if layer_command => {
                options.jobs = iter.next().and_then(|n| n.parse().ok()).unwrap_or(1)
            }
            "--skip-validation" if matches!(action, Action::Init { .. }) => {
                *action = Action::Init {
                    skip_validation: true,
                }
            }
            _ if layer_command && arg.starts_with("--layers=") => {
                options.layers.push(arg["--layers=".len()..].to_string())
            }
            _ if layer_command && arg.starts_with("--jobs=") => {
                options.jobs = arg["--jobs=".len()..].parse().unwrap_or(1)
            }
            _ => kept.push(arg),
        }
    }
    *args = kept;
}

/// The layers to run in, relative to the root, following the location rules of SPEC §1.
fn target_layers(project: &Project, options: &LayerOptions) -> Result<Vec<PathBuf>, Error> {
    let selecting = !options.layers.is_empty() || options.all;
    let layers = match (&project.location, selecting) {
        (Location::Layer { layer, .. }, false) => vec![layer.clone()],
        (Location::Layer { .. }, true) => return Err(TerraformError::LayersInsideALayer.into()),
        (Location::Account { .. } | Location::LayersGroup { .. }, true) => {
            layers::select(&project.root, &project.cwd, &options.layers, options.all)?
        }
        (Location::Config, _) => return Err(TerraformError::InConfigDirectory.into()),
        (Location::Root, true) => {
            return Err(TerraformError::LayersOutsideAnAccount {
                location: "project root",
            }
            .into());
        }
        (Location::Root | Location::Account { .. }, false) => {
            return Err(TerraformError::InRootOrAccount.into());
        }
        (Location::LayersGroup { .. }, false) => return Err(TerraformError::NotALayer.into()),
    };
    Ok(layers)
}

fn parse_env_vars(values: &[String]) -> Result<Vec<(String, String)>, Error> {
    values
        .iter()
        .map(|value| match value.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(TerraformError::BadEnvVar {
                value: value.clone(),
            }
            .into()),
        })
        .collect()
}

/// The AWS files for the AWS provider (the project's, or the private MFA pair), then the user's
/// `-e` values.
pub(super) fn child_env(
    project: &Project,
    env_vars: &[(String, String)],
    private: Option<&PrivateFiles>,
) -> Result<Vec<(String, String)>, Error> {
    let (config, credentials) = match private {
        Some(private) => (private.config.clone(), private.credentials.clone()),
        None => {
            let files = AwsFiles::for_project(&project.short_name)
                .map_err(crate::credentials::CredentialsError::from)?;
            (
                files.path(AwsFile::Config),
                files.path(AwsFile::Credentials),
            )
        }
    };
    let mut env = vec![
        ("AWS_CONFIG_FILE".to_string(), config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_string(),
            credentials.display().to_string(),
        ),
    ];
    env.extend(env_vars.iter().cloned());
    Ok(env)
}

/// The profiles the target layers use (SPEC §4), without duplicates.
fn layer_profile_names(project: &Project, targets: &[PathBuf]) -> Result<Vec<String>, Error> {
    let mut profiles: Vec<String> = Vec::new();
    for layer in targets {
        let account = account_of(layer);
        let backend_profile =
            HclFile::read(&project.root.join(&account).join("config/backend.tfvars"))
                .ok()
                .and_then(|f| f.string("profile"));
        let vars = Variables {
            project: &project.short_name,
            profile: backend_profile.as_deref(),
        };
        for profile in layer_profiles(&project.root.join(layer), &vars)? {
            if !profiles.contains(&profile) {
                profiles.push(profile);
            }
        }
    }
    tracing::debug!("Profiles used by the layers: {}", profiles.join(", "));
    Ok(profiles)
}

/// Temporary credentials for every profile the target layers use (SPEC §4).
pub(super) fn mfa_credentials(
    project: &Project,
    targets: &[PathBuf],
    force: bool,
) -> Result<PrivateFiles, Error> {
    let files = AwsFiles::for_project(&project.short_name).map_err(MfaError::from)?;
    let profiles = layer_profile_names(project, targets)?;
    let region = project.require_primary_region()?;
    let settings = MfaSettings::from_env(&project.env);
    let prompt = Prompt::detect();
    Ok(mfa::temporary_credentials(
        &files, region, &profiles, &prompt, settings, force,
    )?)
}

/// On an SSO project: role credentials for the layers' profiles, in the project's AWS files.
pub(super) fn sso_credentials(
    project: &Project,
    targets: &[PathBuf],
    force: bool,
) -> Result<(), Error> {
    let profiles = layer_profile_names(project, targets)?;
    super::block_on(crate::sso::layer_credentials(project, &profiles, force))
}

/// The binary, its arguments and directory for one layer.
fn invocation(
    project: &Project,
    binary: &Binary,
    action: &Action,
    layer: &Path,
    user: &[String],
    env: &[(String, String)],
) -> Invocation {
    let account = account_of(layer);
    let var_files = || arguments::var_file_args(&project.root, &account);
    let mut args: Vec<String> = Vec::new();
    let mut program = binary.path.clone();
    match action {
        Action::Init { .. } => {
            args.push("init".into());
            args.push(format!(
                "-backend-config={}",
                project
                    .root
                    .join(&account)
                    .join("config/backend.tfvars")
                    .display()
            ));
            args.extend(var_files());
            args.extend(arguments::without_backend_config(user));
        }
        Action::Plan | Action::Destroy | Action::Validate => {
            args.push(
                match action {
                    Action::Plan => "plan",
                    Action::Destroy => "destroy",
                    _ => "validate",
                }
                .into(),
            );
            args.extend(var_files());
            args.extend(user.iter().cloned());
        }
        Action::Apply => {
            args.push("apply".into());
            if !arguments::has_a_plan_file(user) {
                args.extend(var_files());
            }
            args.extend(user.iter().cloned());
        }
        Action::Output => {
            args.push("output".into());
            args.extend(user.iter().cloned());
        }
        Action::Import { address, id } => {
            args.push("import".into());
            args.extend(var_files());
            args.extend(user.iter().cloned());
            args.push(address.clone());
            args.push(id.clone());
        }
        Action::ForceUnlock { lock_id } => {
            args.push("force-unlock".into());
            args.extend(user.iter().cloned());
            args.push(lock_id.clone());
        }
        Action::Shell => {
            program = std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| "/bin/bash".into());
            args.extend(user.iter().cloned());
        }
        Action::ValidateLayout | Action::RefreshCredentials => {
            unreachable!("handled before any binary runs")
        }
    }
    Invocation {
        program,
        args,
        dir: project.root.join(layer),
        env: env.to_vec(),
    }
}

/// Prints every check for every layer; returns the exit code (1 when any check failed).
fn validate_layouts(project: &Project, targets: &[PathBuf]) -> i32 {
    let mut failures = 0;
    for layer in targets {
        let account = account_of(layer);
        tracing::info!("Checking layer {}...", layer.display());
        for verdict in layout::check(project, &account, layer) {
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
        0
    } else {
        tracing::error!("Layout is not valid: {failures} problem(s) found.");
        1
    }
}
