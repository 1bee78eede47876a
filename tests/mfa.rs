//! Temporary MFA credentials for a layer's profiles, one code per source profile, with
//! the STS calls counted by moto's recorder and the child's AWS files inspected.

use crate::support::{AwsFixture, Run, Scenario};

const LAYER: &str = "management/global/mfa-test";
const PROMPT: &str = "> MFA: Please type in your OTP";

/// A configured project (MANAGEMENT keys + MFA device), MFA_ENABLED, and a layer using three
/// role profiles of one source profile.
fn mfa_project() -> Scenario {
    let s = Scenario::new()
        .moto(AwsFixture::landing_zone())
        .standins(&["terraform"])
        .env("STANDIN_COPY_AWS_FILES", "1");
    s.configure_management(&["--fetch-mfa-device"]).success();
    s.enable_mfa();
    let backend = s
        .read(s.project().join("management/config/backend.tfvars"))
        .replace("\"bb-bootstrap\"", "\"bb-management-oaar\"");
    s.write(
        s.project().join("management/config/backend.tfvars"),
        &backend,
    );
    s.write(
        s.project().join(LAYER).join("config.tf"),
        r#"provider "aws" {
  region  = var.region
  profile = var.profile
}

provider "aws" {
  alias   = "security"
  region  = var.region
  profile = "${var.project}-security-oaar"
}

provider "aws" {
  alias   = "shared"
  region  = var.region
  profile = "bb-shared-oaar"
}

terraform {
  backend "s3" {
    key = "management/mfa-test/terraform.tfstate"
  }
}
"#,
    );
    s.moto.as_ref().unwrap().reset_counts();
    s.clear_calls();
    s.cd(LAYER)
}

fn sts_calls(s: &Scenario) -> (usize, usize) {
    let moto = s.moto.as_ref().unwrap();
    let counts = (moto.count("GetSessionToken"), moto.count("AssumeRole"));
    moto.reset_counts();
    counts
}

fn prompts(run: &Run) -> usize {
    run.stderr.matches(PROMPT).count()
}

fn user_files(s: &Scenario) -> Vec<(String, Vec<u8>)> {
    ["config", "credentials"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(s.aws_dir().join(f)).unwrap()))
        .collect()
}

#[test]
fn one_code_makes_credentials_for_every_profile_and_is_reused() {
    let s = mfa_project();
    let before = user_files(&s);
    let run = s.run(&["tf", "plan"], "123456\n");
    run.success()
        .never_shows(&s.seeded().user().secret_access_key);
    assert_eq!(prompts(&run), 1, "{}", run.stderr);
    assert_eq!(sts_calls(&s), (1, 3));

    let call = s.calls().pop().unwrap();
    let private = s.aws_dir().join("leverage-credentials-");
    assert!(
        call.env["AWS_CONFIG_FILE"].starts_with(private.to_str().unwrap()),
        "the child gets private files in a private directory of ~/.aws/bb: {:?}",
        call.env
    );
    assert!(
        !std::path::Path::new(&call.env["AWS_CONFIG_FILE"]).exists(),
        "the private files are removed afterwards"
    );
    let config = call.config.unwrap();
    let sections: Vec<&str> = config.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(
        sections,
        [
            "[profile bb-management-oaar]",
            "[profile bb-security-oaar]",
            "[profile bb-shared-oaar]"
        ]
    );
    assert!(config.contains("region = us-east-1\n"), "{config}");
    let credentials = call.credentials.unwrap();
    assert_eq!(
        credentials.matches("aws_session_token = ").count(),
        3,
        "{credentials}"
    );
    assert!(
        !credentials.contains(&s.seeded().user().access_key_id),
        "long-term keys never reach the child"
    );
    assert_eq!(user_files(&s), before, "the user's files are not touched");

    // Within the hour: no question, no STS call.
    let run = s.run(&["tf", "plan"], "");
    run.success();
    assert_eq!((prompts(&run), sts_calls(&s)), (0, (0, 0)));

    // Role credentials too old, session still fine: new roles, still no question.
    let s = s.env("LEVERAGE_MFA_REFRESH_MARGIN", "4000");
    let run = s.run(&["tf", "plan"], "");
    run.success();
    assert_eq!((prompts(&run), sts_calls(&s)), (0, (0, 3)));
    assert_eq!(user_files(&s), before);
}

