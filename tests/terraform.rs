//! `leverage terraform | tofu | tf`, against a recording stand-in
//! binary: exact argv, cwd, environment and exit codes.

use crate::support::{Call, Scenario};
use std::path::{Path, PathBuf};

const LAYER: &str = "management/global/base-identities";

fn scenario() -> Scenario {
    Scenario::new().standins(&["terraform"]).cd(LAYER)
}

fn root(s: &Scenario) -> PathBuf {
    s.project().canonicalize().unwrap()
}

fn var_files(s: &Scenario, account: &str) -> Vec<String> {
    let r = root(s);
    vec![
        format!("-var-file={}/config/common.tfvars", r.display()),
        format!("-var-file={}/{account}/config/account.tfvars", r.display()),
        format!("-var-file={}/{account}/config/backend.tfvars", r.display()),
    ]
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[track_caller]
fn only_call(s: &Scenario) -> Call {
    let calls = s.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    calls.into_iter().next().unwrap()
}

#[test]
fn every_command_gets_exactly_the_arguments_upstream_gives() {
    let s = scenario();
    let r = root(&s);
    let vars = var_files(&s, "management");
    let backend = format!(
        "-backend-config={}/management/config/backend.tfvars",
        r.display()
    );
    let with_vars =
        |head: &[&str], tail: &[&str]| [strings(head), vars.clone(), strings(tail)].concat();
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (
            vec!["init", "-upgrade", "-backend-config=mine.tfvars"],
            [
                vec!["init".to_string(), backend.clone()],
                vars.clone(),
                strings(&["-upgrade"]),
            ]
            .concat(),
        ),
        (
            vec!["plan", "-out=tfplan", "-target=module.user"],
            with_vars(&["plan"], &["-out=tfplan", "-target=module.user"]),
        ),
        (
            vec!["apply", "-auto-approve", "-target=x"],
            with_vars(&["apply"], &["-auto-approve", "-target=x"]),
        ),
        (
            vec!["apply", "-auto-approve", "tfplan"],
            strings(&["apply", "-auto-approve", "tfplan"]),
        ),
        (
            vec!["apply", "-var", "a=1"],
            with_vars(&["apply"], &["-var", "a=1"]),
        ),
        (vec!["output", "-json"], strings(&["output", "-json"])),
        (
            vec!["destroy", "-auto-approve"],
            with_vars(&["destroy"], &["-auto-approve"]),
        ),
        // `terraform validate` rejects -var-file; `tofu validate` takes them (below).
        (
            vec!["validate", "-no-color"],
            strings(&["validate", "-no-color"]),
        ),
        (
            vec!["import", "aws_iam_user.x", "natasha", "-lock=false"],
            with_vars(&["import"], &["-lock=false", "aws_iam_user.x", "natasha"]),
        ),
        (
            vec!["force-unlock", "1234-abcd", "-force"],
            strings(&["force-unlock", "-force", "1234-abcd"]),
        ),
        (vec!["version", "-json"], strings(&["version", "-json"])),
        (
            vec!["format", "-check"],
            strings(&["fmt", "-recursive", "-check"]),
        ),
        (
            vec!["format", "-recursive", "-diff"],
            strings(&["fmt", "-recursive", "-diff"]),
        ),
    ];
    for (args, expected) in cases {
        s.clear_calls();
        let full: Vec<&str> = ["terraform"]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let run = s.run(&full, "");
        run.success();
        let call = only_call(&s);
        assert_eq!(call.args, expected, "leverage {}", full.join(" "));
        assert_eq!(call.cwd, r.join(LAYER), "leverage {}", full.join(" "));
    }
}

#[test]
fn tofu_validate_gets_the_var_files_terraform_validate_rejects() {
    let s = Scenario::new().standins(&["tofu"]).cd(LAYER);
    s.run(&["tofu", "validate"], "").success();
    let vars = var_files(&s, "management");
    assert_eq!(only_call(&s).args, [strings(&["validate"]), vars].concat());
}

