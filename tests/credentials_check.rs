//! `leverage credentials check`: every profile tried for real against moto_server.

use crate::support::{AwsFixture, Scenario};

fn row<'a>(stdout: &'a str, profile: &str) -> Vec<&'a str> {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(profile))
        .unwrap_or_else(|| panic!("no row {profile}:\n{stdout}"));
    line.split_whitespace().collect()
}

#[test]
fn the_table_shows_each_profiles_real_account_and_status() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let seeded = s.seeded().clone();
    s.configure_management(&["--fetch-mfa-device"]).success();
    // The management user's keys stored as SECURITY keys too: they land in the wrong account.
    let creds = s.read(s.aws_dir().join("credentials"));
    s.write(
        s.aws_dir().join("credentials"),
        &format!(
            "{creds}\n{}",
            creds.replace("[bb-management]", "[bb-security]")
        ),
    );
    let serial = seeded.user().mfa_serial.clone().unwrap();
    let config = s.read(s.aws_dir().join("config"));
    s.write(
        s.aws_dir().join("config"),
        &format!("{config}\n[profile bb-ghost-oaar]\nrole_arn = arn:aws:iam::999999999999:role/OrganizationAccountAccessRole\nsource_profile = bb-management\nmfa_serial = {serial}\n\n[profile bb-orphan-oaar]\nrole_arn = arn:aws:iam::999999999999:role/X\nsource_profile = bb-nobody\n"),
    );
    // A layer whose second provider reads another account's state with a profile nobody made.
    let layer = s
        .project()
        .join("shared/us-east-1/base-tf-backend/config.tf");
    s.write(
        &layer,
        &format!(
            "{}\nprovider \"aws\" {{\n  alias   = \"network\"\n  region  = var.region\n  profile = \"${{var.project}}-network-devops\"\n}}\n",
            s.read(&layer)
        ),
    );
    let run = s.run(&["credentials", "check"], "123456\n");
    assert_eq!(run.code, 1, "{}", run.all());
    run.never_shows(&seeded.user().secret_access_key);
    assert_eq!(
        run.stderr.matches("> MFA: Please type in your OTP").count(),
        1,
        "one code for every role profile"
    );
    let (management, security, shared) = (
        seeded.id_of("management"),
        seeded.id_of("security"),
        seeded.id_of("shared"),
    );
    assert_eq!(
        row(&run.stdout, "PROFILE"),
        [
            "PROFILE", "EXPECTED", "ACCOUNT", "ARN", "KEY_AGE", "MFA", "STATUS"
        ]
    );
    assert_eq!(
        row(&run.stdout, "bb-management"),
        [
            "bb-management",
            &management,
            &management,
            "arn:aws:iam::123456789012:user/natasha.romanoff",
            "0d",
            "on",
            "ok"
        ]
    );
    assert_eq!(
        row(&run.stdout, "bb-security")[1..3],
        [security.as_str(), management.as_str()]
    );
    assert_eq!(row(&run.stdout, "bb-security")[6..], ["wrong", "account"]);
    assert_eq!(
        row(&run.stdout, "bb-shared-oaar")[1..3],
        [shared.as_str(), shared.as_str()]
    );
    assert_eq!(row(&run.stdout, "bb-shared-oaar").last(), Some(&"ok"));
    assert_eq!(
        row(&run.stdout, "bb-ghost-oaar")[4..],
        ["-", "-", "account", "not", "in", "project"]
    );
    assert_eq!(
        row(&run.stdout, "bb-orphan-oaar")[1..],
        ["999999999999", "-", "-", "-", "-", "missing", "keys"]
    );
    let table = [
        (&management, "[MANAGEMENT]"),
        (&security, "[SECURITY]"),
        (&shared, "[SHARED]"),
    ]
    .iter()
    .fold(run.stdout.clone(), |t, (id, name)| {
        t.replace(id.as_str(), name)
    });
    insta::assert_snapshot!(table);

    let json = s.run(&["credentials", "check", "--json"], "");
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(rows[0]["profile"], "bb-management");
    assert_eq!(rows[0]["status"], "ok");
    // The 7 configured profiles, then bb-bootstrap, which management's backend.tfvars names,
    // and the profile of the layer's second provider.
    assert_eq!(rows.as_array().unwrap().len(), 9);
    assert_eq!(rows[7]["profile"], "bb-bootstrap");
    assert_eq!(
        rows[7]["status"],
        "missing: needed by management/config/backend.tfvars"
    );
    assert_eq!(rows[8]["profile"], "bb-network-devops");
    assert_eq!(
        rows[8]["status"],
        "missing: needed by shared/us-east-1/base-tf-backend"
    );
}