#[test]
fn refresh_credentials_asks_again_and_logout_forgets() {
    let s = mfa_project();
    s.run(&["tf", "plan"], "123456\n").success();
    sts_calls(&s);
    let run = s.run(&["tf", "refresh-credentials"], "654321\n");
    run.success()
        .stderr_has("Fresh credentials for bb-management-oaar, bb-security-oaar, bb-shared-oaar.");
    assert_eq!((prompts(&run), sts_calls(&s)), (1, (1, 3)));

    let run = s.run(&["credentials", "logout"], "");
    run.success()
        .stderr_has("Removed 4 cached MFA credential(s)");
    let run = s.run(&["tf", "plan"], "123456\n");
    run.success();
    assert_eq!((prompts(&run), sts_calls(&s)), (1, (1, 3)));
}

#[test]
fn codes_that_are_not_six_digits_are_refused_before_any_call() {
    let s = mfa_project();
    let run = s.run(&["tf", "plan"], "abcdef\n12345\n1234567\n");
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(prompts(&run), 3);
    run.stderr_has("Invalid OTP")
        .stderr_has("Maximum retries reached");
    assert_eq!(sts_calls(&s), (0, 0));
    assert!(
        s.calls().is_empty(),
        "terraform does not run without credentials"
    );

    let run = s.run(&["tf", "plan"], "12345\n123456\n");
    run.success();
    assert_eq!(prompts(&run), 2);
}

