//! `leverage mfa enable|disable`: the "Enable MFA" edits of the docs, previewed and exact.

use crate::support::{FIXTURE, Scenario};

const FILES: &[&str] = &[
    "build.env",
    "management/config/backend.tfvars",
    "management/global/base-identities/roles.tf",
    "security/config/backend.tfvars",
    "security/global/base-identities/roles.tf",
    "shared/config/backend.tfvars",
];

fn fixture(file: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(FIXTURE).join(file)).unwrap()
}

fn files(s: &Scenario) -> Vec<String> {
    FILES.iter().map(|f| s.read(s.project().join(f))).collect()
}

fn enabled() -> Vec<String> {
    let roles = |f: &str| {
        fixture(f).replace(
            "role_requires_mfa    = false",
            "role_requires_mfa    = true",
        )
    };
    vec![
        fixture("build.env").replace("MFA_ENABLED=false", "MFA_ENABLED=true"),
        fixture("management/config/backend.tfvars").replace(
            "profile = \"bb-bootstrap\"",
            "profile = \"bb-management-oaar\"",
        ),
        roles("management/global/base-identities/roles.tf"),
        fixture("security/config/backend.tfvars").replace(
            "profile = \"bb-security-oaar\"",
            "profile = \"bb-security-devops\"",
        ),
        roles("security/global/base-identities/roles.tf"),
        fixture("shared/config/backend.tfvars").replace(
            "profile = \"bb-shared-oaar\"",
            "profile = \"bb-shared-devops\"",
        ),
    ]
}

#[test]
fn enable_makes_the_documented_edits_and_disable_undoes_them_exactly() {
    let s = Scenario::new().cd("security");
    let original = files(&s);
    let run = s.run(&["mfa", "enable", "--yes"], "");
    run.success()
        .stderr_has("MFA enabled in 6 file(s).")
        .stderr_has("--fetch-mfa-device");
    // The order that works: the profiles get the device before any layer runs with them.
    let configure = run.stderr.find("credentials configure").unwrap();
    let apply = run.stderr.find("tf apply").unwrap();
    assert!(configure < apply, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("-  role_requires_mfa    = false\n+  role_requires_mfa    = true\n"),
        "{}",
        run.stdout
    );
    assert_eq!(files(&s), enabled());

    let again = s.run(&["mfa", "enable", "--yes"], "");
    again
        .success()
        .stderr_has("Nothing to change: MFA is already enabled");
    assert_eq!(again.stdout, "");

    s.run(&["mfa", "disable", "--yes"], "").success();
    assert_eq!(
        files(&s),
        original,
        "disable restores the files byte for byte"
    );
}

#[test]
fn dry_run_shows_the_diff_and_changes_nothing() {
    let s = Scenario::new();
    let before = files(&s);
    let run = s.run(&["mfa", "enable", "--dry-run"], "");
    run.success().stderr_has("Dry run: nothing was changed.");
    insta::assert_snapshot!(s.transcript(&run));
    for file in FILES {
        assert!(
            run.stdout
                .contains(&format!("--- a/{file}\n+++ b/{file}\n")),
            "{file}:\n{}",
            run.stdout
        );
    }
    assert_eq!(files(&s), before);
}

#[test]
fn the_question_can_be_answered_on_stdin_and_no_answer_names_the_flag() {
    let s = Scenario::new();
    let before = files(&s);
    let run = s.run(&["mfa", "enable"], "no\n");
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(files(&s), before);
    let run = s.run(&["mfa", "enable"], "");
    run.failure()
        .stderr_has("pass --yes to apply without asking");
    assert_eq!(files(&s), before);
    s.run(&["mfa", "enable"], "yes\n").success();
    assert_eq!(files(&s), enabled());
}

#[test]
fn a_roles_file_of_another_shape_is_reported_and_left_alone() {
    let s = Scenario::new();
    let odd = "module \"oaar\" {\n  role_requires_mfa = false\n}\n";
    s.write(
        s.project().join("security/global/base-identities/roles.tf"),
        odd,
    );
    let run = s.run(&["mfa", "enable", "--yes"], "");
    run.success().stderr_has(
        "Left security/global/base-identities/roles.tf unchanged: no `role_requires_mfa` in module \"iam_assumable_role_oaar\"",
    );
    assert_eq!(
        s.read(s.project().join("security/global/base-identities/roles.tf")),
        odd
    );
    assert_eq!(
        s.read(
            s.project()
                .join("management/global/base-identities/roles.tf")
        ),
        enabled()[2]
    );
}
