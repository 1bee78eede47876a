//! AWS IAM Identity Center end to end: `aws configure sso`, `aws sso login|refresh|logout` and
//! layer credentials, against the SSO fake (tests/support/sso_fake.py), with the real AWS CLI
//! and moto_server for STS.

use crate::support::live::Live;
use crate::support::sso::SsoFixture;
use crate::support::{AwsFixture, Scenario};
use serde_json::json;

const LAYER: &str = "shared/us-east-1/base-tf-backend";
const START_URL: &str = "https://bbleverage.awsapps.com/start";

/// The fixture made an SSO project: `sso_enabled = true`, account ids as the fake knows them,
/// shared's backend profile on the DevOps role, and its layer also using SecurityAuditor.
fn sso_project(fixture: SsoFixture) -> Scenario {
    let s = Scenario::new().sso(fixture);
    let common = s.project().join("config/common.tfvars");
    let mut text = s
        .read(&common)
        .replace("sso_enabled   = false", "sso_enabled   = true");
    for (account, id) in [
        ("management", "111111111111"),
        ("security", "222222222222"),
        ("shared", "333333333333"),
    ] {
        let email = format!("email = \"aws+{account}@binbash.com.ar\"");
        text = text.replace(&email, &format!("{email}\n    id    = \"{id}\""));
    }
    s.write(&common, &text);
    let backend = s.project().join("shared/config/backend.tfvars");
    s.write(
        &backend,
        &s.read(&backend)
            .replace("\"bb-shared-oaar\"", "\"bb-shared-devops\""),
    );
    let config = s.project().join(LAYER).join("config.tf");
    s.write(
        &config,
        &format!(
            "{}\nprovider \"aws\" {{\n  alias   = \"audit\"\n  region  = var.region\n  profile = \"${{var.project}}-shared-securityauditor\"\n}}\n",
            s.read(&config)
        ),
    );
    s.cd(LAYER)
}

/// `aws configure sso` done (which logs in).
fn configured(fixture: SsoFixture) -> Scenario {
    let s = sso_project(fixture);
    s.run(&["aws", "configure", "sso", "--no-browser"], "")
        .success();
    s
}

fn token_files(s: &Scenario) -> [std::path::PathBuf; 2] {
    [
        s.aws_dir().join("sso/cache/token"),
        s.home()
            .join(".aws/sso/cache")
            .join(format!("{}.json", sha1_hex(START_URL))),
    ]
}

fn sha1_hex(text: &str) -> String {
    let out = std::process::Command::new(crate::support::venv_bin("python"))
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            text,
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn access_token(s: &Scenario) -> String {
    let token: serde_json::Value = serde_json::from_str(&s.read(&token_files(s)[0])).unwrap();
    token["accessToken"].as_str().unwrap().to_string()
}

/// Moves both tokens' expiry into the past, as time would.
fn expire_tokens(s: &Scenario) {
    for path in token_files(s) {
        let mut token: serde_json::Value = serde_json::from_str(&s.read(&path)).unwrap();
        token["expiresAt"] = json!("2020-01-01T00:00:00Z");
        s.write(&path, &token.to_string());
    }
}

/// The key id the fake handed out for `role` in `account_id`, the last time it did.
fn issued_key(s: &Scenario, account_id: &str, role: &str) -> String {
    s.sso_fake()
        .requests()
        .iter()
        .rev()
        .find(|r| {
            r.path == "/federation/credentials"
                && r.status == 200
                && r.details["account_id"] == account_id
                && r.details["role_name"] == role
        })
        .unwrap_or_else(|| panic!("no credentials issued for {role} in {account_id}"))
        .details["access_key_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn configure_sso_logs_in_and_writes_a_profile_for_every_reachable_account() {
    let s = configured(SsoFixture::landing_zone());
    insta::assert_snapshot!(s.read(s.aws_dir().join("config")));
    let fake = s.sso_fake();
    assert_eq!(
        fake.count("/assignment/accounts"),
        3,
        "5 accounts over 3 pages"
    );
    let register = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/client/register")
        .unwrap();
    assert_eq!(register.body["clientType"], "public");
    assert_eq!(register.body["scopes"], json!(["sso:account:access"]));
    assert_eq!(
        register.body["grantTypes"],
        json!([
            "urn:ietf:params:oauth:grant-type:device_code",
            "refresh_token"
        ])
    );
    for path in token_files(&s) {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        let token: serde_json::Value = serde_json::from_str(&s.read(&path)).unwrap();
        let expires = token["expiresAt"].as_str().unwrap();
        assert!(
            expires.len() == 20 && expires.ends_with('Z'),
            "expiresAt {expires:?} is YYYY-MM-DDTHH:MM:SSZ"
        );
        assert_eq!(token["startUrl"], START_URL);
    }
}

#[test]
fn the_aws_cli_uses_a_configured_profile_with_only_our_token_cache() {
    let s = configured(SsoFixture::landing_zone());
    let s = s.plain_moto();
    s.sso_fake().clear_log();
    let run = s.aws(
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            "bb-sso-apps-devstg",
            "--output",
            "json",
        ],
        "",
    );
    run.success();
    assert!(run.stdout.contains("\"Account\""), "{}", run.stdout);
    let calls: Vec<_> = s
        .sso_fake()
        .requests()
        .into_iter()
        .filter(|r| r.path == "/federation/credentials")
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].query["account_id"], "444444444444");
    assert_eq!(calls[0].query["role_name"], "ReadOnly");
}

