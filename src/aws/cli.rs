//! `leverage aws <args>`: the AWS CLI with the project's files, and in a layer the layer's
//! credentials, its arguments passed through untouched.

use crate::auth::{self, ChildCredentials, Refresh};
use crate::exit_status::ExitStatus;
use crate::process::{self, Invocation};
use crate::project::{Location, Project};

const INSTALL: &str =
    "install it (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)";

pub fn run(project: &Project, args: Vec<String>) -> crate::Result<ExitStatus> {
    let program = process::require("aws", INSTALL)?;
    let credentials = match &project.location {
        Location::Layer { layer, .. } => {
            auth::for_layers(project, std::slice::from_ref(layer), Refresh::IfNeeded)?
        }
        _ => ChildCredentials::project_files(project)?,
    };
    let mut env = credentials.env();
    // Without --profile or a region in the environment, the AWS CLI stops at "You must specify
    // a region": the project's primary region is the natural default.
    let region_set = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()));
    if let (false, Some(region)) = (region_set, &project.primary_region) {
        env.push(("AWS_DEFAULT_REGION".into(), region.clone()));
    }
    let run = Invocation {
        program,
        args,
        dir: project.cwd.clone(),
        env,
    };
    Ok(ExitStatus::Child(run.run_attached()?))
}
