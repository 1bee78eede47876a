//! `leverage credentials configure`, against moto_server and the real AWS CLI.
//! Every run's whole output is checked for the secret key, and files are compared whole.

use crate::support::{AwsFixture, FixtureUser, Run, Scenario};
use std::os::unix::fs::PermissionsExt;

const FIXTURE_COMMON: &str = include_str!("fixtures/project/config/common.tfvars");

fn profile(name: &str, id: &str, role: &str, source: &str, mfa: Option<&str>) -> String {
    let mut block = format!(
        "[profile {name}]\noutput = json\nregion = us-east-1\nrole_arn = arn:aws:iam::{id}:role/{role}\nsource_profile = {source}\n"
    );
    if let Some(serial) = mfa {
        block.push_str(&format!("mfa_serial = {serial}\n"));
    }
    block
}

/// The fixture's common.tfvars after ids were recorded for `ids` (fixture account order).
fn common_with_ids(ids: &[(&str, &str)]) -> String {
    let mut text = FIXTURE_COMMON.to_string();
    for (name, id) in ids {
        let email = format!("    email = \"aws+{name}@binbash.com.ar\"\n");
        text = text.replace(&email, &format!("{email}    id = \"{id}\"\n"));
    }
    let attributes: String = ids
        .iter()
        .map(|(name, id)| format!("{name}_account_id = \"{id}\"\n"))
        .collect();
    text.replace("  }\n}\n", &format!("  }}\n}}\n{attributes}"))
}

fn credentials(profile: &str, user: &FixtureUser) -> String {
    format!(
        "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        user.access_key_id, user.secret_access_key
    )
}

fn mode(path: std::path::PathBuf) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The real AWS CLI assumes `profile` through moto and lands in `account`.
#[track_caller]
fn assert_resolves(s: &Scenario, profile: &str, account: &str, role: &str, mfa: bool) {
    let run = s.aws(
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            profile,
            "--output",
            "json",
        ],
        if mfa { "123456\n" } else { "" },
    );
    run.success();
    let identity: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(identity["Account"], account, "{profile}: {}", run.stdout);
    assert!(
        identity["Arn"]
            .as_str()
            .unwrap()
            .contains(&format!(":assumed-role/{role}/")),
        "{profile}: {}",
        run.stdout
    );
}

fn configure(s: &Scenario, kind: &str, extra: &[&str], stdin: &str) -> Run {
    let mut args = vec!["credentials", "configure", "--type", kind];
    args.extend_from_slice(extra);
    let run = s.run(&args, stdin);
    for user in s.seeded().users.values() {
        run.never_shows(&user.secret_access_key);
    }
    run
}