#[test]
fn a_layer_gets_credentials_for_the_role_each_profile_names_and_reuses_them() {
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    let run = s.run(&["terraform", "plan"], "");
    run.success();
    run.never_shows(&access_token(&s));
    let credentials = s.read(s.aws_dir().join("credentials"));
    let devops = issued_key(&s, "333333333333", "DevOps");
    let auditor = issued_key(&s, "333333333333", "SecurityAuditor");
    assert!(
        credentials.contains(&format!(
            "[bb-shared-devops]\naws_access_key_id = {devops}\n"
        )),
        "{credentials}"
    );
    assert!(
        credentials.contains(&format!(
            "[bb-shared-securityauditor]\naws_access_key_id = {auditor}\n"
        )),
        "{credentials}"
    );
    let config = s.read(s.aws_dir().join("config"));
    assert!(config.contains("[profile bb-shared-securityauditor]\nexpiration = "));
    let call = &s.calls()[0];
    assert_eq!(
        call.env["AWS_SHARED_CREDENTIALS_FILE"],
        s.aws_dir().join("credentials").display().to_string()
    );

    s.sso_fake().clear_log();
    s.run(&["terraform", "plan"], "").success();
    assert_eq!(s.sso_fake().count("/federation/credentials"), 0);
    assert_eq!(s.read(s.aws_dir().join("credentials")), credentials);
}

#[test]
fn a_role_the_portal_refuses_exits_40_naming_account_and_role() {
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    let mut fixture = SsoFixture::landing_zone();
    fixture.accounts[2].roles = vec!["Administrator".into(), "SecurityAuditor".into()];
    s.sso_fake()
        .configure(json!({ "accounts": fixture.accounts }));
    let run = s.run(&["terraform", "plan"], "");
    assert_eq!(run.code, 40, "{}", run.all());
    run.stderr_has(
        "User does not have permission to assume role DevOps in account shared (333333333333)",
    );
    assert!(s.calls().is_empty(), "terraform must not run");
}

#[test]
fn a_role_missing_from_the_account_exits_40_listing_the_roles_there() {
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    let config = s.project().join(LAYER).join("config.tf");
    s.write(
        &config,
        &s.read(&config)
            .replace("-shared-securityauditor", "-shared-billing"),
    );
    let run = s.run(&["terraform", "plan"], "");
    assert_eq!(run.code, 40, "{}", run.all());
    run.stderr_has("User has no role matching billing in account shared (333333333333); roles there: Administrator, DevOps, SecurityAuditor");
}