#[test]
fn the_child_gets_the_project_aws_files_and_the_users_variables() {
    let s = scenario().env("TF_PLUGIN_CACHE_DIR", "/tmp/plugin-cache");
    s.run(
        &[
            "tf",
            "-e",
            "LEVERAGE_TEST_ONE=1",
            "--env-var",
            "TF_LOG=DEBUG",
            "plan",
        ],
        "",
    )
    .success();
    let call = only_call(&s);
    let home = s.home();
    assert_eq!(
        call.env["AWS_CONFIG_FILE"],
        format!("{}/.aws/bb/config", home.display())
    );
    assert_eq!(
        call.env["AWS_SHARED_CREDENTIALS_FILE"],
        format!("{}/.aws/bb/credentials", home.display())
    );
    assert_eq!(call.env["TF_PLUGIN_CACHE_DIR"], "/tmp/plugin-cache");
    assert_eq!(call.env["LEVERAGE_TEST_ONE"], "1");
    assert_eq!(call.env["TF_LOG"], "DEBUG");
    let bad = s.run(&["tf", "-e", "NOEQUALS", "plan"], "");
    bad.failure()
        .stderr_has("invalid --env-var NOEQUALS: expected KEY=VALUE");
}

#[test]
fn the_childs_exit_code_is_leverages() {
    for code in [0, 1, 2, 130] {
        let s = scenario().env("STANDIN_EXIT", &code.to_string());
        let run = s.run(&["terraform", "plan"], "");
        assert_eq!(run.code, code, "{}", run.all());
        assert!(
            run.stdout.starts_with("standin terraform plan"),
            "the child's output reaches the user: {}",
            run.stdout
        );
    }
}

#[test]
fn commands_that_need_a_layer_refuse_other_places_with_upstreams_messages() {
    let cases = [
        (
            "",
            "Terraform commands cannot run neither in the root of the project or in the root directory of an account.",
        ),
        (
            "security",
            "Terraform commands cannot run neither in the root of the project or in the root directory of an account.",
        ),
        (
            "config",
            "Currently in a configuration directory, no Terraform command can be run here.",
        ),
        (
            "security/config",
            "Currently in a configuration directory, no Terraform command can be run here.",
        ),
        (
            "security/us-east-1",
            "This command can only run at layer level.",
        ),
    ];
    for (dir, message) in cases {
        for command in [
            "plan",
            "init",
            "apply",
            "shell",
            "validate-layout",
            "refresh-credentials",
        ] {
            let s = Scenario::new().standins(&["terraform"]).cd(dir);
            let run = s.run(&["tf", command], "");
            assert_eq!(run.code, 1, "{dir} {command}: {}", run.all());
            run.stderr_has(message);
            assert!(s.calls().is_empty(), "{dir} {command} ran the binary");
        }
    }
    let s = scenario();
    s.run(&["tf", "plan", "--layers", "x"], "")
        .failure()
        .stderr_has("Can not use --layers or --all at layer level.");
    let s = Scenario::new().standins(&["terraform"]);
    s.run(&["tf", "plan", "--layers", "x"], "")
        .failure()
        .stderr_has("not from the project root");
    // version and format need no layer.
    s.run(&["tf", "version"], "").success();
}

#[test]
fn tf_runs_tofu_when_present_and_terraform_otherwise() {
    let s = Scenario::new().standins(&["terraform", "tofu"]).cd(LAYER);
    s.run(&["tf", "version"], "").success();
    s.run(&["terraform", "version"], "").success();
    s.run(&["tofu", "version"], "").success();
    let names: Vec<String> = s.calls().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["tofu", "terraform", "tofu"]);

    let s = scenario();
    s.run(&["tf", "version"], "").success();
    assert_eq!(only_call(&s).name, "terraform");
    let run = s.run(&["tofu", "plan"], "");
    run.failure()
        .stderr_has("tofu was not found on PATH")
        .stderr_has("hint: install OpenTofu");

    let s = Scenario::new().standins(&[]).cd(LAYER);
    s.run(&["tf", "plan"], "")
        .failure()
        .stderr_has("tofu or terraform was not found on PATH")
        .stderr_has(
            "hint: install OpenTofu (https://opentofu.org/docs/intro/install/) or Terraform",
        );
}

#[test]
fn shell_starts_the_users_shell_in_the_layer_with_the_same_environment() {
    let s = Scenario::new().standins(&["terraform", "fish"]).cd(LAYER);
    let shell = s.standin_path("fish");
    let s = s.env("SHELL", shell.to_str().unwrap());
    s.run(&["tf", "shell", "-c", "echo hi"], "").success();
    let call = only_call(&s);
    assert_eq!(call.name, "fish");
    assert_eq!(call.args, ["-c", "echo hi"]);
    assert_eq!(call.cwd, root(&s).join(LAYER));
    assert!(call.env["AWS_CONFIG_FILE"].ends_with("/.aws/bb/config"));
}