#[test]
fn management_on_a_fresh_machine_writes_keys_role_profiles_and_account_ids() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let seeded = s.seeded().clone();
    let csv = s.keys_csv(seeded.user());
    let run = configure(
        &s,
        "MANAGEMENT",
        &[
            "--credentials-file",
            csv.to_str().unwrap(),
            "--fetch-mfa-device",
        ],
        "",
    );
    run.success();

    let serial = seeded.user().mfa_serial.as_deref();
    let (management, security, shared) = (
        seeded.id_of("management"),
        seeded.id_of("security"),
        seeded.id_of("shared"),
    );
    assert_eq!(
        s.read(s.aws_dir().join("credentials")),
        credentials("bb-management", seeded.user())
    );
    let oaar = "OrganizationAccountAccessRole";
    let expected_config = [
        profile(
            "bb-management-oaar",
            &management,
            oaar,
            "bb-management",
            serial,
        ),
        profile("bb-security-oaar", &security, oaar, "bb-management", serial),
        profile("bb-shared-oaar", &shared, oaar, "bb-management", serial),
    ]
    .join("\n");
    assert_eq!(s.read(s.aws_dir().join("config")), expected_config);
    assert_eq!(
        s.read(s.project().join("config/common.tfvars")),
        common_with_ids(&[
            ("management", &management),
            ("security", &security),
            ("shared", &shared)
        ])
    );
    assert_eq!(mode(s.aws_dir()), 0o700);
    assert_eq!(mode(s.aws_dir().join("config")), 0o600);
    assert_eq!(mode(s.aws_dir().join("credentials")), 0o600);
    assert!(
        !s.aws_dir().join("config.bkp").exists(),
        "nothing to back up on a fresh machine"
    );

    let messages: Vec<&str> = run
        .stderr
        .lines()
        .map(|l| l.get(24..).unwrap_or(l))
        .collect();
    let home = s.home();
    assert_eq!(
        messages,
        [
            "Loading configuration file.".to_string(),
            "Loading project environment configuration file.".into(),
            "Loading Terraform common configuration.".into(),
            "Configuring management credentials.".into(),
            "Attempting to fetch organization accounts.".into(),
            "Configuring assumable roles.".into(),
            "Fetching MFA device serial.".into(),
            format!(
                "Management credentials configured in: {}/.aws/bb/credentials",
                home.display()
            ),
            "\tConfiguring profile bb-management-oaar".into(),
            "\tConfiguring profile bb-security-oaar".into(),
            "\tConfiguring profile bb-shared-oaar".into(),
            format!(
                "Account profiles configured in: {}/.aws/bb/config",
                home.display()
            ),
            "Updating project's Terraform common configuration.".into(),
        ]
    );

    for (name, id) in [
        ("management", &management),
        ("security", &security),
        ("shared", &shared),
    ] {
        assert_resolves(&s, &format!("bb-{name}-oaar"), id, oaar, true);
    }
}

#[test]
fn security_lists_accounts_with_the_management_keys_and_gets_devops_profiles() {
    let s = Scenario::new().moto(AwsFixture::landing_zone().and_user("bruce.banner"));
    let seeded = s.seeded().clone();
    let management_csv = s.keys_csv(seeded.user());
    configure(
        &s,
        "MANAGEMENT",
        &["--credentials-file", management_csv.to_str().unwrap()],
        "",
    )
    .success();
    let security_user = &seeded.users["bruce.banner"];
    let csv = s.keys_csv(security_user);
    configure(
        &s,
        "security",
        &[
            "--credentials-file",
            csv.to_str().unwrap(),
            "--fetch-mfa-device",
        ],
        "",
    )
    .success();

    let expected_credentials = format!(
        "{}\n{}",
        credentials("bb-management", seeded.user()),
        credentials("bb-security", security_user)
    );
    assert_eq!(
        s.read(s.aws_dir().join("credentials")),
        expected_credentials
    );
    let config = s.read(s.aws_dir().join("config"));
    let devops = [
        profile(
            "bb-security-devops",
            &seeded.id_of("security"),
            "DevOps",
            "bb-security",
            security_user.mfa_serial.as_deref(),
        ),
        profile(
            "bb-shared-devops",
            &seeded.id_of("shared"),
            "DevOps",
            "bb-security",
            security_user.mfa_serial.as_deref(),
        ),
    ]
    .join("\n");
    assert!(config.ends_with(&format!("\n{devops}")), "{config}");
    assert!(
        !config.contains("bb-management-devops"),
        "DevOps does not exist in management:\n{config}"
    );
    assert_resolves(
        &s,
        "bb-shared-devops",
        &seeded.id_of("shared"),
        "DevOps",
        true,
    );
}

