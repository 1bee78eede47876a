//! `leverage credentials ...` (SPEC §3).

use crate::aws::AwsFiles;
use crate::credentials::{self, ConfigureOptions, CredentialsError, CredentialsKind};
use crate::error::Error;
use crate::project::Project;
use crate::ui::Prompt;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Store access keys and write the assumable-role profiles for every account.
    Configure(ConfigureArgs),
    /// Forget the cached MFA sessions and role credentials; the next command asks for a code.
    Logout,
    /// Try every profile for real (STS GetCallerIdentity) and print a table.
    Check {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Give the type's IAM user a virtual MFA device: QR code, two codes, profiles updated.
    MfaDevice(super::lifecycle::MfaDeviceArgs),
    /// Replace the type's access key with a new one that is proven to work before it is stored.
    Rotate(super::lifecycle::RotateArgs),
}

/// Which IAM user's keys are being configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum CredentialsType {
    /// The temporary keys used to deploy the landing zone.
    Bootstrap,
    /// A management-account user: roles are OrganizationAccountAccessRole.
    Management,
    /// A security-account user: roles are DevOps.
    Security,
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// Type of credentials to set.
    #[arg(long = "type", value_enum, ignore_case = true)]
    pub kind: CredentialsType,
    /// The access keys CSV the AWS console downloads.
    #[arg(long, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
    /// Read the user's virtual MFA device and put its serial in every role profile.
    #[arg(long)]
    pub fetch_mfa_device: bool,
    /// Replace the keys already stored for this type (a backup is made).
    #[arg(long, conflicts_with = "skip_access_keys_setup")]
    pub overwrite_existing_credentials: bool,
    /// Keep the stored keys; only set up the assumable roles.
    #[arg(long)]
    pub skip_access_keys_setup: bool,
    /// Do not write the accounts' role profiles.
    #[arg(long)]
    pub skip_assumable_roles_setup: bool,
}

pub fn run(command: CredentialsCommand) -> Result<i32, Error> {
    match command {
        CredentialsCommand::Configure(args) => configure(args),
        CredentialsCommand::Logout => logout(),
        CredentialsCommand::Check { json } => check(json),
        CredentialsCommand::MfaDevice(args) => super::lifecycle::mfa_device(args),
        CredentialsCommand::Rotate(args) => super::lifecycle::rotate(args),
    }
}

impl CredentialsType {
    pub fn kind(self) -> CredentialsKind {
        match self {
            CredentialsType::Bootstrap => CredentialsKind::Bootstrap,
            CredentialsType::Management => CredentialsKind::Management,
            CredentialsType::Security => CredentialsKind::Security,
        }
    }
}

fn check(json: bool) -> Result<i32, Error> {
    let project = super::load_project()?;
    let files = AwsFiles::for_project(&project.short_name).map_err(CredentialsError::from)?;
    let rows = crate::identities::credentials_check::check(&project, &files, &Prompt::detect())?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
    } else {
        let dash = || "-".to_string();
        let table: Vec<[String; 7]> = rows
            .iter()
            .map(|r| {
                [
                    r.profile.clone(),
                    r.expected_account.clone().unwrap_or_else(dash),
                    r.account.clone().unwrap_or_else(dash),
                    r.arn.clone().unwrap_or_else(dash),
                    r.key_age_days.map(|d| format!("{d}d")).unwrap_or_else(dash),
                    match r.mfa {
                        Some(true) => "on".into(),
                        Some(false) => "off".into(),
                        None => dash(),
                    },
                    r.status.clone(),
                ]
            })
            .collect();
        let header = [
            "PROFILE", "EXPECTED", "ACCOUNT", "ARN", "KEY_AGE", "MFA", "STATUS",
        ]
        .map(String::from);
        let widths: Vec<usize> = (0..7)
            .map(|c| {
                table
                    .iter()
                    .chain([&header])
                    .map(|r| r[c].len())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in [&header].into_iter().chain(table.iter()) {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            println!("{}", cells.join("  ").trim_end());
        }
    }
    Ok(if rows.iter().all(|r| r.ok()) { 0 } else { 1 })
}

fn logout() -> Result<i32, Error> {
    let project = super::load_project()?;
    let files = AwsFiles::for_project(&project.short_name).map_err(CredentialsError::from)?;
    let cache = crate::mfa::Cache::new(&files.dir);
    let removed = cache
        .clear()
        .map_err(|e| Error::Io(format!("clear {}", cache.dir.display()), e))?;
    tracing::info!(
        "Removed {removed} cached MFA credential(s) from {}.",
        cache.dir.display()
    );
    Ok(0)
}

fn configure(args: ConfigureArgs) -> Result<i32, Error> {
    if args.skip_access_keys_setup && args.skip_assumable_roles_setup {
        tracing::info!("Nothing to do. Exiting.");
        return Ok(0);
    }
    let cwd = super::current_dir()?;
    let project = Project::load(&cwd, |step| tracing::info!("{step}"))?;
    let files = AwsFiles::for_project(&project.short_name).map_err(CredentialsError::from)?;
    let options = ConfigureOptions {
        kind: args.kind.kind(),
        credentials_file: args.credentials_file,
        fetch_mfa_device: args.fetch_mfa_device,
        overwrite_existing_credentials: args.overwrite_existing_credentials,
        skip_access_keys_setup: args.skip_access_keys_setup,
        skip_assumable_roles_setup: args.skip_assumable_roles_setup,
    };
    let prompt = Prompt::detect();
    super::block_on(credentials::configure(&project, &files, &options, &prompt))?;
    Ok(0)
}