#[test]
fn a_layer_of_an_account_without_sso_profile_exits_40() {
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    let config_path = s.aws_dir().join("config");
    let config = s.read(&config_path);
    let start = config.find("[profile bb-sso-shared]").unwrap();
    let end = config[start..]
        .find("\n\n")
        .map_or(config.len(), |i| start + i + 2);
    s.write(
        &config_path,
        &format!("{}{}", &config[..start], &config[end..]),
    );
    let run = s.run(&["terraform", "plan"], "");
    assert_eq!(run.code, 40, "{}", run.all());
    run.stderr_has("Missing bb-sso-shared permission for account shared");
}

#[test]
fn an_expired_token_without_refresh_token_asks_to_log_in_and_changes_nothing() {
    let mut fixture = SsoFixture::landing_zone();
    fixture.refresh_tokens = false;
    let s = configured(fixture).standins(&["terraform"]);
    expire_tokens(&s);
    let mut watched: Vec<_> = token_files(&s).to_vec();
    watched.extend(["config", "credentials"].map(|f| s.aws_dir().join(f)));
    let before: Vec<_> = watched.iter().map(|p| std::fs::read(p).ok()).collect();
    let run = s.run(&["terraform", "plan"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("AWS SSO token has expired (at 2020-01-01 00:00:00 UTC)")
        .stderr_has("hint: run `leverage aws sso login` and retry");
    let after: Vec<_> = watched.iter().map(|p| std::fs::read(p).ok()).collect();
    assert_eq!(before, after);
    assert!(s.calls().is_empty());
}

#[test]
fn an_expired_token_is_renewed_silently_with_the_refresh_token() {
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    let old = access_token(&s);
    expire_tokens(&s);
    s.sso_fake().clear_log();
    let run = s.run(&["terraform", "plan"], "");
    run.success();
    let renewals: Vec<_> = s
        .sso_fake()
        .requests()
        .into_iter()
        .filter(|r| r.path == "/token")
        .collect();
    assert_eq!(renewals.len(), 1);
    assert_eq!(renewals[0].body["grantType"], "refresh_token");
    assert_eq!(s.sso_fake().count("/device_authorization"), 0, "no browser");
    let new = access_token(&s);
    assert_ne!(new, old);
    run.never_shows(&new);
    for path in token_files(&s) {
        assert!(!s.read(path).contains("2020-01-01"));
    }
}

#[test]
fn logout_signs_out_and_removes_only_what_sso_wrote() {
    let s = sso_project(SsoFixture::landing_zone()).standins(&["terraform"]);
    let statics = "# my keys\n[bb-management]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    s.write(s.aws_dir().join("credentials"), statics);
    s.run(&["aws", "configure", "sso", "--no-browser"], "")
        .success();
    let configured = s.read(s.aws_dir().join("config"));
    s.run(&["terraform", "plan"], "").success();
    assert_ne!(s.read(s.aws_dir().join("credentials")), statics);
    let token = access_token(&s);

    let run = s.run(&["aws", "sso", "logout"], "");
    run.success().never_shows(&token);
    let logouts: Vec<_> = s
        .sso_fake()
        .requests()
        .into_iter()
        .filter(|r| r.path == "/logout")
        .collect();
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0].status, 200);
    for path in token_files(&s) {
        assert!(!path.exists(), "{} is gone", path.display());
    }
    assert_eq!(s.read(s.aws_dir().join("credentials")), statics);
    assert_eq!(s.read(s.aws_dir().join("config")), configured);
    // Nor does the backup keep the role credentials that logout removed.
    let backup = s.read(s.aws_dir().join("credentials.bkp"));
    assert_eq!(backup, statics);
}

#[test]
fn logout_works_offline() {
    let s = configured(SsoFixture::landing_zone());
    let s = s
        .without_sso()
        .env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9");
    let run = s.run(&["aws", "sso", "logout"], "");
    run.success()
        .stderr_has("WARNING  Could not sign out with AWS (sso:Logout failed: could not reach the AWS endpoint: ");
    for path in token_files(&s) {
        assert!(!path.exists());
    }
}

