//! `leverage identities password`: a real OpenPGP key made with the system gpg, a
//! password encrypted to it and served, as Terraform would, by the stand-in's `output -json`.

use crate::support::Scenario;
use crate::support::gpg::Keyring;
use std::path::PathBuf;

pub(crate) const PASSWORD: &str = "Xy7#initial-Passw0rd";

/// A project whose management base-identities layer outputs `outputs` (JSON).
fn scenario(outputs: &str) -> Scenario {
    let s = Scenario::new().standins(&["terraform"]);
    let file = s.dir.path().join("outputs.json");
    std::fs::write(&file, outputs).unwrap();
    s.env("STANDIN_STDOUT_FILE", file.to_str().unwrap())
}

pub(crate) fn outputs_for(value: &str) -> String {
    format!(
        r#"{{"user_natasha_romanoff_name": {{"sensitive": false, "type": "string", "value": "natasha.romanoff"}},
"user_natasha_romanoff_login_profile_encrypted_password": {{"sensitive": true, "type": "string", "value": "{value}"}}}}"#
    )
}

fn empty_gnupg_home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    dir
}

#[test]
fn the_password_is_decrypted_with_the_users_gpg_keyring() {
    for passphrase in ["", "correct horse"] {
        let keyring = Keyring::new(passphrase);
        let s = scenario(&outputs_for(&keyring.encrypted(PASSWORD)))
            .env("GNUPGHOME", keyring.home().to_str().unwrap());
        let run = s.run(
            &["identities", "password", "natasha.romanoff", "--stdout"],
            &format!("{passphrase}\n"),
        );
        run.success()
            .stderr_has("will ask natasha.romanoff to change this password");
        assert_eq!(run.stdout, format!("{PASSWORD}\n"));
        let call = s.calls().pop().unwrap();
        assert_eq!(call.args, ["output", "-json"]);
        assert_eq!(
            call.cwd,
            s.project()
                .canonicalize()
                .unwrap()
                .join("management/global/base-identities")
        );
        assert!(
            !run.stderr.contains(PASSWORD),
            "the password goes to stdout only"
        );
    }
}

#[test]
fn the_password_is_decrypted_with_a_key_file() {
    for passphrase in ["", "correct horse"] {
        let keyring = Keyring::new(passphrase);
        let key_file: PathBuf = keyring.home().join("natasha.asc");
        keyring.export_secret(passphrase, &key_file);
        let nobody = empty_gnupg_home();
        let s = scenario(&outputs_for(&keyring.encrypted(PASSWORD)))
            .env("GNUPGHOME", nobody.path().to_str().unwrap());
        let run = s.run(
            &[
                "identities",
                "password",
                "natasha.romanoff",
                "--key-file",
                key_file.to_str().unwrap(),
                "--stdout",
            ],
            &format!("{passphrase}\n"),
        );
        run.success();
        assert_eq!(run.stdout, format!("{PASSWORD}\n"));
        if !passphrase.is_empty() {
            run.stderr_has("> Passphrase of your OpenPGP key:");
            assert!(
                !run.all().contains(passphrase),
                "the passphrase is never echoed"
            );
        }
    }
}

#[test]
fn every_failure_says_what_is_wrong() {
    let keyring = Keyring::new("correct horse");
    let encrypted = keyring.encrypted(PASSWORD);
    let nobody = empty_gnupg_home();
    let home = keyring.home().to_str().unwrap().to_string();
    let cases: Vec<(String, Vec<&str>, String, &str)> = vec![
        (
            outputs_for(&encrypted),
            vec!["--account", "shared"],
            home.clone(),
            "no base-identities layer at",
        ),
        (outputs_for(&encrypted), vec![], home.clone(), ""),
        (
            outputs_for("%%% not base64"),
            vec![],
            home.clone(),
            "is not base64 text",
        ),
        (
            outputs_for("aGVsbG8gd29ybGQ="),
            vec![],
            home.clone(),
            "is not an OpenPGP message",
        ),
        (
            outputs_for(&encrypted),
            vec![],
            nobody.path().to_str().unwrap().to_string(),
            "no secret key here can decrypt the password",
        ),
        (
            "not json".into(),
            vec![],
            home.clone(),
            "`output -json` did not print JSON",
        ),
    ];
    for (outputs, extra, gnupg, expected) in cases {
        let s = scenario(&outputs).env("GNUPGHOME", &gnupg);
        let user = if expected.is_empty() {
            "bruce.banner"
        } else {
            "natasha.romanoff"
        };
        let mut args = vec!["identities", "password", user, "--stdout"];
        args.extend(extra);
        let run = s.run(&args, "wrong passphrase\n");
        assert_eq!(run.code, 1, "{expected}: {}", run.all());
        let expected = if expected.is_empty() {
            "no output user_bruce_banner_login_profile_encrypted_password for bruce.banner; users with a password output: natasha.romanoff"
        } else {
            expected
        };
        run.stderr_has(expected).never_shows(PASSWORD);
    }
    let s = scenario(&outputs_for(&encrypted)).env("GNUPGHOME", &home);
    let run = s.run(
        &["identities", "password", "natasha.romanoff", "--stdout"],
        "wrong passphrase\n",
    );
    run.failure()
        .stderr_has("wrong passphrase for the OpenPGP key")
        .never_shows(PASSWORD);

    // --key-file: a wrong passphrase, another person's key, and a file that is not a key.
    let key_file = keyring.home().join("natasha.asc");
    keyring.export_secret("correct horse", &key_file);
    let key = key_file.to_str().unwrap();
    let run = s.run(
        &[
            "identities",
            "password",
            "natasha.romanoff",
            "--key-file",
            key,
            "--stdout",
        ],
        "wrong passphrase\n",
    );
    run.failure()
        .stderr_has("wrong passphrase for the OpenPGP key in")
        .never_shows(PASSWORD);
    let other = Keyring::new("");
    let other_file = other.home().join("other.asc");
    other.export_secret("", &other_file);
    let run = s.run(
        &[
            "identities",
            "password",
            "natasha.romanoff",
            "--key-file",
            other_file.to_str().unwrap(),
            "--stdout",
        ],
        "",
    );
    run.failure()
        .stderr_has("cannot decrypt the password")
        .never_shows(PASSWORD);
    let not_a_key = s.dir.path().join("not-a-key.asc");
    std::fs::write(&not_a_key, "hello\n").unwrap();
    let run = s.run(
        &[
            "identities",
            "password",
            "natasha.romanoff",
            "--key-file",
            not_a_key.to_str().unwrap(),
            "--stdout",
        ],
        "",
    );
    run.failure()
        .stderr_has("not-a-key.asc is not an OpenPGP secret key");
    let calls = s.calls().len();
    let run = s.run(&["identities", "password", "natasha.romanoff"], "");
    run.failure()
        .stderr_has("standard output is not a terminal")
        .stderr_has("pass --stdout");
    assert_eq!(
        s.calls().len(),
        calls,
        "nothing runs when the password could not be shown"
    );
}
