//! `leverage aws <args>` (SPEC §7): the AWS CLI with the project's credentials files; in a layer
//! with MFA on, with the layer's temporary credentials (SPEC §4); in a layer of an SSO project,
//! with the layer's SSO credentials. `configure sso` and `sso ...` are leverage's own.

use super::terraform::{mfa_credentials, sso_credentials};
use crate::aws::{AwsFile, AwsFiles};
use crate::error::Error;
use crate::project::Location;
use crate::terraform::binary::find_on_path;
use crate::terraform::runner::{self, Invocation};

pub fn run(args: Vec<String>) -> Result<i32, Error> {
    match super::sso::intercept(&args) {
        Some(Ok(parsed)) => return super::sso::run(parsed),
        Some(Err(help)) => {
            let _ = help.print();
            return Ok(0);
        }
        None => {}
    }
    let project = super::load_project()?;
    let program =
        find_on_path("aws", std::env::var_os("PATH").as_deref()).ok_or(Error::AwsCliMissing)?;
    if let (Location::Layer { layer, .. }, true) =
        (&project.location, crate::sso::enabled(&project))
    {
        sso_credentials(&project, std::slice::from_ref(layer), false)?;
    }
    let private = match (&project.location, project.mfa_enabled()) {
        _ if crate::sso::enabled(&project) => None,
        (Location::Layer { layer, .. }, true) => Some(mfa_credentials(
            &project,
            std::slice::from_ref(layer),
            false,
        )?),
        _ => None,
    };
    let (config, credentials) = match &private {
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
    let env = vec![
        ("AWS_CONFIG_FILE".to_string(), config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_string(),
            credentials.display().to_string(),
        ),
    ];
    runner::run_attached(&Invocation {
        program,
        args,
        dir: project.cwd.clone(),
        env,
    })
    .map_err(Error::from)
}