#[test]
fn bootstrap_first_time_records_the_management_id_and_then_configures_roles() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let seeded = s.seeded().clone();
    let csv = s.keys_csv(seeded.user());
    let run = configure(
        &s,
        "bootstrap",
        &["--credentials-file", csv.to_str().unwrap()],
        "",
    );
    run.success()
        .stderr_has("Fetching management account id.")
        .stderr_has("Skipping assumable roles configuration.");
    assert!(
        !s.aws_dir().join("config").exists(),
        "no role profiles on the first bootstrap run"
    );
    let yaml = s.read(s.project().join("project.yaml"));
    let fixture_yaml = include_str!("fixtures/project/project.yaml");
    let management = seeded.id_of("management");
    assert_eq!(
        yaml,
        fixture_yaml.replace(
            "    - name: management\n",
            &format!("    - name: management\n      id: \"{management}\"\n")
        )
    );
    assert_eq!(
        s.read(s.project().join("config/common.tfvars")),
        common_with_ids(&[("management", &management)])
    );

    // Once the organization exists, bootstrap keys get OAAR profiles like management keys do.
    configure(&s, "BOOTSTRAP", &["--skip-access-keys-setup"], "").success();
    let config = s.read(s.aws_dir().join("config"));
    let oaar = "OrganizationAccountAccessRole";
    assert!(
        config.starts_with(&profile(
            "bb-management-oaar",
            &management,
            oaar,
            "bb-bootstrap",
            None
        )),
        "{config}"
    );
    assert_resolves(
        &s,
        "bb-security-oaar",
        &seeded.id_of("security"),
        oaar,
        false,
    );
}

#[test]
fn stored_keys_can_be_kept_or_overwritten_for_every_type() {
    for kind in ["BOOTSTRAP", "MANAGEMENT", "SECURITY"] {
        let s = Scenario::new().moto(AwsFixture::landing_zone().and_user("bruce.banner"));
        let seeded = s.seeded().clone();
        let lower = kind.to_lowercase();
        // As committed by whoever bootstrapped: a SECURITY user cannot list the organization.
        let ids = [
            ("management", seeded.id_of("management")),
            ("security", seeded.id_of("security")),
            ("shared", seeded.id_of("shared")),
        ];
        let ids: Vec<(&str, &str)> = ids.iter().map(|(n, i)| (*n, i.as_str())).collect();
        s.write(
            s.project().join("config/common.tfvars"),
            &common_with_ids(&ids),
        );
        let first = s.keys_csv(seeded.user());
        configure(
            &s,
            kind,
            &["--credentials-file", first.to_str().unwrap()],
            "",
        )
        .success();
        let before = s.read(s.aws_dir().join("credentials"));
        assert_eq!(
            before,
            credentials(&format!("bb-{lower}"), seeded.user()),
            "{kind}"
        );

        // Asked, answered "skip" on stdin: keys stay, roles are set up.
        let run = configure(&s, kind, &[], "1\n");
        run.success()
            .stderr_has(&format!("> Credentials already configured for bb-{lower}:"));
        assert_eq!(s.read(s.aws_dir().join("credentials")), before, "{kind}");
        assert!(
            s.read(s.aws_dir().join("config"))
                .contains(&format!("source_profile = bb-{lower}\n")),
            "{kind}"
        );

        // Overwritten by flag: new keys, old file kept as credentials.bkp.
        let second = s.keys_csv(&seeded.users["bruce.banner"]);
        let run = configure(
            &s,
            kind,
            &[
                "--overwrite-existing-credentials",
                "--credentials-file",
                second.to_str().unwrap(),
            ],
            "",
        );
        run.success().stderr_has("Backing up credentials file.");
        assert_eq!(
            s.read(s.aws_dir().join("credentials")),
            credentials(&format!("bb-{lower}"), &seeded.users["bruce.banner"])
        );
        assert_eq!(s.read(s.aws_dir().join("credentials.bkp")), before);
        assert_eq!(mode(s.aws_dir().join("credentials.bkp")), 0o600);

        // Overwritten by answering the question.
        let run = configure(
            &s,
            kind,
            &[
                "--credentials-file",
                first.to_str().unwrap(),
                "--skip-assumable-roles-setup",
            ],
            "overwrite\n",
        );
        run.success();
        assert_eq!(s.read(s.aws_dir().join("credentials")), before, "{kind}");
    }
}