fn drop_backend_key(s: &Scenario, layer: &str) -> String {
    let path = s.project().join(layer).join("config.tf");
    let text = s.read(&path);
    let without: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("key "))
        .map(|l| format!("{l}\n"))
        .collect();
    s.write(&path, &without);
    without
}

#[test]
fn init_sets_a_missing_backend_key_once_and_touches_nothing_else() {
    let s = scenario();
    let before = drop_backend_key(&s, LAYER);
    s.run(&["tf", "init"], "").success();
    let after = s.read(s.project().join(LAYER).join("config.tf"));
    let expected = before.replace(
        "  backend \"s3\" {\n  }\n",
        "  backend \"s3\" {\n    key = \"management/global/identities/terraform.tfstate\"\n  }\n",
    );
    assert_eq!(after, expected);
    s.run(&["tf", "init"], "").success();
    assert_eq!(
        s.read(s.project().join(LAYER).join("config.tf")),
        expected,
        "a second init changes nothing"
    );

    // Also for layers reached through --layers.
    let s = Scenario::new().standins(&["terraform"]).cd("shared");
    let before = drop_backend_key(&s, "shared/us-east-1/base-tf-backend");
    s.run(&["tf", "init", "--layers", "us-east-1/base-tf-backend"], "")
        .success();
    let after = s.read(
        s.project()
            .join("shared/us-east-1/base-tf-backend/config.tf"),
    );
    assert_eq!(
        after,
        before.replace(
            "  backend \"s3\" {\n  }\n",
            "  backend \"s3\" {\n    key = \"shared/us-east-1/tf-backend/terraform.tfstate\"\n  }\n"
        )
    );
}

fn edit(s: &Scenario, file: &str, from: &str, to: &str) {
    let path = s.project().join(file);
    let text = s.read(&path);
    assert!(text.contains(from), "{file} lacks {from:?}");
    s.write(&path, &text.replace(from, to));
}

#[test]
fn validate_layout_passes_the_fixture_and_flags_each_broken_variant() {
    let s = scenario();
    let run = s.run(&["tf", "validate-layout"], "");
    run.success()
        .stderr_has("✔ environment = \"management\"")
        .stderr_has("✔ backend key management/identities/terraform.tfstate")
        .stderr_has("Layout is valid.");
    insta::assert_snapshot!(s.transcript(&run));
    assert!(s.calls().is_empty(), "validate-layout runs no binary");

    let broken: &[(&str, &str, &str, &str)] = &[
        (
            "management/config/account.tfvars",
            "environment = \"management\"",
            "",
            "✘ environment is not set in management/config/account.tfvars",
        ),
        (
            "management/global/base-identities/config.tf",
            "management/identities/terraform.tfstate",
            "security/identities/terraform.tfstate",
            "✘ backend key security/identities/terraform.tfstate in config.tf; expected management/global/identities/terraform.tfstate",
        ),
        (
            "management/config/backend.tfvars",
            "profile = \"bb-bootstrap\"",
            "profile = \"xx-management-oaar\"",
            "✘ profile = \"xx-management-oaar\"",
        ),
        (
            "management/config/backend.tfvars",
            "bucket = \"bb-management",
            "bucket = \"bb-security",
            "✘ bucket = \"bb-security-terraform-backend\"",
        ),
        (
            "management/config/backend.tfvars",
            "dynamodb_table = \"bb-management",
            "dynamodb_table = \"other",
            "✘ dynamodb_table = \"other-terraform-backend\"",
        ),
    ];
    for (file, from, to, message) in broken {
        let s = scenario();
        edit(&s, file, from, to);
        let run = s.run(&["tf", "validate-layout"], "");
        assert_eq!(run.code, 1, "{message}: {}", run.all());
        run.stderr_has(message)
            .stderr_has("Layout is not valid: 1 problem(s) found.");
        // init validates first and does not run the binary on an invalid layout.
        let run = s.run(&["tf", "init"], "");
        assert_eq!(run.code, 1);
        assert!(s.calls().is_empty(), "{message}: init ran the binary");
        s.run(&["tf", "init", "--skip-validation"], "").success();
        assert_eq!(s.calls().len(), 1);
    }

    // Allowed: a bootstrap or per-account profile, and an environment that differs (warning).
    let s = scenario();
    edit(
        &s,
        "management/config/backend.tfvars",
        "profile = \"bb-bootstrap\"",
        "profile = \"bb-management-oaar\"",
    );
    edit(
        &s,
        "management/config/account.tfvars",
        "environment = \"management\"",
        "environment = \"root\"",
    );
    let run = s.run(&["tf", "validate-layout"], "");
    run.success()
        .stderr_has("✔ profile = \"bb-management-oaar\"")
        .stderr_has(
            "WARNING  ⚠ environment = \"root\" in management/config/account.tfvars differs",
        );
}

