//! `leverage mfa enable|disable` (SPEC §6).

use super::MfaSwitchArgs;
use crate::error::Error;
use crate::identities::mfa_switch;
use crate::ui::Prompt;

pub fn switch(enable: bool, args: MfaSwitchArgs) -> Result<i32, Error> {
    let project = super::load_project()?;
    if crate::sso::enabled(&project) {
        let command = if enable { "mfa enable" } else { "mfa disable" };
        return Err(crate::sso::SsoError::UsesSso { command }.into());
    }
    let plan = mfa_switch::plan(&project, enable)?;
    let relative = |path: &std::path::Path| {
        path.strip_prefix(&project.root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    for (path, why) in &plan.skipped {
        tracing::warn!(
            "Left {} unchanged: {why}; change it by hand if it should follow.",
            relative(path)
        );
    }
    let state = if enable { "enabled" } else { "disabled" };
    if plan.changes.is_empty() {
        tracing::info!("Nothing to change: MFA is already {state} in every file leverage manages.");
        return Ok(0);
    }
    for change in &plan.changes {
        print!("{}", change.diff(&project.root));
    }
    if args.dry_run {
        tracing::info!("Dry run: nothing was changed.");
        return Ok(0);
    }
    if !args.yes {
        let question = format!("Apply these changes to {} file(s)?", plan.changes.len());
        let answer = Prompt::detect().select(
            &question,
            &["Yes", "No"],
            "pass --yes to apply without asking, or --dry-run to only look",
        )?;
        if answer != 0 {
            tracing::info!("Nothing was changed.");
            return Ok(1);
        }
    }
    mfa_switch::apply(&plan).map_err(|e| Error::Io("write the changes".into(), e))?;
    tracing::info!("MFA {state} in {} file(s).", plan.changes.len());
    if enable {
        tracing::info!(
            "Next: apply each account's roles (`leverage tf apply` in <account>/global/base-identities),"
        );
        tracing::info!(
            "then `leverage credentials configure --type MANAGEMENT --fetch-mfa-device --skip-access-keys-setup` (and --type SECURITY)."
        );
    } else {
        tracing::info!(
            "Next: apply each account's roles (`leverage tf apply` in <account>/global/base-identities)."
        );
    }
    Ok(0)
}