#[test]
fn keys_can_be_typed_or_pointed_to_on_stdin_and_bad_ones_are_asked_again() {
    for kind in ["BOOTSTRAP", "MANAGEMENT", "SECURITY"] {
        let s = Scenario::new().moto(AwsFixture::landing_zone());
        let user = s.seeded().user().clone();
        let stdin = format!(
            "Manually\nakia-too-short\n{}\nnot-a-secret\n{}\n",
            user.access_key_id, user.secret_access_key
        );
        let run = configure(&s, kind, &["--skip-assumable-roles-setup"], &stdin);
        run.success()
            .stderr_has("an access key id is 20 upper-case letters and digits (got 14 characters)")
            .stderr_has("a secret access key is 40");
        let profile = format!("bb-{}", kind.to_lowercase());
        assert_eq!(
            s.read(s.aws_dir().join("credentials")),
            credentials(&profile, &user),
            "{kind}"
        );

        let s = Scenario::new().moto(AwsFixture::landing_zone());
        let user = s.seeded().user().clone();
        let csv = s.keys_csv(&user);
        let run = configure(
            &s,
            kind,
            &["--skip-assumable-roles-setup"],
            &format!("1\n/no/such/file.csv\n{}\n", csv.display()),
        );
        run.success()
            .stderr_has("that is not the path of a file")
            .never_shows("/no/such/file.csv");
        assert_eq!(
            s.read(s.aws_dir().join("credentials")),
            credentials(&profile, &user),
            "{kind}"
        );
    }
}

#[test]
fn in_a_terminal_the_list_takes_arrows_and_entry_numbers() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let user = s.seeded().user().clone();
    let key_line = format!("{}\r", user.access_key_id);
    let secret_line = format!("{}\r", user.secret_access_key);
    let run = s.in_terminal(
        &[
            "credentials",
            "configure",
            "--type",
            "BOOTSTRAP",
            "--skip-assumable-roles-setup",
        ],
        &[
            // Down twice wraps around to the first entry; the number 2 then jumps to "Manually".
            ("2) Manually", "\x1b[B"),
            ("\u{276f} 2) Manually", "\x1b[B"),
            ("\u{276f} 1) Path", "2"),
            ("\u{276f} 2) Manually", "\r"),
            ("Key:", &key_line),
            ("Secret:", &secret_line),
        ],
    );
    assert_eq!(run.exit, Some(0), "{run:?}");
    assert!(
        run.output.contains(
            "\u{2714} Select the means by which you'll provide the programmatic keys: \u{b7} Manually"
        ),
        "{}",
        run.output
    );
    assert!(
        !run.output.contains(&user.secret_access_key),
        "the secret was echoed"
    );
    assert_eq!(
        s.read(s.aws_dir().join("credentials")),
        credentials("bb-bootstrap", &user)
    );
}

#[test]
fn ctrl_c_at_a_terminal_list_stops_cleanly_with_130() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let before = s.snapshot();
    let run = s.in_terminal(
        &["credentials", "configure", "--type", "BOOTSTRAP"],
        &[("2) Manually", "\x03")],
    );
    // Not killed by the signal (which would leave the cursor hidden): the question ends.
    assert_eq!(run.exit, Some(130), "{run:?}");
    assert!(
        run.output.contains(
            "stopped at \"Select the means by which you'll provide the programmatic keys:\" (Ctrl-C)"
        ),
        "{}",
        run.output
    );
    assert_eq!(s.snapshot(), before);
}

#[test]
fn without_answers_on_stdin_the_error_names_the_flag_and_nothing_changes() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let before = s.snapshot();
    let run = configure(&s, "MANAGEMENT", &[], "");
    run.failure()
        .stderr_has("standard input ended; pass --credentials-file PATH instead");
    assert_eq!(s.snapshot(), before);
}