/// Four more layers in `apps` (each with an s3 backend, which is what makes a layer for --all),
/// one of which fails (STANDIN_FAIL_IN).
fn many_layers() -> Scenario {
    let s = Scenario::new().standins(&["terraform"]);
    for layer in ["apps/config/account.tfvars", "apps/config/backend.tfvars"] {
        let text = s
            .read(s.project().join(layer.replace("apps", "shared")))
            .replace("shared", "apps");
        s.write(s.project().join(layer), &text);
    }
    for layer in ["us-east-1/a", "us-east-1/b", "us-east-1/c", "global/d"] {
        s.write(
            s.project().join("apps").join(layer).join("main.tf"),
            "# a layer\nterraform {\n  backend \"s3\" {}\n}\n",
        );
    }
    s.write(
        s.project()
            .join("apps/us-east-1/a/.terraform/modules/m/main.tf"),
        "# not a layer\n",
    );
    s.write(
        s.project().join("apps/us-east-1/a/modules/x/main.tf"),
        "# a module of layer a, not a layer\n",
    );
    s.cd("apps")
}

/// The words of the summary table's row for `layer` (the duration varies, so callers may slice).
fn summary_row(stderr: &str, layer: &str) -> Vec<String> {
    let row = stderr
        .lines()
        .find(|l| l.split_whitespace().next() == Some(layer))
        .unwrap_or_else(|| panic!("no summary row for {layer}:\n{stderr}"));
    row.split_whitespace().map(str::to_string).collect()
}