#[test]
fn refresh_fetches_every_account_and_skips_valid_ones_unless_forced() {
    let s = configured(SsoFixture::landing_zone());
    s.run(&["aws", "sso", "refresh"], "")
        .success()
        .stderr_has("Credential refresh complete: 5 refreshed, 0 skipped, 0 failed.");
    let credentials = s.read(s.aws_dir().join("credentials"));
    for profile in [
        "bb-management-devops",
        "bb-security-devops",
        "bb-shared-devops",
        "bb-apps-devstg-readonly",
        "bb-apps-prd-devops",
    ] {
        assert!(
            credentials.contains(&format!("[{profile}]")),
            "{credentials}"
        );
    }
    s.run(&["aws", "sso", "refresh"], "")
        .success()
        .stderr_has("Credential refresh complete: 0 refreshed, 5 skipped, 0 failed.");
    let mut fixture = SsoFixture::landing_zone();
    fixture.accounts[1].roles = vec!["ReadOnly".into()];
    s.sso_fake()
        .configure(json!({ "accounts": fixture.accounts }));
    s.run(&["aws", "sso", "refresh", "--force"], "")
        .success()
        .stderr_has("No permission to assume role DevOps in security account. Skipping.")
        .stderr_has("Credential refresh complete: 4 refreshed, 0 skipped, 1 failed.");
}

#[test]
fn login_waits_through_pending_and_slow_down_and_opens_the_browser() {
    let mut fixture = SsoFixture::landing_zone();
    fixture.pending_polls = 2;
    fixture.slow_down = true;
    let s = sso_project(fixture).standins(&["browser"]);
    let browser = s.standin_path("browser").display().to_string();
    let s = s.env("BROWSER", &browser);
    let run = s.run(&["aws", "sso", "login"], "");
    run.success().stderr_has("Successfully logged in!");
    let polls: Vec<_> = s
        .sso_fake()
        .requests()
        .into_iter()
        .filter(|r| r.path == "/token")
        .map(|r| r.error.unwrap_or_else(|| "granted".into()))
        .collect();
    assert_eq!(
        polls,
        [
            "AuthorizationPendingException",
            "AuthorizationPendingException",
            "SlowDownException",
            "granted"
        ]
    );
    let opened = s.calls();
    assert_eq!(opened.len(), 1);
    let code = run
        .stderr
        .lines()
        .skip_while(|l| *l != "Then enter the code:")
        .find(|l| l.len() == 9 && l.contains('-'))
        .unwrap_or_else(|| panic!("no user code in\n{}", run.stderr));
    assert_eq!(
        opened[0].args,
        [format!("{START_URL}/#/device?user_code={code}")]
    );
}

#[test]
fn a_denied_or_expired_sign_in_is_one_clear_error() {
    for (outcome, message) in [
        ("denied", "the sign-in request was denied in the browser"),
        (
            "expired",
            "the sign-in request expired before it was approved in the browser",
        ),
    ] {
        let mut fixture = SsoFixture::landing_zone();
        fixture.outcome = outcome.into();
        let s = sso_project(fixture);
        let run = s.run(&["aws", "sso", "login", "--no-browser"], "");
        assert_eq!(run.code, 1, "{}", run.all());
        run.stderr_has(message);
        for path in token_files(&s) {
            assert!(!path.exists());
        }
    }
}

#[test]
fn login_refresh_all_also_fetches_every_accounts_credentials() {
    let s = configured(SsoFixture::landing_zone());
    s.run(
        &["aws", "sso", "login", "--no-browser", "--refresh-all"],
        "",
    )
    .success()
    .stderr_has("Credential refresh complete: 5 refreshed, 0 skipped, 0 failed.");
}

