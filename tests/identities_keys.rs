//! `leverage identities keys`: real keys made with the system gpg; one good, one
//! missing, one corrupt, one expired.

use crate::support::Scenario;
use base64::Engine;
use std::process::{Command, Stdio};

/// `gpg --export | base64` of a fresh key, as Leverage's keys/<name> files hold it; `faked`
/// makes the key in the past (with a 1-year expiry) so it has expired by now.
fn exported_key(uid: &str, faked: Option<&str>) -> String {
    exported_key_for(uid, faked, &["future-default", "default"])
}

/// Like [`exported_key`], with `--quick-gen-key`'s algorithm and usage.
fn exported_key_for(uid: &str, faked: Option<&str>, algorithm_and_usage: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .args([
                "--batch",
                "--quiet",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args(
                faked
                    .map(|t| vec!["--faked-system-time", t])
                    .unwrap_or_default(),
            )
            .args(args)
            .env("GNUPGHOME", home.path())
            .stdin(Stdio::null())
            .output()
            .expect("gpg is needed for these tests: apt-get install gnupg");
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let expiry = if faked.is_some() { "1y" } else { "never" };
    let generate = [
        &["--quick-gen-key", uid][..],
        algorithm_and_usage,
        &[expiry],
    ]
    .concat();
    gpg(&generate);
    let key = gpg(&["--export", uid]);
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", home.path())
        .status();
    base64::engine::general_purpose::STANDARD.encode(key)
}

#[test]
fn each_key_gets_a_verdict_and_problems_fail_the_command() {
    let s = Scenario::new();
    let layer = s.project().join("management/global/base-identities");
    let users = s.read(layer.join("users.tf")).replace(
        "    \"natasha.romanoff\" = { pgp_key = \"keys/natasha.romanoff\" }\n",
        "    \"natasha.romanoff\" = { pgp_key = \"keys/natasha.romanoff\" }\n    \"bruce.banner\"     = { pgp_key = \"keys/bruce.banner\" }\n    \"tony.stark\"       = { pgp_key = \"keys/tony.stark\" }\n    \"steve.rogers\"     = { pgp_key = \"keys/steve.rogers\" }\n",
    );
    s.write(layer.join("users.tf"), &users);
    let good = exported_key("Natasha Romanoff <natasha@example.com>", None);
    s.write(layer.join("keys/natasha.romanoff"), &good);
    s.write(
        s.project()
            .join("security/global/base-identities/keys/natasha.romanoff"),
        &good,
    );
    s.write(layer.join("keys/tony.stark"), "this is not a key\n");
    s.write(
        layer.join("keys/steve.rogers"),
        &exported_key("Steve Rogers <steve@example.com>", Some("20200101T000000!")),
    );

    let run = s.run(&["identities", "keys"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("3 of 5 key(s) need attention.");
    let verdict = |account: &str, user: &str| {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().take(2).collect::<Vec<_>>() == [account, user])
            .unwrap_or_else(|| panic!("no line for {account} {user}:\n{}", run.stdout));
        line.split_whitespace()
            .skip(3)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        verdict("management", "natasha.romanoff").starts_with("✔ ed25519 "),
        "{}",
        run.stdout
    );
    assert!(
        verdict("management", "natasha.romanoff").ends_with("expires never"),
        "{}",
        run.stdout
    );
    assert_eq!(verdict("management", "bruce.banner"), "✘ missing file");
    assert_eq!(
        verdict("management", "tony.stark"),
        "✘ corrupt: neither base64 nor an armored public key"
    );
    assert!(
        verdict("management", "steve.rogers").starts_with("✘ expired on 2020-12-31 "),
        "{}",
        run.stdout
    );
    assert!(
        verdict("security", "natasha.romanoff").starts_with("✔ ed25519"),
        "{}",
        run.stdout
    );

    // With the problems fixed, the command passes.
    s.write(
        layer.join("users.tf"),
        &s.read(s.project().join("security/global/base-identities/users.tf")),
    );
    s.run(&["identities", "keys"], "").success();
}

#[test]
fn a_key_that_can_only_sign_is_not_good_enough() {
    let s = Scenario::new();
    let layer = s.project().join("management/global/base-identities");
    let sign_only = exported_key_for("Sign Only <sign@example.com>", None, &["ed25519", "sign"]);
    s.write(layer.join("keys/natasha.romanoff"), &sign_only);
    let run = s.run(&["identities", "keys"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("management"))
        .unwrap();
    assert!(
        line.contains("✘ has no usable encryption key (sign only?)"),
        "{}",
        run.stdout
    );
}