fn layers_called(s: &Scenario) -> Vec<String> {
    let root = root(s);
    let mut called: Vec<String> = s
        .calls()
        .iter()
        .map(|c| c.cwd.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    called.dedup();
    called
}

#[test]
fn layers_run_in_the_given_order_and_globs_and_all_select_them() {
    let s = many_layers();
    s.run(
        &["tf", "plan", "--layers", "us-east-1/c,global/d,us-east-1/a"],
        "",
    )
    .success();
    assert_eq!(
        layers_called(&s),
        ["apps/us-east-1/c", "apps/global/d", "apps/us-east-1/a"]
    );
    assert_eq!(
        s.calls()[0].args,
        [vec!["plan".to_string()], var_files(&s, "apps")].concat()
    );

    s.clear_calls();
    s.run(&["tf", "plan", "-no-color", "--layers=us-east-1/*"], "")
        .success();
    assert_eq!(
        layers_called(&s),
        ["apps/us-east-1/a", "apps/us-east-1/b", "apps/us-east-1/c"]
    );
    assert_eq!(
        s.calls()[0].args.last().unwrap(),
        "-no-color",
        "our flags are taken out, the binary's kept"
    );

    s.clear_calls();
    let run = s.run(&["tf", "output", "--all"], "");
    run.success();
    assert_eq!(
        layers_called(&s),
        [
            "apps/global/d",
            "apps/us-east-1/a",
            "apps/us-east-1/b",
            "apps/us-east-1/c"
        ]
    );
    assert_eq!(
        summary_row(&run.stderr, "LAYER"),
        ["LAYER", "RESULT", "EXIT", "DURATION"]
    );
    assert_eq!(
        summary_row(&run.stderr, "apps/us-east-1/c")[..3],
        ["apps/us-east-1/c", "ok", "0"]
    );

    // From a layers-group directory too.
    let s = many_layers().cd("apps/us-east-1");
    s.run(&["tf", "plan", "--layers", "b"], "").success();
    assert_eq!(layers_called(&s), ["apps/us-east-1/b"]);
}

#[test]
fn every_listed_layer_is_checked_before_any_runs() {
    let s = many_layers();
    let run = s.run(
        &["tf", "plan", "--layers", "us-east-1/a,us-east-1/nope"],
        "",
    );
    run.failure()
        .stderr_has("Directory us-east-1/nope does not exist or is not a layer");
    let run = s.run(&["tf", "plan", "--layers", "eu-west-1/*"], "");
    run.failure()
        .stderr_has("--layers pattern eu-west-1/* matches no layer.");
    assert!(s.calls().is_empty());
}

#[test]
fn a_failing_layer_fails_the_run_and_fail_fast_stops_starting_new_ones() {
    let s = many_layers().env("STANDIN_FAIL_IN", "us-east-1/b");
    let run = s.run(&["tf", "plan", "--all"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        layers_called(&s).len(),
        4,
        "without --fail-fast every layer runs"
    );

    s.clear_calls();
    let run = s.run(&["tf", "plan", "--all", "--fail-fast"], "");
    assert_eq!(run.code, 1);
    assert_eq!(
        layers_called(&s),
        ["apps/global/d", "apps/us-east-1/a", "apps/us-east-1/b"]
    );
    assert_eq!(
        summary_row(&run.stderr, "apps/us-east-1/c").join(" "),
        "apps/us-east-1/c skipped - - not started: apps/us-east-1/b failed (--fail-fast)"
    );
    assert_eq!(
        summary_row(&run.stderr, "apps/us-east-1/b")[1..3],
        ["failed", "1"]
    );
}

#[test]
fn parallel_layers_have_prefixed_output_their_own_logs_and_a_summary() {
    let s = many_layers().env("STANDIN_FAIL_IN", "global/d");
    let run = s.run(&["tf", "plan", "--all", "-j", "2"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(layers_called(&s).len(), 4);
    for layer in [
        "apps/global/d",
        "apps/us-east-1/a",
        "apps/us-east-1/b",
        "apps/us-east-1/c",
    ] {
        assert!(
            run.stdout
                .contains(&format!("[{layer}] standin terraform plan")),
            "{}",
            run.stdout
        );
        assert!(
            run.stderr
                .contains(&format!("[{layer}] standin stderr line")),
            "{}",
            run.stderr
        );
    }
    let logs = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("Logs: "))
        .expect("the log directory is named");
    let log = std::fs::read_to_string(Path::new(logs).join("apps__us-east-1__a.log")).unwrap();
    let mut lines: Vec<&str> = log.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "standin stderr line",
            format!("standin terraform plan {}", var_files(&s, "apps").join(" ")).as_str()
        ]
    );
    assert_eq!(
        summary_row(&run.stderr, "apps/global/d")[..3],
        ["apps/global/d", "failed", "1"]
    );
    assert_eq!(
        summary_row(&run.stderr, "apps/us-east-1/a")[..3],
        ["apps/us-east-1/a", "ok", "0"]
    );
    // Logs may hold sensitive outputs: a directory and files of the user's alone.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(Path::new(logs)), 0o700);
    assert_eq!(mode(&Path::new(logs).join("apps__us-east-1__a.log")), 0o600);
    std::fs::remove_dir_all(logs).unwrap();
}

/// Starts `leverage tf plan` with a stand-in that sleeps, sends `signal` to leverage alone after
/// a moment, and returns its exit code and how long it ran.
fn signalled(signal: i32) -> (i32, std::time::Duration) {
    let s = scenario().env("STANDIN_SLEEP", "2");
    let started = std::time::Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_leverage"))
        .args(["tf", "plan"])
        .current_dir(s.project().join(LAYER))
        .env("HOME", s.home())
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", s.dir.path().join("bin").display()),
        )
        .env("STANDIN_LOG", s.dir.path().join("calls"))
        .env("STANDIN_SLEEP", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: kill(2) on the child we just spawned.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let status = child.wait_with_output().unwrap().status;
    use std::os::unix::process::ExitStatusExt;
    (
        status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
        started.elapsed(),
    )
}

#[test]
fn sigterm_is_passed_to_the_child_and_sigint_waits_for_it() {
    let (code, took) = signalled(libc::SIGTERM);
    assert_eq!(
        code,
        128 + libc::SIGTERM,
        "the child was terminated and its status is ours"
    );
    assert!(
        took < std::time::Duration::from_millis(1900),
        "leverage did not wait out the sleep: {took:?}"
    );
    // Ctrl-C reaches the child from the terminal; leverage itself survives it and waits.
    let (code, took) = signalled(libc::SIGINT);
    assert_eq!(code, 0);
    assert!(took >= std::time::Duration::from_secs(2), "{took:?}");
}