/// Bad input of every kind: one error line (+ hint), exit 1, and not a byte changed anywhere.
#[test]
fn bad_keys_files_change_nothing() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let user = s.seeded().user().clone();
    // A user's own files, to prove they are untouched.
    s.write(
        s.aws_dir().join("config"),
        "# mine\n[profile other]\nregion = sa-east-1\n",
    );
    s.write(
        s.aws_dir().join("credentials"),
        "[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = x\n",
    );
    let before = s.snapshot();
    let cases = [
        (
            format!(
                "Access key ID,Secret access key\n{},{},extra\n",
                user.access_key_id, user.secret_access_key
            ),
            "is not a valid CSV file",
        ),
        (
            format!(
                "Key,Secret\n{},{}\n",
                user.access_key_id, user.secret_access_key
            ),
            "lacks the columns `Access key ID` and `Secret access key`",
        ),
        (
            format!(
                "Access key ID,Secret access key\n{},{}\n",
                "AKIA-bad", user.secret_access_key
            ),
            "malformed access key id",
        ),
        (
            format!(
                "Access key ID,Secret access key\n{},{}\n",
                user.access_key_id, "short/secret"
            ),
            "malformed secret access key",
        ),
    ];
    for (content, expected) in cases {
        let csv = s.dir.path().join("bad.csv");
        std::fs::write(&csv, content).unwrap();
        let run = configure(
            &s,
            "MANAGEMENT",
            &["--credentials-file", csv.to_str().unwrap()],
            "",
        );
        assert_eq!(run.code, 1, "{}", run.all());
        run.stderr_has(expected)
            .stderr_has("hint: use the .csv file the AWS console offers");
        assert_eq!(
            run.stderr.lines().filter(|l| l.contains("ERROR")).count(),
            1,
            "{}",
            run.stderr
        );
        assert_eq!(s.snapshot(), before, "{expected}");
    }
}

