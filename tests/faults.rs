//! The fault matrix: concurrent runs, half-done writes, symlinks, broken files, placeholder ids,
//! modes, killed runs, closed outputs, absurd settings, a held lock. Each case asserts the
//! whole outcome: files byte-identical or fully updated, modes, exit codes, no panic.

use crate::support::live::Live;
use crate::support::{AwsFixture, Scenario};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn no_panic(run: &crate::support::Run) {
    assert!(!run.all().contains("panicked"), "{}", run.all());
    assert_ne!(run.code, 101, "{}", run.all());
}

#[test]
fn concurrent_configure_runs_keep_every_account_id_and_every_profile() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let csv = s.keys_csv(s.seeded().user());
    // Runs of two types at once: each adds its own profile to the same files, so an update
    // lost between a read and a write would show as a missing profile.
    let runs: Vec<_> = ["BOOTSTRAP", "MANAGEMENT", "BOOTSTRAP", "MANAGEMENT"]
        .iter()
        .map(|kind| {
            let args = [
                "credentials",
                "configure",
                "--type",
                kind,
                "--credentials-file",
                csv.to_str().unwrap(),
                "--overwrite-existing-credentials",
            ];
            s.run_in(&s.project(), &args, "")
        })
        .collect();
    for run in runs {
        run.join().unwrap().success();
    }
    let credentials = s.read(s.aws_dir().join("credentials"));
    for profile in ["[bb-bootstrap]", "[bb-management]"] {
        assert!(credentials.contains(profile), "{profile}:\n{credentials}");
    }
    let common = s.read(s.project().join("config/common.tfvars"));
    for account in ["management", "security", "shared"] {
        let id = s.seeded().id_of(account);
        assert!(
            common.contains(&format!("{account}_account_id = \"{id}\"")),
            "{account}:\n{common}"
        );
    }
}

const KEYS_QUESTION: &str = "Select the means by which you'll provide the programmatic keys";

#[test]
fn an_edit_made_while_configure_asks_survives() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let csv = s.keys_csv(s.seeded().user());
    let mut live = Live::start(&s, &["credentials", "configure", "--type", "MANAGEMENT"]);
    live.wait_for(KEYS_QUESTION);
    // While it waits for an answer, the user edits common.tfvars.
    let path = s.project().join("config/common.tfvars");
    let edited = format!("# edited while configure waited\n{}", s.read(&path));
    s.write(&path, &edited);
    writeln!(live.stdin, "1\n{}", csv.display()).unwrap();
    live.finish().success();
    let after = s.read(&path);
    assert!(
        after.starts_with("# edited while configure waited\n"),
        "{after}"
    );
    assert!(after.contains(&s.seeded().id_of("security")), "{after}");
    assert_eq!(
        s.read(s.project().join("config/common.tfvars.bkp")),
        edited,
        "the backup holds the text just before the change"
    );
}

#[test]
fn a_question_holds_no_lock_and_keys_stored_meanwhile_are_not_overwritten() {
    let s = Scenario::new()
        .moto(AwsFixture::landing_zone().and_user("clint.barton"))
        .env("LEVERAGE_LOCK_TIMEOUT", "5");
    s.configure_management(&[]).success();
    let natasha = s.keys_csv(s.seeded().user());
    let clint = s.keys_csv(&s.seeded().users["clint.barton"]);
    let mut live = Live::start(&s, &["credentials", "configure", "--type", "MANAGEMENT"]);
    live.wait_for("Credentials already configured for bb-management");
    writeln!(live.stdin, "2").unwrap();
    live.wait_for(KEYS_QUESTION);
    // Another run stores other keys while the first one waits: it is not held up.
    s.run(
        &[
            "credentials",
            "configure",
            "--type",
            "MANAGEMENT",
            "--overwrite-existing-credentials",
            "--credentials-file",
            clint.to_str().unwrap(),
        ],
        "",
    )
    .success();
    let before = s.snapshot();
    writeln!(live.stdin, "1\n{}", natasha.display()).unwrap();
    let run = live.finish();
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has(&format!(
        "the keys of profile bb-management in {} changed while leverage was asking; nothing was written",
        s.aws_dir().join("credentials").display()
    ));
    assert_eq!(s.snapshot(), before, "the other run's keys stay");
}

