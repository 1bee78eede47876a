//! `leverage credentials rotate` against moto_server (checking keys), with the real AWS CLI using
//! what was stored, and a test STS endpoint in front of moto to refuse the new key.

use crate::support::fake_sts::FakeSts;
use crate::support::live::Live;
use crate::support::{AwsFixture, Run, Scenario};

/// MANAGEMENT keys configured; moto checks keys once seeding is done, so a deleted key fails.
fn configured() -> Scenario {
    let s = Scenario::new().moto_enforcing_auth(AwsFixture::landing_zone().allow(&["*"]));
    s.configure_management(&[]).success();
    s
}

/// An STS endpoint in front of moto that answers `refusal` to every key but `old`.
fn sts_refusing_new_keys(s: &Scenario, old: &str, refusal: serde_json::Value) -> FakeSts {
    FakeSts::start(serde_json::json!({
        "forward": s.moto.as_ref().unwrap().endpoint,
        "allow_keys": [old],
        "others": refusal,
    }))
}

fn stored_key_id(s: &Scenario) -> String {
    let credentials = s.read(s.aws_dir().join("credentials"));
    credentials
        .lines()
        .find_map(|l| l.strip_prefix("aws_access_key_id = "))
        .unwrap()
        .to_string()
}

/// The user's keys as IAM lists them: (id, status).
fn keys_in_iam(s: &Scenario) -> Vec<(String, String)> {
    let run = s.aws_as(
        "bb-management",
        &["iam", "list-access-keys", "--user-name", "natasha.romanoff"],
    );
    run.success();
    let listed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut keys: Vec<(String, String)> = listed["AccessKeyMetadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AccessKeyId"].as_str().unwrap().to_string(),
                k["Status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn whoami(s: &Scenario) -> Run {
    s.aws_as("bb-management", &["sts", "get-caller-identity"])
}

#[test]
fn the_new_key_is_stored_and_works_and_the_old_one_is_deleted() {
    let s = configured();
    let old = s.seeded().user().clone();
    let run = s.run(&["credentials", "rotate", "--type", "MANAGEMENT"], "");
    run.success().never_shows(&old.secret_access_key);
    let new_id = stored_key_id(&s);
    assert_ne!(new_id, old.access_key_id);
    let credentials = s.read(s.aws_dir().join("credentials"));
    let new_secret = credentials
        .lines()
        .find_map(|l| l.strip_prefix("aws_secret_access_key = "))
        .unwrap();
    run.never_shows(new_secret);
    assert_eq!(
        s.read(s.aws_dir().join("credentials.bkp")),
        format!(
            "[bb-management]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            old.access_key_id, old.secret_access_key
        )
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(s.aws_dir().join("credentials"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let me = whoami(&s);
    me.success();
    assert!(me.stdout.contains("user/natasha.romanoff"), "{}", me.stdout);
    assert_eq!(keys_in_iam(&s), [(new_id.clone(), "Active".to_string())]);
    // The old key is gone for real: AWS refuses it.
    s.write(
        s.aws_dir().join("credentials"),
        &credentials
            .replace(&new_id, &old.access_key_id)
            .replace(new_secret, &old.secret_access_key),
    );
    let refused = whoami(&s);
    assert_ne!(refused.code, 0, "{}", refused.all());
    assert!(
        refused.stderr.contains("InvalidClientTokenId"),
        "{}",
        refused.stderr
    );
}

#[test]
fn keep_old_deactivates_the_old_key_without_deleting_it() {
    let s = configured();
    let old = s.seeded().user().access_key_id.clone();
    s.run(
        &[
            "credentials",
            "rotate",
            "--type",
            "management",
            "--keep-old",
        ],
        "",
    )
    .success()
    .stderr_has(&format!(
        "Kept the old access key {old}, inactive (--keep-old)."
    ));
    let new_id = stored_key_id(&s);
    let mut expected = vec![
        (old, "Inactive".to_string()),
        (new_id, "Active".to_string()),
    ];
    expected.sort();
    assert_eq!(keys_in_iam(&s), expected);
    whoami(&s).success();
}

#[test]
fn a_user_with_two_keys_already_is_told_which_other_key_to_delete() {
    let s = configured();
    let created = s.aws_as(
        "bb-management",
        &[
            "iam",
            "create-access-key",
            "--user-name",
            "natasha.romanoff",
        ],
    );
    created.success();
    let other: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    let other = other["AccessKey"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let before = s.snapshot();
    let keys_before = keys_in_iam(&s);
    let run = s.run(&["credentials", "rotate", "--type", "MANAGEMENT"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has(&format!(
        "IAM user natasha.romanoff already has two access keys; the other one is {other}"
    ))
    .stderr_has(&format!(
        "hint: IAM allows two keys per user: delete {other} first"
    ));
    assert_eq!(s.snapshot(), before);
    assert_eq!(keys_in_iam(&s), keys_before);
}

#[test]
fn a_new_key_sts_refuses_is_deleted_and_the_files_stay_byte_identical() {
    let s = configured();
    let old = s.seeded().user().access_key_id.clone();
    let sts = sts_refusing_new_keys(&s, &old, serde_json::json!({"code": "AccessDenied"}));
    let s = s.env("AWS_ENDPOINT_URL_STS", &sts.endpoint);
    let before = s.snapshot();
    let run = s.run(&["credentials", "rotate", "--type", "MANAGEMENT"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    let refused = sts
        .requests()
        .into_iter()
        .find(|(_, key, answer)| *key != old && answer == "AccessDenied")
        .expect("the new key was tried against STS");
    run.stderr_has(&format!(
        "key rotation stopped: the new access key does not work (sts:GetCallerIdentity failed: AccessDenied: Refused by the test endpoint.); {} was deleted again and no file was changed",
        refused.1
    ));
    assert_eq!(s.snapshot(), before);
    assert_eq!(keys_in_iam(&s), [(old, "Active".to_string())]);
}

#[test]
fn a_new_key_is_tried_again_until_sts_knows_it() {
    let s = configured();
    let old = s.seeded().user().access_key_id.clone();
    let sts = sts_refusing_new_keys(
        &s,
        &old,
        serde_json::json!({"code": "InvalidClientTokenId", "times": 2}),
    );
    let s = s.env("AWS_ENDPOINT_URL_STS", &sts.endpoint);
    let run = s.run(&["credentials", "rotate", "--type", "MANAGEMENT"], "");
    run.success()
        .stderr_has("Waiting for AWS to accept the new key (try 1 of 9, next in 0.5 s).")
        .stderr_has("Waiting for AWS to accept the new key (try 2 of 9, next in 1.0 s).")
        .stderr_has("The new key works.");
    let new_id = stored_key_id(&s);
    assert_eq!(keys_in_iam(&s), [(new_id, "Active".to_string())]);
}

#[test]
fn without_stored_keys_rotation_is_refused() {
    let s = configured();
    let before = s.snapshot();
    let run = s.run(&["credentials", "rotate", "--type", "SECURITY"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("no security keys are stored in profile bb-security");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn a_write_that_fails_deletes_the_new_key_and_changes_no_file() {
    let s = configured();
    let old = s.seeded().user().access_key_id.clone();
    // The backup cannot be written: a directory stands where it goes.
    std::fs::create_dir(s.aws_dir().join("credentials.bkp")).unwrap();
    let before = s.snapshot();
    let run = s.run(&["credentials", "rotate", "--type", "MANAGEMENT"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("credentials.bkp")
        .never_shows(&s.seeded().user().secret_access_key);
    assert_eq!(s.snapshot(), before);
    assert_eq!(keys_in_iam(&s), [(old, "Active".to_string())]);
}

#[test]
fn ctrl_c_while_waiting_for_the_new_key_deletes_it_and_changes_no_file() {
    let s = configured();
    let old = s.seeded().user().access_key_id.clone();
    let sts = sts_refusing_new_keys(
        &s,
        &old,
        serde_json::json!({"code": "InvalidClientTokenId", "times": 1000}),
    );
    let s = s.env("AWS_ENDPOINT_URL_STS", &sts.endpoint);
    let before = s.snapshot();
    let mut live = Live::start(&s, &["credentials", "rotate", "--type", "MANAGEMENT"]);
    live.wait_for("Waiting for AWS to accept the new key (try 1 of 9");
    live.interrupt();
    let run = live.finish();
    assert_eq!(run.code, 130, "{}", run.all());
    assert_eq!(s.snapshot(), before);
    assert_eq!(keys_in_iam(&s), [(old, "Active".to_string())]);
}