#[test]
fn keys_aws_rejects_change_nothing() {
    let s = Scenario::new()
        .moto_enforcing_auth(AwsFixture::landing_zone().allow(&["sts:GetCallerIdentity"]));
    let before = s.snapshot();
    let stdin = format!(
        "2\nAKIAIOSFODNN7EXAMPLE\n{}\n",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    );
    let run = configure(&s, "MANAGEMENT", &[], &stdin);
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has(
        "AWS rejected the management keys (sts:GetCallerIdentity failed: InvalidClientTokenId",
    )
    .never_shows("wJalrXUtnFEMI");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn a_denied_organization_listing_falls_back_to_the_ids_in_the_project() {
    let fixture =
        AwsFixture::landing_zone().allow(&["sts:GetCallerIdentity", "iam:ListMFADevices"]);
    let s = Scenario::new().moto_enforcing_auth(fixture);
    let user = s.seeded().user().clone();
    let common = common_with_ids(&[("security", "222222222222"), ("shared", "333333333333")]);
    s.write(s.project().join("config/common.tfvars"), &common);
    let csv = s.keys_csv(&user);
    let run = configure(
        &s,
        "MANAGEMENT",
        &[
            "--credentials-file",
            csv.to_str().unwrap(),
            "--fetch-mfa-device",
        ],
        "",
    );
    run.success().stderr_has(
        "WARNING  Could not list the organization's accounts with the management keys (organizations:ListAccounts failed: AccessDenied",
    );
    let config = s.read(s.aws_dir().join("config"));
    let oaar = "OrganizationAccountAccessRole";
    let serial = user.mfa_serial.as_deref();
    let management = s.seeded().id_of("management");
    let expected = [
        profile(
            "bb-management-oaar",
            &management,
            oaar,
            "bb-management",
            serial,
        ),
        profile(
            "bb-security-oaar",
            "222222222222",
            oaar,
            "bb-management",
            serial,
        ),
        profile(
            "bb-shared-oaar",
            "333333333333",
            oaar,
            "bb-management",
            serial,
        ),
    ]
    .join("\n");
    assert_eq!(config, expected);
}

#[test]
fn no_mfa_device_is_an_error_and_nothing_changes() {
    let s = Scenario::new().moto(AwsFixture::landing_zone().without_mfa());
    let csv = s.keys_csv(s.seeded().user());
    let before = s.snapshot();
    let run = configure(
        &s,
        "MANAGEMENT",
        &[
            "--credentials-file",
            csv.to_str().unwrap(),
            "--fetch-mfa-device",
        ],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("ERROR    no virtual MFA device found for IAM user natasha.romanoff")
        .stderr_has("hint: enable a virtual MFA device");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn a_malformed_config_file_is_named_and_nothing_changes() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    s.write(
        s.aws_dir().join("config"),
        "[profile other]\nregion = sa-east-1\nthis is not ini\n",
    );
    let csv = s.keys_csv(s.seeded().user());
    let before = s.snapshot();
    let run = configure(
        &s,
        "MANAGEMENT",
        &["--credentials-file", csv.to_str().unwrap()],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has(".aws/bb/config: line 3: expected `[section]` or `key = value`");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn an_unusable_aws_directory_is_a_clear_error() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    std::fs::write(s.home().join(".aws"), "a file where a directory should be").unwrap();
    let csv = s.keys_csv(s.seeded().user());
    let before = s.snapshot();
    let run = configure(
        &s,
        "MANAGEMENT",
        &["--credentials-file", csv.to_str().unwrap()],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("could not create").stderr_has(".aws/bb");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn the_users_comments_and_other_profiles_survive() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let seeded = s.seeded().clone();
    let config = "# My own profiles\n[default]\nregion = eu-west-1 ; inline\n\n[profile bb-shared-oaar]\n# pinned by me\ncli_pager =\nregion = sa-east-1\n";
    let creds = "; personal\n[personal]\naws_access_key_id = AKIAPERSONALPERSONAL\naws_secret_access_key = x\n";
    s.write(s.aws_dir().join("config"), config);
    s.write(s.aws_dir().join("credentials"), creds);
    let csv = s.keys_csv(seeded.user());
    let run = configure(
        &s,
        "MANAGEMENT",
        &["--credentials-file", csv.to_str().unwrap()],
        "",
    );
    run.success()
        .stderr_has("Backing up account profiles file.");

    let oaar = "OrganizationAccountAccessRole";
    let shared = seeded.id_of("shared");
    let expected = format!(
        "# My own profiles\n[default]\nregion = eu-west-1 ; inline\n\n[profile bb-shared-oaar]\n# pinned by me\ncli_pager =\nregion = us-east-1\noutput = json\nrole_arn = arn:aws:iam::{shared}:role/{oaar}\nsource_profile = bb-management\n\n{}\n{}",
        profile(
            "bb-management-oaar",
            &seeded.id_of("management"),
            oaar,
            "bb-management",
            None
        ),
        profile(
            "bb-security-oaar",
            &seeded.id_of("security"),
            oaar,
            "bb-management",
            None
        ),
    );
    assert_eq!(s.read(s.aws_dir().join("config")), expected);
    assert_eq!(s.read(s.aws_dir().join("config.bkp")), config);
    assert_eq!(
        s.read(s.aws_dir().join("credentials")),
        format!("{creds}\n{}", credentials("bb-management", seeded.user()))
    );
    assert_eq!(s.read(s.aws_dir().join("credentials.bkp")), creds);
}

#[test]
fn both_skips_do_nothing_and_exclusive_flags_are_refused() {
    let s = Scenario::new();
    let run = s.run(
        &[
            "credentials",
            "configure",
            "--type",
            "MANAGEMENT",
            "--skip-access-keys-setup",
            "--skip-assumable-roles-setup",
        ],
        "",
    );
    run.success().stderr_has("Nothing to do. Exiting.");
    assert!(!s.aws_dir().exists());
    let run = s.run(
        &[
            "credentials",
            "configure",
            "--type",
            "MANAGEMENT",
            "--skip-access-keys-setup",
            "--overwrite-existing-credentials",
        ],
        "",
    );
    assert_eq!(run.code, 2, "{}", run.all());
    run.stderr_has("cannot be used with");
}

#[test]
fn skipping_keys_that_were_never_stored_is_a_clear_error() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let run = configure(&s, "SECURITY", &["--skip-access-keys-setup"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("no security keys are stored in profile bb-security")
        .stderr_has("hint: run without --skip-access-keys-setup");
}
