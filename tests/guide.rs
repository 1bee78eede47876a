//! docs/guide.md never goes stale: every line of its shell blocks is run, in order, as a user
//! would type it (moto_server for AWS, the SSO fake, a local template repository, real gpg keys,
//! a recording `tofu`). What the user does by hand between the lines (editing project.yaml,
//! scanning the QR code, typing MFA codes) the test does at the same point.

use crate::support::sso::{SsoAccount, SsoFixture};
use crate::support::{AwsFixture, Run, Scenario};
use clap::Parser;
use clap::error::ErrorKind;
use leverage::cli::Cli;
use std::path::{Path, PathBuf};

/// The `leverage` command lines inside the guide's fenced code blocks, with their line numbers.
fn guide_commands(text: &str) -> Vec<(usize, String)> {
    let mut in_block = false;
    let mut commands = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with("```") {
            in_block = !in_block;
        } else if in_block && line.starts_with("leverage ") {
            commands.push((number + 1, line.to_string()));
        }
    }
    commands
}

/// Shell words of a simple command line: quotes removed; stops at a redirection or comment.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, '>' | '#' | '|' | '&' | ';') if word.is_empty() => return words,
            (None, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn words_are_split_like_a_shell_does() {
    assert_eq!(
        words("leverage tf plan --layers 'us-east-1/*' > out # c"),
        ["leverage", "tf", "plan", "--layers", "us-east-1/*"]
    );
}

#[test]
fn every_command_in_the_guide_exists() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md");
    let text = std::fs::read_to_string(path).expect("docs/guide.md is readable");
    let commands = guide_commands(&text);
    assert!(
        commands.len() >= 20,
        "only {} commands found in the guide",
        commands.len()
    );
    let failures: Vec<String> = commands
        .iter()
        .filter_map(|(number, line)| {
            let error = Cli::try_parse_from(words(line)).err()?;
            // `--version` and `--help` end the parse early, as they should.
            let shown = [ErrorKind::DisplayVersion, ErrorKind::DisplayHelp];
            (!shown.contains(&error.kind()))
                .then(|| format!("docs/guide.md:{number}: `{line}`:\n{error}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every line of the guide's fenced shell blocks, in order (comments and blank lines left out).
fn guide_lines(text: &str) -> Vec<String> {
    let mut in_block = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("```") {
            in_block = !in_block;
        } else if in_block && !line.is_empty() && !line.starts_with('#') {
            lines.push(line.to_string());
        }
    }
    lines
}

const GUIDE_PROJECT_YAML: &str = "\
project_name: binbash
short_name: bb
primary_region: us-east-1
secondary_region: us-west-2
organization:
  accounts:
  - name: management
    email: aws+management@binbash.com.ar
  - name: security
    email: aws+security@binbash.com.ar
  - name: shared
    email: aws+shared@binbash.com.ar
users:
- first_name: natasha
  last_name: romanoff
  email: natasha.romanoff@example.com
  groups:
  - administrators
";

/// A template repository shaped like the public one, its layers taken from the test fixture
/// project: config, and per account its config and first layers (`primary_region` for the region).
fn template_origin(s: &Scenario) -> PathBuf {
    let fixture = Path::new(crate::support::FIXTURE);
    let repo = s.dir.path().join("template-origin");
    let put = |path: &str, text: &str| s.write(repo.join(path), text);
    let copy =
        |from: &str, to: &str| put(to, &std::fs::read_to_string(fixture.join(from)).unwrap());
    put(
        "le-resources/project.yaml",
        "project_name: <project name>\nshort_name: <short name>\n",
    );
    put("template/.gitignore", "*.tfstate\n.terraform/\n");
    copy("build.env", "template/build.env.template");
    let common = std::fs::read_to_string(fixture.join("config/common.tfvars"))
        .unwrap()
        .replace(
            "project      = \"bb\"",
            "project      = \"{{ short_name }}\"",
        )
        .replace(
            "project_long = \"binbash\"",
            "project_long = \"{{ project_name }}\"",
        );
    put("template/config/common.tfvars.template", &common);
    for account in ["management", "security", "shared"] {
        for file in ["account.tfvars", "backend.tfvars"] {
            copy(
                &format!("{account}/config/{file}"),
                &format!("template/{account}/config/{file}"),
            );
        }
        for file in ["config.tf", "main.tf"] {
            copy(
                &format!("{account}/us-east-1/base-tf-backend/{file}"),
                &format!("template/{account}/primary_region/base-tf-backend/{file}"),
            );
        }
    }
    let layer = |path: &str, key: &str| {
        let config =
            std::fs::read_to_string(fixture.join("management/us-east-1/base-tf-backend/config.tf"))
                .unwrap()
                .replace("management/tf-backend/terraform.tfstate", key);
        put(&format!("template/{path}/config.tf"), &config);
        put(&format!("template/{path}/main.tf"), "locals {}\n");
    };
    layer(
        "management/global/organizations",
        "management/organizations/terraform.tfstate",
    );
    layer("management/global/sso", "management/sso/terraform.tfstate");
    layer(
        "shared/primary_region/base-network",
        "shared/network/terraform.tfstate",
    );
    for account in ["management", "security", "shared"] {
        layer(
            &format!("{account}/primary_region/security-base"),
            &format!("{account}/security-base/terraform.tfstate"),
        );
    }
    crate::support::git(&repo, &["init", "--quiet", "-b", "master"]);
    crate::support::git(&repo, &["add", "-A"]);
    crate::support::git(&repo, &["commit", "--quiet", "-m", "template"]);
    repo
}

/// The guide's reader: a shell whose working directory carries over from line to line.
struct Reader {
    s: Scenario,
    cwd: PathBuf,
    env: Vec<(String, String)>,
}

impl Reader {
    /// Runs one guide line in bash; it must succeed. Returns what it printed.
    fn run(&mut self, line: &str, stdin: &str, env: &[(&str, &str)]) -> Run {
        let pwd = self.s.dir.path().join("pwd-after");
        let script = format!("{line}\nrc=$?\npwd > '{}'\nexit $rc", pwd.display());
        let mut command = self.s.bash(&self.cwd, &script);
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command.envs(env.iter().copied());
        let run = crate::support::run_with_stdin(command, &[], stdin);
        assert_eq!(
            run.code,
            0,
            "docs/guide.md: `{line}` failed:\n{}",
            run.all()
        );
        self.cwd = PathBuf::from(std::fs::read_to_string(&pwd).unwrap().trim());
        run
    }

    /// `credentials mfa-device`: the test scans the QR code drawn on the terminal and types
    /// two consecutive codes, as the user does with an authenticator app.
    fn scan_and_type_codes(&mut self, line: &str) -> Run {
        let pwd = self.s.dir.path().join("pwd-after");
        let script = format!("{line}\nrc=$?\npwd > '{}'\nexit $rc", pwd.display());
        let mut command = self.s.bash(&self.cwd, &script);
        command
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut shown = String::new();
        for text in std::io::BufRead::lines(stderr).map_while(Result::ok) {
            shown.push_str(&text);
            shown.push('\n');
            if text.contains("MFA code 1") {
                break;
            }
        }
        let uri = crate::support::authenticator::scan_terminal(&shown);
        let (first, second) =
            crate::support::authenticator::codes(&crate::support::authenticator::seed_of(&uri));
        std::io::Write::write_all(&mut stdin, format!("{first}\n{second}\n").as_bytes()).unwrap();
        drop(stdin);
        let mut run = crate::support::finish(child);
        run.stderr = shown + &run.stderr;
        assert_eq!(
            run.code,
            0,
            "docs/guide.md: `{line}` failed:\n{}",
            run.all()
        );
        run
    }
}

#[test]
fn every_line_of_the_guide_runs_in_order_and_succeeds() {
    // natasha has a user in management and one in security, neither with an MFA device yet.
    let mut fixture = AwsFixture::landing_zone()
        .without_mfa()
        .and_user_in("binbash-security", "natasha.romanoff");
    fixture.users[1].mfa = false;
    let s = Scenario::new().moto(fixture);
    let ids: Vec<(String, String)> = ["management", "security", "shared"]
        .iter()
        .map(|a| (a.to_string(), s.seeded().id_of(a)))
        .collect();
    let mut sso = SsoFixture::landing_zone();
    sso.accounts = ids
        .iter()
        .map(|(name, id)| SsoAccount {
            id: id.clone(),
            name: format!("binbash-{name}"),
            roles: vec!["DevOps".into()],
        })
        .collect();
    let s = s.sso(sso).standins(&["tofu"]);
    let home = s.home();
    let management_user = s.seeded().user().clone();
    let security_user = s.seeded().users["natasha.romanoff@binbash-security"].clone();
    for (csv, user) in [
        ("bb_bootstrap", &management_user),
        ("natasha", &management_user),
        ("natasha_security", &security_user),
    ] {
        let from = s.keys_csv(user);
        let to = home.join(format!("Downloads/{csv}_accessKeys.csv"));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
    let origin = template_origin(&s);
    let editor = s.dir.path().join("editor.sh");
    let filled = s.dir.path().join("project.yaml.filled");
    std::fs::write(&filled, GUIDE_PROJECT_YAML).unwrap();
    s.write(
        &editor,
        &format!("#!/bin/sh\ncp '{}' \"$1\"\n", filled.display()),
    );
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let keyring = crate::support::gpg::Keyring::new("");
    let outputs = s.dir.path().join("outputs.json");
    std::fs::write(
        &outputs,
        crate::identities_password::outputs_for(
            &keyring.encrypted(crate::identities_password::PASSWORD),
        ),
    )
    .unwrap();

    let mut reader = Reader {
        cwd: home.clone(),
        env: vec![
            ("EDITOR".into(), editor.display().to_string()),
            (
                "LEVERAGE_TEMPLATE_REPO".into(),
                origin.display().to_string(),
            ),
            ("GNUPGHOME".into(), keyring.home().display().to_string()),
        ],
        s,
    };
    let lines = guide_lines(include_str!("../docs/guide.md"));
    let mut ran = 0;
    for line in &lines {
        match line.as_str() {
            // Building leverage itself: the binary under test stands in for the installed one.
            "git clone <this repository> leverage && cd leverage" | "cargo install --path ." => {
                continue;
            }
            // The reference architecture's identity layers: the fixture project's copies.
            "git clone https://github.com/binbashar/le-tf-infra-aws.git ~/le-tf-infra-aws" => {
                for account in ["management", "security"] {
                    crate::support::copy_dir(
                        &Path::new(crate::support::FIXTURE)
                            .join(account)
                            .join("global/base-identities"),
                        &home
                            .join("le-tf-infra-aws")
                            .join(account)
                            .join("global/base-identities"),
                    );
                }
            }
            "leverage identities password natasha.romanoff" => {
                let shown = reader.s.bash_in_terminal(
                    &reader.cwd,
                    line,
                    &[
                        ("STANDIN_STDOUT_FILE", outputs.to_str().unwrap()),
                        ("GNUPGHOME", keyring.home().to_str().unwrap()),
                    ],
                    &[],
                );
                assert_eq!(shown.exit, Some(0), "`{line}`: {shown:?}");
                assert!(
                    shown.output.contains(crate::identities_password::PASSWORD),
                    "`{line}` shows the password: {shown:?}"
                );
            }
            l if l.starts_with("leverage credentials mfa-device") => {
                reader.scan_and_type_codes(l);
            }
            // The user says yes to the diff shown.
            "leverage mfa enable" => {
                reader.run(line, "1\n", &[]);
            }
            // The roles now need MFA: one code per source profile (moto takes any code).
            l if l.starts_with("leverage tf apply --layers") => {
                reader.run(l, "123456\n123456\n", &[]);
            }
            "leverage aws configure sso" => {
                // What the user has in config/common.tfvars once the sso layer is applied.
                let common = home.join("bb/config/common.tfvars");
                let text = reader
                    .s
                    .read(&common)
                    .replace("sso_enabled   = false", "sso_enabled   = true");
                reader.s.write(&common, &text);
                // And the backend profiles on the DevOps permission set, as the guide says.
                for account in ["management", "security", "shared"] {
                    let backend = home.join(format!("bb/{account}/config/backend.tfvars"));
                    let text = reader.s.read(&backend);
                    let profile = text
                        .lines()
                        .find_map(|l| l.strip_prefix("profile = "))
                        .expect("backend.tfvars names a profile")
                        .to_string();
                    let sso = format!("\"bb-{account}-devops\"");
                    reader.s.write(&backend, &text.replace(&profile, &sso));
                }
                reader.run(line, "", &[]);
            }
            _ => {
                reader.run(line, "", &[]);
            }
        }
        ran += 1;
    }
    assert!(ran >= 30, "only {ran} guide lines ran");
    check_the_landing_zone(&reader.s, &home.join("bb"));
}

/// What the guide promised along the way, read back from the files it wrote.
fn check_the_landing_zone(s: &Scenario, project: &Path) {
    let management = s.seeded().id_of("management");
    let security = s.seeded().id_of("security");
    let credentials = s.read(s.aws_dir().join("credentials"));
    for (profile, user) in [
        ("bb-bootstrap", "natasha.romanoff"),
        ("bb-management", "natasha.romanoff"),
        ("bb-security", "natasha.romanoff@binbash-security"),
    ] {
        let key = &s.seeded().users[user].access_key_id;
        assert!(
            credentials.contains(&format!("[{profile}]\naws_access_key_id = {key}\n")),
            "{profile} holds {user}'s key:\n{credentials}"
        );
    }
    let config = s.read(s.aws_dir().join("config"));
    for (profile, account) in [
        ("bb-management-oaar", &management),
        ("bb-security-devops", &security),
    ] {
        let start = config
            .find(&format!("[profile {profile}]"))
            .unwrap_or_else(|| panic!("no [profile {profile}] in:\n{config}"));
        let section = &config[start..];
        let section = &section[..section[1..]
            .find("\n[")
            .map_or(section.len(), |end| end + 1)];
        let device_account = if profile.starts_with("bb-security") {
            &security
        } else {
            &management
        };
        assert!(
            section.contains(&format!(
                "mfa_serial = arn:aws:iam::{device_account}:mfa/natasha.romanoff"
            )),
            "{profile} ({account}) uses the device made by `credentials mfa-device`:\n{section}"
        );
    }
    assert!(config.contains("[profile bb-sso]"), "{config}");
    assert!(
        s.read(project.join("build.env"))
            .contains("MFA_ENABLED=true")
    );
    assert!(s.read(project.join("project.yaml")).contains(&management));
    // Every terraform run of the walk: where and with what arguments (sorted: `--all` runs four
    // at a time).
    let mut calls: Vec<String> = s
        .calls()
        .iter()
        .map(|call| {
            let dir = call
                .cwd
                .strip_prefix(project.canonicalize().unwrap())
                .unwrap_or(&call.cwd);
            let mut dir = dir.display().to_string();
            // `project create` formats the new tree in a staging directory of a random name.
            if dir.starts_with(".leverage-create-") {
                dir = "[staging]".into();
            }
            format!("{dir} :: {}", call.args.join(" "))
        })
        .collect();
    calls.sort();
    insta::assert_snapshot!(s.normalize(&calls.join("\n")));
}
