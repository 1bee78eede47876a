//! `leverage credentials mfa-device | rotate` and `leverage identities sts-regions`: flags in,
//! library calls out.

use crate::aws::AwsFiles;
use crate::credentials::{self, Backoff, CredentialsKind, MfaDeviceOptions};
use crate::error::Error;
use crate::exit_status::ExitStatus;
use crate::project::Project;
use crate::runtime::block_on;
use crate::ui::{Prompt, output};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// The users who assume roles with MFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum MfaUserType {
    /// A management-account user.
    Management,
    /// A security-account user.
    Security,
}

#[derive(Debug, Args)]
pub struct MfaDeviceArgs {
    /// Whose IAM user gets the device (its keys must be stored).
    #[arg(long = "type", value_name = "TYPE", value_enum, ignore_case = true)]
    pub kind: MfaUserType,
    /// Write the QR code to this PNG file (new, 0600) instead of drawing it in the terminal.
    #[arg(long, value_name = "FILE")]
    pub qr_png: Option<PathBuf>,
    /// Also print the secret key, for an authenticator app that cannot scan.
    #[arg(long)]
    pub show_secret: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Whose access key to replace.
    #[arg(long = "type", value_name = "TYPE", value_enum, ignore_case = true)]
    pub kind: CredentialsKind,
    /// Deactivate the old key instead of deleting it.
    #[arg(long)]
    pub keep_old: bool,
}

pub fn mfa_device(args: MfaDeviceArgs) -> Result<ExitStatus, Error> {
    let project = Project::load_here()?;
    let files = AwsFiles::for_project(&project.short_name)?;
    let options = MfaDeviceOptions {
        kind: match args.kind {
            MfaUserType::Management => CredentialsKind::Management,
            MfaUserType::Security => CredentialsKind::Security,
        },
        qr_png: args.qr_png,
        show_secret: args.show_secret,
    };
    let run = credentials::mfa_device(&project, &files, &options, Prompt::detect());
    block_on(run)?;
    Ok(ExitStatus::Success)
}

pub fn rotate(args: RotateArgs) -> Result<ExitStatus, Error> {
    let project = Project::load_here()?;
    let files = AwsFiles::for_project(&project.short_name)?;
    let run = credentials::rotate(
        &project,
        &files,
        args.kind,
        args.keep_old,
        Backoff::default(),
    );
    block_on(run)?;
    Ok(ExitStatus::Success)
}

pub fn sts_regions(profile: Option<&str>, json: bool) -> Result<ExitStatus, Error> {
    let project = Project::load_here()?;
    let files = AwsFiles::for_project(&project.short_name)?;
    let report =
        crate::identities::sts_regions::check(&project, &files, profile, &Prompt::detect())?;
    let text = if json {
        serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
    } else {
        report.render()
    };
    output::print(&text)?;
    Ok(ExitStatus::Success)
}
