//! The command tree: help, version, completions, the project view, and honest "not implemented".

use crate::support::Scenario;

#[test]
fn help_lists_every_command_group() {
    let run = Scenario::new().run(&["--help"], "");
    run.success();
    for group in [
        "credentials",
        "terraform",
        "tofu",
        "tf",
        "aws",
        "project",
        "identities",
        "mfa",
        "completions",
    ] {
        assert!(
            run.stdout.contains(&format!("\n  {group} ")),
            "--help lacks {group}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn every_command_has_help() {
    let s = Scenario::new();
    for args in [
        &["credentials", "configure", "--help"][..],
        &["tf", "init", "--help"],
        &["terraform", "plan", "--help"],
        &["tofu", "validate-layout", "--help"],
        &["project", "info", "--help"],
        &["mfa", "enable", "--help"],
    ] {
        let run = s.run(args, "");
        run.success();
        assert!(
            run.stdout.starts_with(char::is_uppercase) && run.stdout.contains("Usage: leverage"),
            "{args:?}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn version_prints_the_crate_version() {
    let run = Scenario::new().run(&["--version"], "");
    run.success();
    assert_eq!(
        run.stdout,
        format!("leverage {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_are_generated_for_each_shell() {
    let s = Scenario::new();
    for (shell, marker) in [
        ("bash", "_leverage()"),
        ("zsh", "#compdef leverage"),
        ("fish", "complete -c leverage"),
    ] {
        let run = s.run(&["completions", shell], "");
        run.success();
        assert!(
            run.stdout.contains(marker),
            "{shell}: {}",
            &run.stdout[..200.min(run.stdout.len())]
        );
    }
}

#[test]
fn project_create_in_a_project_already_created_refuses_and_exits_1() {
    let s = Scenario::new().cd("security/us-east-1/base-tf-backend");
    let run = s.run(&["project", "create"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("ERROR    the project has already been created: ");
    insta::assert_snapshot!(s.transcript(&run));
    assert_eq!(run.stdout, "", "nothing may pretend to work");
}

#[test]
fn project_info_shows_what_was_detected() {
    let s = Scenario::new().cd("management/global/base-identities");
    let run = s.run(&["project", "info"], "");
    run.success();
    let root = s.project().canonicalize().unwrap();
    let expected = format!(
        "root:             {}
short name:       bb
project name:     binbash
primary region:   us-east-1
secondary region: us-west-2
MFA enabled:      false
SSO enabled:      false
location:         layer (management/global/base-identities)
accounts:
  management       (no id yet)    aws+management@binbash.com.ar
  security         (no id yet)    aws+security@binbash.com.ar
  shared           (no id yet)    aws+shared@binbash.com.ar
",
        root.display()
    );
    assert_eq!(run.stdout, expected);
    insta::assert_snapshot!(s.transcript(&run));
}

#[test]
fn errors_are_one_log_line_and_a_hint() {
    let s = Scenario::new();
    let yaml = s
        .read(s.project().join("project.yaml"))
        .replace("short_name: bb", "short_name: binbash");
    s.write(s.project().join("project.yaml"), &yaml);
    let run = s.run(&["project", "info"], "");
    run.failure();
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0].ends_with("ERROR    the project short name \"binbash\" (short_name in project.yaml) must be 2 to 4 lowercase letters"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].starts_with('[') && lines[0].as_bytes()[13] == b']',
        "timestamp like [HH:MM:SS.mmm]: {}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "hint: set short_name in project.yaml to something like \"bb\""
    );
    insta::assert_snapshot!(s.transcript(&run));
}

#[test]
fn a_fresh_clone_with_only_the_example_tfvars_says_what_to_do() {
    let s = Scenario::new();
    let common = s.project().join("config/common.tfvars");
    std::fs::rename(&common, s.project().join("config/common.tfvars.example")).unwrap();
    let run = s.run(&["project", "info"], "");
    run.success().stderr_has(
        "config/common.tfvars is missing, so the project's names, regions and accounts are not \
         set: copy config/common.tfvars.example to config/common.tfvars and fill it in.",
    );
}