#[test]
fn a_directory_in_place_of_a_backup_changes_nothing() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    s.configure_management(&[]).success();
    std::fs::create_dir(s.aws_dir().join("config.bkp")).unwrap();
    // Both files differ from what the run will write: old keys, a profile gone.
    let credentials = s.aws_dir().join("credentials");
    let secret = &s.seeded().user().secret_access_key;
    s.write(
        &credentials,
        &s.read(&credentials)
            .replace(secret.as_str(), &"x".repeat(40)),
    );
    let config = s.aws_dir().join("config");
    let text = s.read(&config);
    s.write(
        &config,
        &text[..text.find("[profile bb-shared-oaar]").unwrap()],
    );
    let before = s.snapshot();
    let run = s.configure_management(&["--overwrite-existing-credentials"]);
    assert_eq!(run.code, 1, "{}", run.all());
    no_panic(&run);
    run.stderr_has("config.bkp");
    assert_eq!(s.snapshot(), before, "credentials did not switch alone");
}

#[test]
fn symlinked_files_are_written_through_and_stay_links() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let dotfiles = s.dir.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::create_dir_all(s.aws_dir()).unwrap();
    for name in ["credentials", "config"] {
        std::fs::write(dotfiles.join(name), "# mine\n").unwrap();
        std::os::unix::fs::symlink(dotfiles.join(name), s.aws_dir().join(name)).unwrap();
    }
    let common = s.project().join("config/common.tfvars");
    std::fs::copy(&common, dotfiles.join("common.tfvars")).unwrap();
    std::fs::remove_file(&common).unwrap();
    std::os::unix::fs::symlink(dotfiles.join("common.tfvars"), &common).unwrap();

    s.configure_management(&[]).success();
    for link in [
        s.aws_dir().join("credentials"),
        s.aws_dir().join("config"),
        common.clone(),
    ] {
        assert!(
            std::fs::symlink_metadata(&link).unwrap().is_symlink(),
            "{}",
            link.display()
        );
    }
    let credentials = std::fs::read_to_string(dotfiles.join("credentials")).unwrap();
    assert!(credentials.starts_with("# mine\n"), "{credentials}");
    assert!(credentials.contains(&s.seeded().user().access_key_id));
    let config = std::fs::read_to_string(dotfiles.join("config")).unwrap();
    assert!(config.contains("[profile bb-security-oaar]"), "{config}");
    let tfvars = std::fs::read_to_string(dotfiles.join("common.tfvars")).unwrap();
    assert!(tfvars.contains(&s.seeded().id_of("shared")), "{tfvars}");
}

#[test]
fn a_credentials_file_with_a_section_twice_is_refused() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    std::fs::create_dir_all(s.aws_dir()).unwrap();
    s.write(
        s.aws_dir().join("credentials"),
        "[bb-management]\naws_access_key_id = AKIAOLD\n\n[bb-management]\naws_secret_access_key = old\n",
    );
    let before = s.snapshot();
    let run = s.configure_management(&["--overwrite-existing-credentials"]);
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("credentials: line 4: section [bb-management] appears twice (lines 1 and 4)");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn placeholder_ids_never_reach_a_role_arn() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let path = s.project().join("config/common.tfvars");
    let text = format!(
        "{}management_account_id = \"XXXXXXXXXXXX\"\nsecurity_account_id = \"XXXXXXXXXXXX\"\n",
        s.read(&path)
    );
    s.write(&path, &text);
    s.configure_management(&[]).success();
    let config = s.read(s.aws_dir().join("config"));
    assert!(!config.contains("XXXXXXXXXXXX"), "{config}");
    let management = s.seeded().id_of("management");
    assert!(
        config.contains(&format!(
            "role_arn = arn:aws:iam::{management}:role/OrganizationAccountAccessRole"
        )),
        "{config}"
    );
    let common = s.read(&path);
    assert!(
        common.contains(&format!("management_account_id = \"{management}\"")),
        "{common}"
    );
}

#[test]
fn a_management_id_that_disagrees_with_aws_is_corrected_with_a_warning() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let path = s.project().join("config/common.tfvars");
    s.write(
        &path,
        &format!(
            "{}management_account_id = \"111111111111\"\n",
            s.read(&path)
        ),
    );
    let run = s.configure_management(&[]);
    run.success()
        .stderr_has("The project says the management account is 111111111111");
    assert!(!s.read(s.aws_dir().join("config")).contains("111111111111"));
}

/// A `terraform` stand-in that records the mode of the directory holding its AWS config.
fn mode_recording_terraform(s: &Scenario) {
    let script =
        "#!/bin/sh\nstat -c %a \"$(dirname \"$AWS_CONFIG_FILE\")\" > \"$STANDIN_LOG/mode\"\n";
    std::fs::write(s.standin_path("terraform"), script).unwrap();
}

