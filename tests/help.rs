//! Every `--help` page of the command tree, pinned: a flag or text that changes shows up here.

use crate::support::Scenario;
use clap::CommandFactory;

/// Every command path below `leverage`, depth first (`["tf", "plan"]`, ...).
fn command_paths(command: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    for sub in command.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let mut path = prefix.clone();
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        command_paths(sub, path, out);
    }
}

#[test]
fn every_help_page_is_pinned() {
    let s = Scenario::new().env("COLUMNS", "100");
    let mut paths = vec![Vec::new()];
    command_paths(&leverage::cli::Cli::command(), Vec::new(), &mut paths);
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = s.run(&args, "");
        run.success();
        let name = if path.is_empty() {
            "leverage".to_string()
        } else {
            format!("leverage {}", path.join(" "))
        };
        insta::assert_snapshot!(name.replace(' ', "_"), run.stdout, &name);
    }
}
