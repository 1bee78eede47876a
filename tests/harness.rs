//! Proves the harness itself: a seeded moto_server read back through the real AWS CLI, and
//! INITIAL_NO_AUTH_ACTION_COUNT counting exactly the seeding calls.

use crate::support::{AwsFixture, Scenario};

fn credentials_file(access_key_id: &str, secret: &str) -> String {
    format!("[tester]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret}\n")
}

#[test]
fn a_seeded_organization_reads_back_through_the_real_aws_cli() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let user = s.seeded().user().clone();
    s.write(
        s.aws_dir().join("credentials"),
        &credentials_file(&user.access_key_id, &user.secret_access_key),
    );
    let run = s.aws(
        &[
            "organizations",
            "list-accounts",
            "--profile",
            "tester",
            "--region",
            "us-east-1",
            "--output",
            "json",
        ],
        "",
    );
    run.success();
    let listed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut names: Vec<&str> = listed["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["binbash-security", "master", "shared"]);
    assert_eq!(
        s.seeded().id_of("security"),
        s.seeded().accounts["binbash-security"]
    );

    let run = s.aws(
        &[
            "iam",
            "list-mfa-devices",
            "--user-name",
            "natasha.romanoff",
            "--profile",
            "tester",
            "--region",
            "us-east-1",
        ],
        "",
    );
    run.success();
    assert!(
        run.stdout.contains(user.mfa_serial.as_deref().unwrap()),
        "{}",
        run.stdout
    );
}

#[test]
fn after_seeding_moto_rejects_unknown_keys_and_enforces_policies() {
    let fixture = AwsFixture::landing_zone().allow(&["sts:GetCallerIdentity"]);
    let s = Scenario::new().moto_enforcing_auth(fixture);
    let user = s.seeded().user().clone();

    s.write(
        s.aws_dir().join("credentials"),
        &credentials_file(&user.access_key_id, &user.secret_access_key),
    );
    let who = s.aws(
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            "tester",
            "--region",
            "us-east-1",
        ],
        "",
    );
    who.success();
    assert!(
        who.stdout.contains("user/natasha.romanoff"),
        "{}",
        who.stdout
    );
    let denied = s.aws(
        &[
            "organizations",
            "list-accounts",
            "--profile",
            "tester",
            "--region",
            "us-east-1",
        ],
        "",
    );
    denied.failure().stderr_has("AccessDenied");

    s.write(
        s.aws_dir().join("credentials"),
        &credentials_file("AKIAXXXXXXXXXXXXXXXX", &"x".repeat(40)),
    );
    let unknown = s.aws(
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            "tester",
            "--region",
            "us-east-1",
        ],
        "",
    );
    unknown.failure().stderr_has("InvalidClientTokenId");
}