/// MANAGEMENT keys with MFA, MFA_ENABLED, and the management backend on the MFA role profile.
fn mfa_scenario() -> Scenario {
    let s = Scenario::new()
        .moto(AwsFixture::landing_zone())
        .standins(&["terraform"]);
    s.configure_management(&["--fetch-mfa-device"]).success();
    let build_env = s.project().join("build.env");
    s.write(
        &build_env,
        &s.read(&build_env)
            .replace("MFA_ENABLED=false", "MFA_ENABLED=true"),
    );
    let backend = s.project().join("management/config/backend.tfvars");
    s.write(
        &backend,
        &s.read(&backend)
            .replace("\"bb-bootstrap\"", "\"bb-management-oaar\""),
    );
    s
}

const LAYER: &str = "management/global/base-identities";

#[test]
fn the_private_directory_is_0700_under_umask_000_and_lives_under_the_project_aws_dir() {
    let s = mfa_scenario();
    mode_recording_terraform(&s);
    // A looser directory around it is tightened first.
    std::fs::set_permissions(s.aws_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = s.sh(&format!(
        "umask 000; cd {LAYER} && echo 123456 | \"$LEVERAGE\" tf plan"
    ));
    run.success();
    assert_eq!(mode(&s.aws_dir()), 0o700);
    let calls = s.dir.path().join("calls");
    assert_eq!(
        std::fs::read_to_string(calls.join("mode")).unwrap().trim(),
        "700"
    );
    let left: Vec<_> = std::fs::read_dir(s.aws_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("leverage-credentials-")
        })
        .collect();
    assert!(
        left.is_empty(),
        "the private directory is removed after the run"
    );
}

#[test]
fn what_a_killed_run_left_is_swept_by_the_next() {
    let s = mfa_scenario();
    let dead_dir = s.aws_dir().join("leverage-credentials-999999999-abcdef");
    std::fs::create_dir(&dead_dir).unwrap();
    std::fs::write(dead_dir.join("credentials"), "aws_session_token = live").unwrap();
    let dead_temp = s.aws_dir().join(".leverage-999999999-abcdef.tmp");
    std::fs::write(&dead_temp, "aws_secret_access_key = full").unwrap();
    let cache = s.aws_dir().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let dead_cache_temp = cache.join(".leverage-999999999-abcdef.tmp");
    std::fs::write(&dead_cache_temp, "{\"SessionToken\": \"live\"}").unwrap();
    let run = s.run_at(LAYER, &["tf", "plan"], "123456\n", &[]);
    run.success();
    assert!(
        !dead_dir.exists(),
        "a dead run's private directory is removed"
    );
    assert!(
        !dead_cache_temp.exists(),
        "a dead run's half-written cache entry is removed"
    );
    s.configure_management(&["--skip-access-keys-setup"])
        .success();
    assert!(!dead_temp.exists(), "a dead run's temp file is removed");
}

#[test]
fn loose_modes_are_tightened_or_reported() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    std::fs::create_dir_all(s.aws_dir()).unwrap();
    std::fs::set_permissions(s.aws_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    s.write(s.aws_dir().join("credentials"), "# mine\n");
    std::fs::set_permissions(
        s.aws_dir().join("credentials"),
        std::fs::Permissions::from_mode(0o400),
    )
    .unwrap();
    let run = s.configure_management(&[]);
    run.success()
        .stderr_has("was 755, readable by others; leverage made it 0700.")
        .stderr_has("credentials was 400; leverage writes it 0600");
    assert_eq!(mode(&s.aws_dir()), 0o700);
    assert_eq!(mode(&s.aws_dir().join("credentials")), 0o600);
}

#[test]
fn absurd_mfa_settings_are_clear_errors() {
    let s = mfa_scenario();
    for (key, value) in [
        ("LEVERAGE_MFA_REFRESH_MARGIN", "9223372036854775807"),
        ("LEVERAGE_MFA_REFRESH_MARGIN", "9223372036854"),
        ("LEVERAGE_MFA_SESSION_DURATION", "abc"),
        ("LEVERAGE_MFA_ROLE_DURATION", "-5"),
        ("LEVERAGE_MFA_SESSION_DURATION", "0"),
    ] {
        let run = s.run_at(LAYER, &["tf", "plan"], "123456\n", &[(key, value)]);
        assert_eq!(run.code, 1, "{key}={value}: {}", run.all());
        no_panic(&run);
        run.stderr_has(&format!("{key} = \"{value}\" is not a number of seconds"));
    }
}

#[test]
fn a_closed_or_full_stdout_ends_quietly_or_clearly() {
    let s = Scenario::new();
    for command in ["completions bash", "project info", "--help"] {
        let run = s.sh(&format!("\"$LEVERAGE\" {command} | head -c1 >/dev/null"));
        no_panic(&run);
        assert!(
            !run.stderr.contains("Broken pipe"),
            "{command}: {}",
            run.stderr
        );
    }
    let run = s.sh("\"$LEVERAGE\" project info >/dev/full");
    assert_eq!(run.code, 1, "{}", run.all());
    no_panic(&run);
    run.stderr_has("could not write to standard output");
}

