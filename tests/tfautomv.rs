//! `leverage tfautomv`: a recording stand-in tfautomv gets the layer's var-file arguments in
//! TF_CLI_ARGS_init/plan, the binary `tf` would run as --terraform-bin, and the layer's
//! credentials (temporary ones with MFA on).

use crate::support::{AwsFixture, Call, Scenario};

const LAYER: &str = "shared/us-east-1/base-tf-backend";

fn var_files(s: &Scenario) -> String {
    let root = s.project().canonicalize().unwrap();
    let r = root.display();
    format!(
        "-var-file={r}/config/common.tfvars -var-file={r}/shared/config/account.tfvars \
         -var-file={r}/shared/config/backend.tfvars"
    )
}

#[track_caller]
fn only_call(s: &Scenario) -> Call {
    let calls = s.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    calls.into_iter().next().unwrap()
}

#[test]
fn tfautomv_gets_the_var_files_and_the_binary_tf_would_run() {
    for (installed, chosen) in [
        (&["tfautomv", "tofu", "terraform"][..], "tofu"),
        (&["tfautomv", "terraform"][..], "terraform"),
    ] {
        let s = Scenario::new().standins(installed).cd(LAYER);
        let run = s.run(
            &[
                "tfautomv",
                "--terraform-bin",
                "/opt/old/terraform",
                "-dry-run",
                "--terraform-bin=tf",
                "--output=commands",
            ],
            "",
        );
        run.success();
        let call = only_call(&s);
        assert_eq!(call.name, "tfautomv");
        assert_eq!(
            call.args,
            [
                "-dry-run".to_string(),
                "--output=commands".into(),
                format!("--terraform-bin={chosen}"),
            ]
        );
        assert_eq!(call.cwd, s.project().canonicalize().unwrap().join(LAYER));
        assert_eq!(call.env["TF_CLI_ARGS_init"], var_files(&s));
        assert_eq!(call.env["TF_CLI_ARGS_plan"], var_files(&s));
        assert_eq!(
            call.env["AWS_CONFIG_FILE"],
            format!("{}/.aws/bb/config", s.home().display())
        );
    }
}

#[test]
fn tfautomvs_exit_code_is_leverages() {
    let s = Scenario::new()
        .standins(&["tfautomv", "tofu"])
        .env("STANDIN_EXIT", "2")
        .cd(LAYER);
    let run = s.run(&["tfautomv"], "");
    assert_eq!(run.code, 2, "{}", run.all());
}

#[test]
fn outside_a_layer_or_without_tfautomv_it_says_what_to_do() {
    let s = Scenario::new().standins(&["tfautomv", "tofu"]).cd("shared");
    let run = s.run(&["tfautomv"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("outside_a_layer", s.transcript(&run));
    assert!(s.calls().is_empty());

    let s = Scenario::new().standins(&["tofu"]).cd(LAYER);
    let run = s.run(&["tfautomv"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("not_installed", s.transcript(&run));
}

#[test]
fn with_mfa_on_tfautomv_gets_the_layers_temporary_credentials() {
    let s = Scenario::new()
        .moto(AwsFixture::landing_zone())
        .standins(&["tfautomv", "tofu"])
        .env("STANDIN_COPY_AWS_FILES", "1");
    s.configure_management(&["--fetch-mfa-device"]).success();
    s.enable_mfa();
    let config = s
        .read(s.project().join(LAYER).join("config.tf"))
        .replace("profile = var.profile", "profile = \"bb-shared-oaar\"");
    s.write(s.project().join(LAYER).join("config.tf"), &config);
    s.clear_calls();
    let s = s.cd(LAYER);
    let run = s.run(&["tfautomv", "--terraform-bin=terraform"], "123456\n");
    run.success()
        .stderr_has("> MFA: Please type in your OTP")
        .never_shows(&s.seeded().user().secret_access_key);
    let call = only_call(&s);
    assert_eq!(call.args, ["--terraform-bin=tofu"]);
    assert_eq!(call.env["TF_CLI_ARGS_plan"], var_files(&s));
    let private = s.aws_dir().join("leverage-credentials-");
    assert!(
        call.env["AWS_CONFIG_FILE"].starts_with(private.to_str().unwrap()),
        "private files, not the user's: {}",
        call.env["AWS_CONFIG_FILE"]
    );
    let credentials = call.credentials.expect("the stand-in kept the credentials");
    assert!(
        credentials.contains("[bb-shared-oaar]") && credentials.contains("aws_session_token"),
        "{credentials}"
    );
}