#[test]
fn no_answer_on_stdin_is_a_clear_error() {
    let s = mfa_project();
    let run = s.run(&["tf", "plan"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("no answer to \"MFA: Please type in your OTP\": standard input ended");
    assert!(s.calls().is_empty());
}

#[test]
fn missing_profile_settings_are_named() {
    for (key, line) in [
        ("role_arn", "role_arn = "),
        ("mfa_serial", "mfa_serial = "),
        ("source_profile", "source_profile = "),
    ] {
        let s = mfa_project();
        let config = s.read(s.aws_dir().join("config"));
        // Drop the key from the security profile only.
        let mut in_security = false;
        let edited: String = config
            .lines()
            .filter(|l| {
                if l.starts_with('[') {
                    in_security = *l == "[profile bb-security-oaar]";
                }
                !(in_security && l.starts_with(line))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        s.write(s.aws_dir().join("config"), &edited);
        let run = s.run(&["tf", "plan"], "123456\n");
        assert_eq!(run.code, 1, "{key}: {}", run.all());
        run.stderr_has(&format!("profile bb-security-oaar has no {key} in"));
        assert_eq!(sts_calls(&s), (0, 0), "{key}");
    }
}

#[test]
fn upstream_3x_mfa_sections_are_read() {
    let s = mfa_project();
    let config = s.read(s.aws_dir().join("config"));
    let serial = s.seeded().user().mfa_serial.clone().unwrap();
    // Upstream 3.x kept role_arn and mfa_serial in a `-mfa` section.
    let shared_arn = config
        .lines()
        .skip_while(|l| *l != "[profile bb-shared-oaar]")
        .find(|l| l.starts_with("role_arn"))
        .unwrap()
        .to_string();
    let edited =
        config.replace(
            &format!("{shared_arn}\nsource_profile = bb-management\nmfa_serial = {serial}\n"),
            "source_profile = bb-management\n",
        ) + &format!("\n[profile bb-shared-oaar-mfa]\n{shared_arn}\nmfa_serial = {serial}\n");
    s.write(s.aws_dir().join("config"), &edited);
    s.run(&["tf", "plan"], "123456\n").success();
    assert_eq!(sts_calls(&s), (1, 3));
}

#[test]
fn a_corrupt_cache_entry_is_replaced_not_trusted() {
    let s = mfa_project();
    s.run(&["tf", "plan"], "123456\n").success();
    sts_calls(&s);
    s.write(s.aws_dir().join("cache/bb-management.session"), "{not json");
    s.write(s.aws_dir().join("cache/bb-shared-oaar"), "");
    let run = s.run(&["tf", "plan"], "123456\n");
    run.success().stderr_has("Ignoring the corrupt cache entry");
    assert_eq!((prompts(&run), sts_calls(&s)), (1, (1, 1)));
    let mode = |p: &str| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(s.aws_dir().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(
        (
            mode("cache"),
            mode("cache/bb-management.session"),
            mode("cache/bb-shared-oaar")
        ),
        (0o700, 0o600, 0o600)
    );
}

#[test]
fn with_mfa_disabled_nothing_is_asked_or_called() {
    let s = mfa_project();
    let build_env = s
        .read(s.project().join("build.env"))
        .replace("MFA_ENABLED=true", "MFA_ENABLED=false");
    s.write(s.project().join("build.env"), &build_env);
    let run = s.run(&["tf", "plan"], "");
    run.success();
    assert_eq!((prompts(&run), sts_calls(&s)), (0, (0, 0)));
    assert_eq!(
        s.calls()[0].env["AWS_CONFIG_FILE"],
        s.aws_dir().join("config").display().to_string()
    );
}

#[test]
fn two_runs_started_together_ask_once_in_total() {
    let s = mfa_project();
    let other = "management/global/mfa-test-2";
    s.write(
        s.project().join(other).join("config.tf"),
        &s.read(s.project().join(LAYER).join("config.tf")),
    );
    let second = Scenario::run_in(&s, &s.project().join(other), &["tf", "plan"], "123456\n");
    let first = s.run(&["tf", "plan"], "123456\n");
    let second = second.join().unwrap();
    first.success();
    second.success();
    assert_eq!(
        prompts(&first) + prompts(&second),
        1,
        "{}\n{}",
        first.stderr,
        second.stderr
    );
    assert_eq!(sts_calls(&s), (1, 3));
}

#[test]
fn no_verbosity_shows_the_keys_or_the_session_tokens() {
    let s = mfa_project();
    let user = s.seeded().user().clone();
    for verbosity in ["-v", "-vv", "-vvv"] {
        // A fresh session each time: the STS calls are what would print tokens.
        s.run(&["credentials", "logout"], "").success();
        let run = s.run(&[verbosity, "tf", "plan"], "123456\n");
        run.success().never_shows(&user.secret_access_key);
        let call = s.calls().pop().unwrap();
        let private_credentials = call.credentials.expect("the stand-in kept its credentials");
        for line in private_credentials.lines() {
            if let Some((key, value)) = line.split_once(" = ")
                && (key == "aws_secret_access_key" || key == "aws_session_token")
            {
                run.never_shows(value);
            }
        }
    }
}

#[test]
fn many_layers_in_parallel_get_their_credentials_up_front_with_one_code() {
    let s = mfa_project();
    // A second layer of the account, with the account's backend profile only.
    s.write(
        s.project().join("management/global/other/config.tf"),
        "provider \"aws\" {\n  profile = var.profile\n}\n\nterraform {\n  backend \"s3\" {\n    key = \"management/other/terraform.tfstate\"\n  }\n}\n",
    );
    let run = s.run_at(
        "management",
        &["tf", "plan", "--all", "-j", "3"],
        "123456\n",
        &[],
    );
    run.success();
    // Asked once, before any layer ran: stdin is closed for the parallel runs.
    assert_eq!(prompts(&run), 1, "{}", run.stderr);
    let first_layer = run.stderr.find("Invoking command for layer").unwrap();
    assert!(
        run.stderr.find(PROMPT).unwrap() < first_layer,
        "{}",
        run.stderr
    );
    let calls = s.calls();
    assert!(calls.len() >= 3, "{calls:#?}");
    let private = s.aws_dir().join("leverage-credentials-");
    for call in &calls {
        assert!(
            call.env["AWS_CONFIG_FILE"].starts_with(private.to_str().unwrap()),
            "{call:#?}"
        );
        let credentials = call.credentials.as_ref().expect("kept");
        assert!(
            credentials.contains("[bb-management-oaar]"),
            "{credentials}"
        );
    }
    assert_eq!(sts_calls(&s), (1, 3));
}

#[test]
fn a_layer_file_our_parser_refuses_does_not_stop_the_run() {
    let s = mfa_project();
    s.write(
        s.project().join(LAYER).join("locals.tf"),
        "locals {\n  certs = {\n    a = 1\n    a = 2\n  }\n}\n",
    );
    let run = s.run(&["tf", "plan"], "123456\n");
    run.success()
        .stderr_has("locals.tf")
        .stderr_has("the AWS profiles it names are not prepared for terraform");
    // config.tf still counts: its three role profiles got credentials.
    assert_eq!(sts_calls(&s), (1, 3));
}