#[test]
fn a_directory_in_the_cache_heals_and_logout_removes_it() {
    let s = mfa_scenario();
    let cache = s.aws_dir().join("cache");
    std::fs::create_dir_all(cache.join("bb-management-oaar")).unwrap();
    std::fs::write(cache.join("bb-management-oaar/x"), "").unwrap();
    s.run_at(LAYER, &["tf", "plan"], "123456\n", &[]).success();
    assert!(
        cache.join("bb-management-oaar").is_file(),
        "the entry replaced the directory"
    );
    std::fs::create_dir_all(cache.join("junk-dir")).unwrap();
    s.run(&["credentials", "logout"], "").success();
    let left: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".lock")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_run_waiting_on_the_lock_says_for_whom_and_gives_up_after_the_timeout() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    std::fs::create_dir_all(s.aws_dir()).unwrap();
    let lock_path = s.aws_dir().join(".leverage.lock");
    let mut held = std::fs::File::create(&lock_path).unwrap();
    write!(held, "4242").unwrap();
    held.lock().unwrap();
    let csv = s.keys_csv(s.seeded().user());
    let s = s.env("LEVERAGE_LOCK_TIMEOUT", "2");
    let run = s.run(
        &[
            "credentials",
            "configure",
            "--type",
            "MANAGEMENT",
            "--credentials-file",
            csv.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("Waiting for another leverage run (pid 4242) to finish...")
        .stderr_has("another leverage run (pid 4242) still holds")
        .stderr_has("after 2 s");
    assert!(
        !s.aws_dir().join("credentials").exists(),
        "nothing was written"
    );
}

/// A tiny tmpfs mounted over a directory, unmounted on drop. Needs root (CI runs as root):
/// without it the test fails saying so, never skips.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(dir).unwrap();
        let options = format!("size={size},mode=0700");
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(out) if out.status.success() => SmallDisk(dir.to_path_buf()),
            other => panic!(
                "the disk-full case mounts a small tmpfs, which needs root ({other:?}): run the \
                 suite as root (CI does)"
            ),
        }
    }

    /// Fills the disk until only `free` bytes are left.
    fn leave_free(&self, free: u64) {
        let out = std::process::Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.0)
            .output()
            .unwrap();
        let available: u64 = String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let filler = vec![0u8; available.saturating_sub(free) as usize];
        std::fs::write(self.0.join("filler"), filler).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_midway_leaves_every_file_as_it_was() {
    let s = Scenario::new().moto(AwsFixture::landing_zone());
    let disk = SmallDisk::mount(&s.aws_dir(), "256k");
    s.configure_management(&[]).success();
    let credentials = s.aws_dir().join("credentials");
    let secret = &s.seeded().user().secret_access_key;
    s.write(
        &credentials,
        &s.read(&credentials)
            .replace(secret.as_str(), &"y".repeat(40)),
    );
    let config = s.aws_dir().join("config");
    let text = s.read(&config);
    s.write(
        &config,
        &text[..text.find("[profile bb-shared-oaar]").unwrap()],
    );
    // One page left: the first temp file fits, the next ones do not.
    disk.leave_free(4096);
    let before = s.snapshot();
    let run = s.configure_management(&["--overwrite-existing-credentials"]);
    assert_eq!(run.code, 1, "{}", run.all());
    no_panic(&run);
    run.never_shows(secret);
    insta::assert_snapshot!(s.transcript(&run));
    assert_eq!(s.snapshot(), before);
    let temps: Vec<_> = std::fs::read_dir(s.aws_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".leverage-"))
        .collect();
    assert!(
        temps.is_empty(),
        "no temp file (with secrets) is left behind"
    );
}

#[test]
fn an_unreachable_endpoint_is_one_sentence_not_a_debug_dump() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = Scenario::new().env("AWS_ENDPOINT_URL", &format!("http://127.0.0.1:{port}"));
    let csv = s.dir.path().join("keys.csv");
    std::fs::write(
        &csv,
        "Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .unwrap();
    let run = s.run(
        &[
            "credentials",
            "configure",
            "--type",
            "BOOTSTRAP",
            "--credentials-file",
            csv.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    no_panic(&run);
    run.stderr_has("GetCallerIdentity failed: could not reach the AWS endpoint:")
        .never_shows("wJalrXUtnFEMI");
    assert!(!run.stderr.contains("DispatchFailure"), "{}", run.stderr);
    assert_eq!(
        run.stderr.lines().filter(|l| l.contains("ERROR")).count(),
        1,
        "{}",
        run.stderr
    );
}