#[test]
fn rejected_keys_are_reported_as_denied() {
    let s = Scenario::new()
        .moto_enforcing_auth(AwsFixture::landing_zone().allow(&["sts:GetCallerIdentity"]));
    let user = s.seeded().user().clone();
    s.write(
        s.aws_dir().join("credentials"),
        &format!(
            "[bb-management]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[bb-bootstrap]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            user.access_key_id, user.secret_access_key
        ),
    );
    let tfvars = s.read(s.project().join("config/common.tfvars")).replace(
        "    email = \"aws+management@binbash.com.ar\"\n",
        &format!(
            "    email = \"aws+management@binbash.com.ar\"\n    id = \"{}\"\n",
            s.seeded().id_of("management")
        ),
    );
    s.write(s.project().join("config/common.tfvars"), &tfvars);
    let run = s.run(&["credentials", "check"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.never_shows(&user.secret_access_key)
        .never_shows("wJalrXUtnFEMI");
    assert_eq!(
        row(&run.stdout, "bb-management")[4..],
        ["-", "-", "ok"],
        "a user who may not list their keys and devices: age and MFA unknown"
    );
    assert_eq!(
        row(&run.stdout, "bb-bootstrap")[2..],
        ["-", "-", "-", "-", "denied", "(keys", "rejected)"]
    );
}

#[test]
fn nothing_configured_says_how_to_configure() {
    let s = Scenario::new();
    let run = s.run(&["credentials", "check"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    insta::assert_snapshot!(s.transcript(&run));
}

#[test]
fn without_a_code_role_profiles_show_needs_mfa_code() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let csv = s.keys_csv(s.seeded().user());
    let configure = [
        "credentials",
        "configure",
        "--type",
        "MANAGEMENT",
        "--credentials-file",
        csv.to_str().unwrap(),
        "--fetch-mfa-device",
    ];
    s.run(&configure, "").success();
    // No terminal, nothing on stdin (as after `credentials logout` in CI).
    let run = s.run(&["credentials", "check"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(!run.stdout.is_empty(), "{}", run.all());
    assert_eq!(row(&run.stdout, "bb-management").last(), Some(&"ok"));
    assert_eq!(
        row(&run.stdout, "bb-shared-oaar")[6..],
        ["needs", "MFA", "code"],
        "{}",
        run.stdout
    );
}

#[test]
fn an_sso_project_misses_no_profile_since_sso_makes_them_when_a_layer_runs() {
    let s = Scenario::new().plain_moto();
    let common = s.project().join("config/common.tfvars");
    s.write(
        &common,
        &s.read(&common)
            .replace("sso_enabled   = false", "sso_enabled   = true"),
    );
    s.write(
        s.aws_dir().join("config"),
        "[profile bb-sso]\nsso_start_url = https://bbleverage.awsapps.com/start\nsso_region = us-east-1\n",
    );
    let run = s.run(&["credentials", "check", "--json"], "");
    run.success();
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{
            "profile": "bb-sso", "expected_account": null, "account": null, "arn": null,
            "key_age_days": null, "mfa": null, "status": "sso"
        }])
    );
}

#[test]
fn a_user_without_an_mfa_device_shows_mfa_off() {
    let s = Scenario::new().moto(AwsFixture::landing_zone().without_mfa());
    s.configure_management(&[]).success();
    let run = s.run(&["credentials", "check"], "");
    assert_eq!(row(&run.stdout, "bb-management")[4..], ["0d", "off", "ok"]);
}

#[test]
fn a_layer_file_our_parser_refuses_is_named_and_the_check_goes_on() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    s.configure_management(&[]).success();
    // Terraform takes the last of repeated object keys; our parser refuses the file.
    let locals = s
        .project()
        .join("shared/us-east-1/base-tf-backend/locals.tf");
    s.write(
        &locals,
        "locals {\n  certs = {\n    a = 1\n    a = 2\n  }\n}\n",
    );
    let run = s.run(&["credentials", "check"], "");
    run.stderr_has("shared/us-east-1/base-tf-backend/locals.tf")
        .stderr_has("the profiles it names are not checked");
    assert_eq!(row(&run.stdout, "bb-management").last(), Some(&"ok"));
}
