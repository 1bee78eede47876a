//! `leverage credentials mfa-device` against moto_server: the test plays the authenticator app
//! (it decodes the QR image and computes the codes) and the user at the keyboard.

use crate::support::authenticator::{codes, scan, seed_of};
use crate::support::live::Live;
use crate::support::{AwsFixture, Scenario};
use std::io::Write;

const CODE_PROMPT: &str = "> MFA code 1";

/// A project with MANAGEMENT keys and role profiles (no MFA yet), for a user without a device.
fn configured(fixture: AwsFixture, fetch_mfa: bool) -> Scenario {
    let s = Scenario::new().moto(fixture);
    let extra: &[&str] = if fetch_mfa {
        &["--fetch-mfa-device"]
    } else {
        &[]
    };
    s.configure_management(extra).success();
    s
}

/// `credentials mfa-device --type MANAGEMENT --qr-png <png>` and `extra`, talked to as it runs.
fn start_device(s: &Scenario, png: &std::path::Path, extra: &[&str]) -> Live {
    let mut args = vec![
        "credentials",
        "mfa-device",
        "--type",
        "MANAGEMENT",
        "--qr-png",
        png.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Live::start(s, &args)
}

/// Every MANAGEMENT role profile has `mfa_serial = <serial>` after its other settings.
#[track_caller]
fn assert_profiles_use(s: &Scenario, serial: &str) {
    let config = s.read(s.aws_dir().join("config"));
    for profile in ["bb-management-oaar", "bb-security-oaar", "bb-shared-oaar"] {
        let section = config
            .split("\n\n")
            .find(|block| block.starts_with(&format!("[profile {profile}]\n")))
            .unwrap_or_else(|| panic!("no {profile} in\n{config}"));
        assert!(
            section.contains("\nsource_profile = bb-management\n")
                && section
                    .trim_end()
                    .ends_with(&format!("\nmfa_serial = {serial}")),
            "{config}"
        );
    }
}

fn virtual_devices(s: &Scenario) -> serde_json::Value {
    let run = s.aws_as("bb-management", &["iam", "list-virtual-mfa-devices"]);
    run.success();
    serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()["VirtualMFADevices"].clone()
}

#[test]
fn a_device_scanned_from_the_png_is_enabled_and_its_serial_written_into_the_role_profiles() {
    let s = configured(AwsFixture::landing_zone().without_mfa(), false);
    let png = s.dir.path().join("qr.png");
    let mut live = start_device(&s, &png, &[]);
    live.wait_for(CODE_PROMPT);
    let uri = scan(&png);
    assert!(
        uri.starts_with(
            "otpauth://totp/Amazon%20Web%20Services:natasha.romanoff@123456789012?secret="
        ),
        "{uri}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&png).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let fixture = seed_of(&uri);
    let (first, second) = codes(&fixture);
    writeln!(live.stdin, "{first}\n{second}").unwrap();
    let run = live.finish();
    run.success().never_shows(&fixture);

    let serial = "arn:aws:iam::123456789012:mfa/natasha.romanoff";
    let devices = virtual_devices(&s);
    assert_eq!(devices.as_array().unwrap().len(), 1, "{devices}");
    assert_eq!(devices[0]["SerialNumber"], serial);
    assert_eq!(devices[0]["User"]["UserName"], "natasha.romanoff");
    assert_profiles_use(&s, serial);
    // The real AWS CLI now asks for a code before it assumes the role.
    let aws = s.aws(
        &["sts", "get-caller-identity", "--profile", "bb-shared-oaar"],
        "123456\n",
    );
    aws.success()
        .stderr_has(&format!("Enter MFA code for {serial}:"));
}

#[test]
fn wrong_codes_delete_the_new_device_and_change_no_file() {
    let s = configured(AwsFixture::landing_zone().without_mfa(), false);
    let before = s.snapshot();
    let run = s.run(
        &["credentials", "mfa-device", "--type", "management"],
        "000000\n000000\n",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains('▀') || run.stderr.contains('▄'),
        "the QR code is drawn with half blocks:\n{}",
        run.stderr
    );
    run.stderr_has("the two MFA codes are not two consecutive codes of the new device; arn:aws:iam::123456789012:mfa/natasha.romanoff was deleted again and no file was changed")
        .stderr_has("hint: type the code the app shows");
    assert!(
        !run.all().contains("secret="),
        "the fixture stays in the QR code"
    );
    assert_eq!(virtual_devices(&s), serde_json::json!([]));
    assert_eq!(s.snapshot(), before);
}

#[test]
fn show_secret_prints_the_seed_that_the_qr_code_holds() {
    let s = configured(AwsFixture::landing_zone().without_mfa(), false);
    let png = s.dir.path().join("qr.png");
    let mut live = start_device(&s, &png, &["--show-secret"]);
    live.wait_for(CODE_PROMPT);
    let fixture = seed_of(&scan(&png));
    writeln!(live.stdin, "000000\n000000").unwrap();
    let run = live.finish();
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(run.stdout, format!("{fixture}\n"));
    assert!(
        !png.exists(),
        "the image of a deleted device's fixture is removed"
    );
}

#[test]
fn ctrl_c_while_waiting_for_a_code_deletes_the_new_device() {
    let s = configured(AwsFixture::landing_zone().without_mfa(), false);
    let before = s.snapshot();
    let png = s.dir.path().join("qr.png");
    let mut live = start_device(&s, &png, &[]);
    live.wait_for(CODE_PROMPT);
    live.interrupt();
    // Standard input stays open until leverage has acted on the interrupt.
    live.wait_for("MFA device setup stopped");
    let run = live.finish();
    assert_eq!(run.code, 130, "{}", run.all());
    run.stderr_has("MFA device setup stopped: interrupted; arn:aws:iam::123456789012:mfa/natasha.romanoff was deleted again and no file was changed");
    assert_eq!(virtual_devices(&s), serde_json::json!([]));
    assert_eq!(s.snapshot(), before);
    assert!(!png.exists());
}

#[test]
fn a_user_with_a_device_already_is_told_so() {
    let s = configured(AwsFixture::landing_zone(), true);
    let run = s.run(&["credentials", "mfa-device", "--type", "MANAGEMENT"], "");
    run.success().stderr_has(
        "IAM user natasha.romanoff already has the MFA device arn:aws:iam::123456789012:mfa/natasha.romanoff, and the bb-management role profiles use it. Nothing to do.",
    );

    let s = configured(AwsFixture::landing_zone(), false);
    let before = s.snapshot();
    let run = s.run(&["credentials", "mfa-device", "--type", "MANAGEMENT"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("IAM user natasha.romanoff already has the MFA device arn:aws:iam::123456789012:mfa/natasha.romanoff, and the management role profiles do not use it")
        .stderr_has("hint: to use it, run `leverage credentials configure --type MANAGEMENT --skip-access-keys-setup --fetch-mfa-device`");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn bad_input_changes_nothing() {
    let s = configured(AwsFixture::landing_zone().without_mfa(), false);
    let png = s.dir.path().join("taken.png");
    std::fs::write(&png, "mine").unwrap();
    let before = s.snapshot();
    let run = s.run(
        &[
            "credentials",
            "mfa-device",
            "--type",
            "MANAGEMENT",
            "--qr-png",
            png.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has(&format!("--qr-png {}: the file exists", png.display()));
    assert_eq!(s.read(&png), "mine");

    let run = s.run(&["credentials", "mfa-device", "--type", "SECURITY"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("no security keys are stored in profile bb-security");

    let run = s.run(&["credentials", "mfa-device", "--type", "BOOTSTRAP"], "");
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(virtual_devices(&s), serde_json::json!([]));
    assert_eq!(s.snapshot(), before);
}