#[test]
fn configure_sso_names_the_missing_sso_role_and_changes_nothing() {
    let s = sso_project(SsoFixture::landing_zone());
    let account = s.project().join("shared/config/account.tfvars");
    s.write(
        &account,
        &s.read(&account).replace("sso_role    = \"DevOps\"\n", ""),
    );
    let run = s.run(&["aws", "configure", "sso", "--no-browser"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("Missing SSO role in account config file")
        .stderr_has("shared/config/account.tfvars");
    assert!(!s.aws_dir().join("config").exists());
    assert_eq!(s.sso_fake().requests().len(), 0);
}

#[test]
fn other_aws_commands_still_reach_the_aws_cli() {
    let s = sso_project(SsoFixture::landing_zone())
        .standins(&["aws"])
        .cd("shared");
    s.run(&["aws", "sso", "login", "--profile", "x"], "")
        .success();
    s.run(&["aws", "configure", "list"], "").success();
    let calls = s.calls();
    assert_eq!(calls[0].args, ["sso", "login", "--profile", "x"]);
    assert_eq!(calls[1].args, ["configure", "list"]);
}

#[test]
fn mfa_enable_on_an_sso_project_explains_and_changes_nothing() {
    let s = sso_project(SsoFixture::landing_zone()).cd("");
    let before = s.snapshot();
    let run = s.run(&["mfa", "enable", "--yes"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("this project signs in with AWS SSO (sso_enabled = true in config/common.tfvars): `mfa enable` does not apply")
        .stderr_has("hint: MFA is enforced by your identity provider");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn credentials_check_shows_sso_profiles_and_the_time_left_on_the_token() {
    let s = configured(SsoFixture::landing_zone()).plain_moto();
    let run = s.run(&["credentials", "check"], "");
    run.stderr_has(&format!(
        "AWS SSO: logged in to {START_URL}, token valid for 7h 5"
    ));
    for profile in ["bb-sso", "bb-sso-shared", "bb-sso-apps-prd"] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(profile))
            .unwrap_or_else(|| panic!("no row {profile}\n{}", run.stdout));
        assert_eq!(line.split_whitespace().last(), Some("sso"), "{line}");
    }
    let shared = run
        .stdout
        .lines()
        .find(|l| l.starts_with("bb-sso-shared "))
        .unwrap();
    assert!(shared.contains("333333333333"), "{shared}");
}

#[test]
fn no_verbosity_shows_the_access_token_or_role_credentials() {
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    let token = access_token(&s);
    for verbosity in ["-v", "-vv", "-vvv"] {
        let run = s.run(&[verbosity, "aws", "sso", "refresh", "--force"], "");
        run.success().never_shows(&token);
        let credentials = s.read(s.aws_dir().join("credentials"));
        for line in credentials.lines() {
            if let Some((key, value)) = line.split_once(" = ")
                && (key == "aws_secret_access_key" || key == "aws_session_token")
            {
                run.never_shows(value);
            }
        }
        let run = s.run(&[verbosity, "terraform", "plan"], "");
        run.success().never_shows(&token);
    }
}

#[test]
fn refresh_with_no_account_profiles_warns_and_succeeds() {
    let s = sso_project(SsoFixture::landing_zone());
    let run = s.run(
        &["aws", "sso", "login", "--no-browser", "--refresh-all"],
        "",
    );
    run.success()
        .stderr_has("No SSO account profiles found. Run 'leverage aws configure sso' first.");
    assert!(token_files(&s)[0].is_file(), "the login itself stands");
}

/// The user code a login printed after "Then enter the code:".
fn user_code(stderr: &str) -> String {
    stderr
        .lines()
        .skip_while(|l| *l != "Then enter the code:")
        .find(|l| l.len() == 9 && l.contains('-'))
        .unwrap_or_else(|| panic!("no user code in\n{stderr}"))
        .to_string()
}

/// Refresh-token CreateToken calls the fake answered, and how: (status, error type).
fn renewals(s: &Scenario) -> Vec<(u16, Option<String>)> {
    s.sso_fake()
        .requests()
        .into_iter()
        .filter(|r| r.path == "/token" && r.body["grantType"] == "refresh_token")
        .map(|r| (r.status, r.error))
        .collect()
}

#[test]
fn two_runs_renewing_an_expired_token_at_once_spend_the_refresh_token_once() {
    let mut fixture = SsoFixture::landing_zone();
    // The first renewal is held in flight long enough for the second run to reach the lock.
    fixture.refresh_delay_ms = 3000;
    let s = configured(fixture).standins(&["terraform"]);
    let old = access_token(&s);
    expire_tokens(&s);
    s.sso_fake().clear_log();
    // The second run starts once the first is renewing (and holds the lock).
    let mut first = Live::start(&s, &["-v", "terraform", "plan"]);
    first.wait_for("Renewing the SSO token...");
    let second = s.run(&["-v", "terraform", "plan"], "");
    let runs = [first.finish(), second];
    runs[1].stderr_has("Another leverage run renewed the SSO token; using it.");
    let new = access_token(&s);
    assert_ne!(new, old);
    for run in &runs {
        run.success().never_shows(&old).never_shows(&new);
    }
    assert_eq!(
        renewals(&s),
        [(200, None)],
        "one renewal; the other run used the token it stored"
    );
    assert_eq!(s.calls().len(), 2, "terraform ran twice");
    for path in token_files(&s) {
        let token: serde_json::Value = serde_json::from_str(&s.read(&path)).unwrap();
        assert_eq!(token["accessToken"], new.as_str(), "{}", path.display());
    }
}

#[test]
fn a_refresh_token_already_spent_asks_to_log_in_and_changes_nothing() {
    // The fake's refresh tokens are single-use, as the service's are: this is what the run
    // that loses the race above would meet without the lock.
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    let stale: Vec<String> = token_files(&s).iter().map(|p| s.read(p)).collect();
    expire_tokens(&s);
    s.run(&["terraform", "plan"], "").success();
    // The token as it was before that renewal: its refresh token is now spent.
    for (path, text) in token_files(&s).iter().zip(&stale) {
        let mut token: serde_json::Value = serde_json::from_str(text).unwrap();
        token["expiresAt"] = json!("2020-01-01T00:00:00Z");
        s.write(path, &token.to_string());
    }
    let before: Vec<String> = token_files(&s).iter().map(|p| s.read(p)).collect();
    let files = s.snapshot();
    s.sso_fake().clear_log();
    s.clear_calls();
    let run = s.run(&["terraform", "plan"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("AWS SSO token has expired (at 2020-01-01 00:00:00 UTC)")
        .stderr_has("hint: run `leverage aws sso login` and retry");
    assert_eq!(
        renewals(&s),
        [(400, Some("InvalidGrantException".to_string()))]
    );
    let after: Vec<String> = token_files(&s).iter().map(|p| s.read(p)).collect();
    assert_eq!(after, before);
    assert_eq!(s.snapshot(), files);
    assert!(s.calls().is_empty(), "terraform must not run");
}

#[test]
fn ctrl_c_while_login_waits_for_approval_exits_130_and_writes_no_token() {
    let mut fixture = SsoFixture::landing_zone();
    // The request is never approved: login polls until interrupted.
    fixture.pending_polls = u32::MAX;
    fixture.interval = 1;
    let s = sso_project(fixture);
    let mut live = Live::start(&s, &["aws", "sso", "login", "--no-browser"]);
    live.wait_for("Then enter the code:");
    live.interrupt();
    let run = live.finish();
    let code = user_code(&run.stderr);
    insta::assert_snapshot!(s.transcript(&run).replace(&code, "[CODE]"));
    assert_eq!(run.code, 130);
    assert!(
        !s.home().join(".aws").exists(),
        "nothing written under ~/.aws"
    );
}

#[test]
fn a_portal_error_for_role_credentials_exits_50_and_writes_no_credentials() {
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    s.sso_fake()
        .configure(json!({ "fail": { "/federation/credentials": 500 } }));
    let before = s.snapshot();
    s.sso_fake().clear_log();
    let run = s.run(&["terraform", "plan"], "");
    assert_eq!(run.code, 50, "{}", run.all());
    insta::assert_snapshot!(s.transcript(&run));
    run.never_shows(&access_token(&s));
    assert_eq!(s.snapshot(), before, "no credentials written");
    assert!(s.calls().is_empty(), "terraform must not run");
    assert!(s.sso_fake().count("/federation/credentials") > 0);
}

#[test]
fn refresh_where_every_account_fails_exits_50_and_changes_nothing() {
    let s = configured(SsoFixture::landing_zone());
    let mut fixture = SsoFixture::landing_zone();
    for account in &mut fixture.accounts {
        account.roles.clear();
    }
    s.sso_fake()
        .configure(json!({ "accounts": fixture.accounts }));
    let before = s.snapshot();
    let run = s.run(&["aws", "sso", "refresh"], "");
    assert_eq!(run.code, 50, "{}", run.all());
    insta::assert_snapshot!(s.transcript(&run));
    assert_eq!(s.snapshot(), before);
}

#[test]
fn a_browser_that_fails_still_leaves_the_url_and_code_on_screen() {
    for browser in ["/bin/false", "/nonexistent/browser"] {
        let s = sso_project(SsoFixture::landing_zone()).env("BROWSER", browser);
        let run = s.run(&["aws", "sso", "login"], "");
        run.success();
        let code = user_code(&run.stderr);
        let name = if browser == "/bin/false" {
            "exits_1"
        } else {
            "missing"
        };
        insta::with_settings!({ snapshot_suffix => name }, {
            insta::assert_snapshot!(s.transcript(&run).replace(&code, "[CODE]"));
        });
        run.never_shows(&access_token(&s));
        for path in token_files(&s) {
            assert!(path.is_file(), "{}", path.display());
        }
    }
}

#[test]
fn a_browser_that_fails_gives_way_to_the_next_in_the_list() {
    let s = sso_project(SsoFixture::landing_zone());
    let opened = s.dir.path().join("opened");
    let browser = s.dir.path().join("browser.sh");
    s.write(
        &browser,
        &format!(
            "#!/bin/sh
echo \"$1\" > '{}'
",
            opened.display()
        ),
    );
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let list = format!("/bin/false:{} %s", browser.display());
    let s = s.env("BROWSER", &list);
    let run = s.run(&["aws", "sso", "login"], "");
    run.success()
        .stderr_has("Attempting to automatically open the SSO authorization page");
    let code = user_code(&run.stderr);
    let url = std::fs::read_to_string(&opened).expect("the second browser was started");
    assert!(url.trim().ends_with(&format!("user_code={code}")), "{url}");
}

#[test]
fn credentials_configure_on_an_sso_project_warns_and_configures_the_keys() {
    let s = sso_project(SsoFixture::landing_zone())
        .cd("")
        .moto(AwsFixture::landing_zone());
    let user = s.seeded().user().clone();
    let run = s.configure_management(&[]);
    run.success()
        .stderr_has(
            "WARNING  This project signs in with AWS SSO (sso_enabled = true in config/common.tfvars): layers get role credentials from `leverage aws sso login`, not from these keys.",
        )
        .never_shows(&user.secret_access_key);
    assert_eq!(
        s.read(s.aws_dir().join("credentials")),
        format!(
            "[bb-management]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            user.access_key_id, user.secret_access_key
        )
    );
    let config = s.read(s.aws_dir().join("config"));
    let profiles: Vec<&str> = config.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(
        profiles,
        [
            "[profile bb-management-oaar]",
            "[profile bb-security-oaar]",
            "[profile bb-shared-oaar]"
        ]
    );
}

/// Sets both token files' `expiresAt` to `at`, and drops the refresh token when `renewable`
/// is false.
fn set_token_expiry(s: &Scenario, at: chrono::DateTime<chrono::Utc>, renewable: bool) {
    for path in token_files(s) {
        let mut token: serde_json::Value = serde_json::from_str(&s.read(&path)).unwrap();
        token["expiresAt"] = json!(at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        if !renewable {
            token.as_object_mut().unwrap().remove("refreshToken");
        }
        s.write(&path, &token.to_string());
    }
}

#[test]
fn token_expiry_is_compared_in_utc_whatever_the_local_time_zone() {
    // Buenos Aires is UTC-3 all year: read as local time, a token that expired an hour ago
    // would look valid for two more hours.
    let s = configured(SsoFixture::landing_zone())
        .standins(&["terraform"])
        .env("TZ", "America/Argentina/Buenos_Aires");
    let now = chrono::Utc::now();

    set_token_expiry(&s, now + chrono::Duration::hours(2), false);
    s.sso_fake().clear_log();
    s.run(&["terraform", "plan"], "").success();
    assert_eq!(
        s.sso_fake().count("/token"),
        0,
        "a valid token is used as is"
    );
    assert!(s.sso_fake().count("/federation/credentials") > 0);

    let expired = now - chrono::Duration::hours(1);
    set_token_expiry(&s, expired, false);
    s.clear_calls();
    let before = s.snapshot();
    let run = s.run(&["terraform", "plan"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has(&format!(
        "AWS SSO token has expired (at {} UTC)",
        expired.format("%Y-%m-%d %H:%M:%S")
    ));
    assert_eq!(s.snapshot(), before);
    assert!(s.calls().is_empty());
}

#[test]
fn a_renewed_token_is_written_with_a_utc_expiry_whatever_the_local_time_zone() {
    let s = configured(SsoFixture::landing_zone())
        .standins(&["terraform"])
        .env("TZ", "America/Argentina/Buenos_Aires");
    expire_tokens(&s);
    let before = chrono::Utc::now();
    s.run(&["terraform", "plan"], "").success();
    let after = chrono::Utc::now();
    let lifetime = chrono::Duration::seconds(28_800);
    for path in token_files(&s) {
        let token: serde_json::Value = serde_json::from_str(&s.read(&path)).unwrap();
        let expires = chrono::DateTime::parse_from_rfc3339(token["expiresAt"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc);
        // Whole seconds in the file: allow the one truncated.
        assert!(
            expires >= before + lifetime - chrono::Duration::seconds(1)
                && expires <= after + lifetime,
            "{} holds {expires}, not 8 h after the renewal in UTC",
            path.display()
        );
    }
}

#[test]
fn a_token_the_portal_no_longer_accepts_exits_50_asking_to_log_in_again() {
    // E.g. signed out on another machine: the token is not expired, but the portal refuses it.
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    for path in token_files(&s) {
        let mut token: serde_json::Value = serde_json::from_str(&s.read(&path)).unwrap();
        token["accessToken"] = json!("revoked-access-token");
        s.write(&path, &token.to_string());
    }
    let before = s.snapshot();
    let run = s.run(&["terraform", "plan"], "");
    assert_eq!(run.code, 50, "{}", run.all());
    insta::assert_snapshot!(s.transcript(&run));
    run.never_shows("revoked-access-token");
    assert_eq!(s.snapshot(), before);
    assert!(s.calls().is_empty(), "terraform must not run");
}

#[test]
fn role_lookups_for_a_layer_keep_to_the_concurrency_limit() {
    let s = configured(SsoFixture::landing_zone()).standins(&["terraform"]);
    // Two accounts whose `-sso-` role (DevOps) is not the one the layer names: one
    // ListAccountRoles each.
    s.write(
        s.project().join(LAYER).join("config.tf"),
        "provider \"aws\" {\n  alias   = \"m\"\n  profile = \"bb-management-administrator\"\n}\n\nprovider \"aws\" {\n  alias   = \"s\"\n  profile = \"bb-shared-administrator\"\n}\n\nterraform {\n  backend \"s3\" {\n    key = \"shared/tf-backend/terraform.tfstate\"\n  }\n}\n",
    );
    s.sso_fake().configure(json!({"latency_ms": 100}));
    s.sso_fake().clear_log();
    s.run_at(
        LAYER,
        &["terraform", "plan"],
        "",
        &[("LEVERAGE_SSO_CONCURRENCY", "1")],
    )
    .success();
    let lookups: Vec<usize> = s
        .sso_fake()
        .requests()
        .iter()
        .filter(|r| r.path == "/assignment/roles")
        .map(|r| r.in_flight)
        .collect();
    // Two accounts, shared's roles over two pages.
    assert_eq!(lookups, [1, 1, 1], "one call at a time");
}
