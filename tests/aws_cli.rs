//! `leverage aws <args>`: the real AWS CLI with the project's files, and in a layer with
//! MFA on, with the layer's temporary credentials.

use crate::support::{AwsFixture, Scenario, venv_bin};

fn with_aws_on_path(s: Scenario) -> Scenario {
    let venv = venv_bin("aws").parent().unwrap().display().to_string();
    s.env("PATH", &format!("{venv}:/usr/bin:/bin"))
}

#[test]
fn the_aws_cli_uses_the_project_files() {
    let s = with_aws_on_path(Scenario::new().moto(AwsFixture::landing_zone()));
    s.configure_management(&[]).success();
    let run = s.run(
        &[
            "aws",
            "sts",
            "get-caller-identity",
            "--profile",
            "bb-shared-oaar",
            "--output",
            "json",
        ],
        "",
    );
    run.success();
    assert!(
        run.stdout
            .contains(&format!("\"Account\": \"{}\"", s.seeded().id_of("shared"))),
        "{}",
        run.stdout
    );
}

#[test]
fn in_a_layer_with_mfa_on_the_aws_cli_gets_temporary_credentials() {
    let s = with_aws_on_path(Scenario::new().moto(AwsFixture::landing_zone()));
    s.configure_management(&["--fetch-mfa-device"]).success();
    s.enable_mfa();
    let layer = "shared/us-east-1/base-tf-backend";
    let config = s
        .read(s.project().join(layer).join("config.tf"))
        .replace("profile = var.profile", "profile = \"bb-shared-oaar\"");
    s.write(s.project().join(layer).join("config.tf"), &config);
    let s = s.cd(layer);
    let run = s.run(
        &[
            "aws",
            "sts",
            "get-caller-identity",
            "--profile",
            "bb-shared-oaar",
            "--output",
            "json",
        ],
        "123456\n",
    );
    run.success().stderr_has("> MFA: Please type in your OTP");
    assert!(
        run.stdout
            .contains(&format!("\"Account\": \"{}\"", s.seeded().id_of("shared"))),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("assumed-role/OrganizationAccountAccessRole/bb-management-temp"),
        "{}",
        run.stdout
    );
}

#[test]
fn without_a_region_the_aws_cli_gets_the_projects_primary_region() {
    let s = Scenario::new()
        .standins(&["aws"])
        .cd("management/global/base-identities");
    s.run(&["aws", "s3", "ls"], "").success();
    let call = s.calls().pop().unwrap();
    assert_eq!(call.args, ["s3", "ls"]);
    assert_eq!(call.env["AWS_DEFAULT_REGION"], "us-east-1");

    let s = s.env("AWS_REGION", "eu-west-1");
    s.clear_calls();
    s.run(&["aws", "s3", "ls"], "").success();
    let call = s.calls().pop().unwrap();
    assert!(
        !call.env.contains_key("AWS_DEFAULT_REGION"),
        "{:?}",
        call.env
    );
}
