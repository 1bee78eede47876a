//! `leverage run [-f FILE] [-l] [TASK...]`.

use crate::build_script::{self, RunRequest};
use crate::error::Error;
use crate::exit_status::ExitStatus;
use clap::Args;

#[derive(Debug, Args)]
#[command(
    after_help = "When no task is given, the default task (`__DEFAULT__`) runs; without one, the \
                  tasks are listed. The script runs with python3, or $LEVERAGE_PYTHON."
)]
pub struct RunArgs {
    /// Name of the build file containing the tasks definitions; looked up from the current
    /// directory up to the project root.
    #[arg(
        short = 'f',
        long = "filename",
        default_value = "build.py",
        value_name = "FILE"
    )]
    pub filename: String,
    /// List available tasks to run.
    #[arg(short = 'l', long = "list-tasks")]
    pub list_tasks: bool,
    /// Tasks to run, in order, each with its dependencies: `name` or `name[a,b,key=value]`.
    #[arg(value_name = "TASK")]
    pub tasks: Vec<String>,
}

pub fn run(args: RunArgs, verbose: bool) -> Result<ExitStatus, Error> {
    let request = RunRequest {
        file: args.filename,
        list: args.list_tasks,
        tasks: args.tasks,
    };
    build_script::run(&crate::project::current_dir()?, &request, verbose)
}
