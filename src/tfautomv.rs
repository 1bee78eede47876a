//! `leverage tfautomv <args>`: tfautomv in a layer with the layer's credentials, the var-file
//! arguments terraform would get (through `TF_CLI_ARGS_init`/`TF_CLI_ARGS_plan`), and the
//! binary `tf` would run as its `--terraform-bin`.

use crate::auth::{self, Refresh};
use crate::error::Diagnostic;
use crate::exit_status::ExitStatus;
use crate::process::{self, Invocation};
use crate::project::{Location, Project, account_of};
use crate::terraform::arguments::var_file_args;
use crate::terraform::binary::Group;

const INSTALL: &str = "install tfautomv \
     (https://github.com/busser/tfautomv?tab=readme-ov-file#installation) and put it on PATH";
const TERRAFORM_BIN: &str = "--terraform-bin";

#[derive(Debug, thiserror::Error)]
pub enum TfautomvError {
    #[error("tfautomv runs in a layer, not in the {location}.")]
    NotALayer { location: &'static str },
}

impl Diagnostic for TfautomvError {
    fn hint(&self) -> Option<String> {
        Some("cd into a layer (a directory with *.tf files)".into())
    }
}

pub fn run(project: &Project, args: Vec<String>) -> crate::Result<ExitStatus> {
    let Location::Layer { layer, .. } = &project.location else {
        let location = project.location.describe();
        return Err(TfautomvError::NotALayer { location }.into());
    };
    let layers = std::slice::from_ref(layer);
    let program = process::require("tfautomv", INSTALL)?;
    let binary = Group::Tf.resolve()?;
    let credentials = auth::for_layers(project, layers, Refresh::IfNeeded)?;
    let var_files = cli_args_value(&var_file_args(&project.root, &account_of(layer)));
    let mut env = credentials.env();
    env.push(("TF_CLI_ARGS_init".into(), var_files.clone()));
    env.push(("TF_CLI_ARGS_plan".into(), var_files));
    let run = Invocation {
        program,
        args: with_terraform_bin(args, binary.name),
        dir: project.cwd.clone(),
        env,
    };
    Ok(ExitStatus::Child(run.run_attached()?))
}

/// Arguments as one `TF_CLI_ARGS_*` value. Terraform splits it as a shell would, so an
/// argument with anything but plain path characters (a project under `~/My Projects` or
/// `~/R&D`) is single-quoted.
fn cli_args_value(args: &[String]) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./=:@%+,-".contains(c);
    args.iter()
        .map(|arg| {
            if !arg.chars().all(plain) {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                arg.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The user's arguments without any `--terraform-bin X` / `--terraform-bin=X`, then
/// `--terraform-bin=<binary>`.
pub fn with_terraform_bin(args: Vec<String>, binary: &str) -> Vec<String> {
    let mut kept = Vec::with_capacity(args.len() + 1);
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        if arg == TERRAFORM_BIN {
            iter.next();
        } else if !arg.starts_with(&format!("{TERRAFORM_BIN}=")) {
            kept.push(arg);
        }
    }
    kept.push(format!("{TERRAFORM_BIN}={binary}"));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn the_users_terraform_bin_is_replaced_in_both_spellings() {
        let args = strings(&[
            "-dry-run",
            "--terraform-bin",
            "terraform",
            "--output=commands",
            "--terraform-bin=/opt/tf",
        ]);
        assert_eq!(
            with_terraform_bin(args, "tofu"),
            strings(&["-dry-run", "--output=commands", "--terraform-bin=tofu"])
        );
        assert_eq!(
            with_terraform_bin(Vec::new(), "terraform"),
            strings(&["--terraform-bin=terraform"])
        );
    }

    #[test]
    fn var_files_with_shell_characters_are_quoted_for_terraform() {
        let args = strings(&[
            "-var-file=/home/u/My Projects/bb/config/common.tfvars",
            "-var-file=/srv/bb/it's/account.tfvars",
            "-var-file=/srv/bb/config/backend.tfvars",
            "-var-file=/home/u/R&D;x/account.tfvars",
        ]);
        assert_eq!(
            cli_args_value(&args),
            r"'-var-file=/home/u/My Projects/bb/config/common.tfvars' '-var-file=/srv/bb/it'\''s/account.tfvars' -var-file=/srv/bb/config/backend.tfvars '-var-file=/home/u/R&D;x/account.tfvars'"
        );
    }
}
