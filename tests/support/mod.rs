//! The acceptance-test harness: a fresh HOME and project per test, a real moto_server, the real
//! AWS CLI, and our binary run as a user would run it. Nothing here is a mock.
//!
//! Missing parts fail loudly with the command that installs them; no test skips silently.

pub mod authenticator;
pub mod fake_sts;
pub mod gpg;
pub mod live;
mod snapshot;
pub mod sso;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/project");

/// A program from the test venv that `scripts/test-deps` makes.
pub fn venv_bin(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `scripts/test-deps` (it installs moto[server] and awscli into .venv/)",
        path.display()
    );
    path
}

/// A moto_server of this test's own on a free loopback port; stopped on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
    /// Holds the server's request recording, which must not be shared between servers.
    _scratch: tempfile::TempDir,
}

impl Moto {
    pub fn start() -> Moto {
        Moto::start_with_env(&[])
    }

    /// After `calls` AWS calls (the seeding), moto checks access keys and IAM policies.
    pub fn start_enforcing_auth_after(calls: usize) -> Moto {
        Moto::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", calls.to_string())])
    }

    fn start_with_env(env: &[(&str, String)]) -> Moto {
        let port = free_port();
        let mut command = Command::new(venv_bin("moto_server"));
        // The recorder lets tests count the calls moto received (e.g. STS AssumeRole). It writes
        // to a file, by default in the server's working directory: give each server its own.
        let scratch = tempfile::tempdir().unwrap();
        command
            .env("MOTO_ENABLE_RECORDING", "True")
            .env("MOTO_RECORDER_FILEPATH", scratch.path().join("recording"))
            .current_dir(scratch.path());
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start moto_server");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            _scratch: scratch,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto.api("POST", "/moto-api/recorder/start-recording");
        moto
    }

    /// A plain HTTP request to moto's own API; returns the body.
    pub fn api(&self, method: &str, path: &str) -> String {
        use std::io::Read;
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connect to moto_server");
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {address}\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        assert!(
            head.starts_with("HTTP/1.") && head.contains(" 200 "),
            "moto {method} {path}: {head}"
        );
        body.to_string()
    }

    /// How many query-protocol requests with `Action=<action>` moto received since the last reset.
    pub fn count(&self, action: &str) -> usize {
        let needle = format!("Action={action}&");
        self.recording()
            .iter()
            .filter(|record| {
                let body = record["body"].as_str().unwrap_or_default();
                let body = if record["body_encoded"] == true {
                    base64_decode(body)
                } else {
                    body.to_string()
                };
                body.starts_with(&needle) || body.contains(&format!("&{needle}"))
            })
            .count()
    }

    /// The requests moto recorded. moto appends to its recording as requests arrive, so a read
    /// can end in a half-written line: read again until every line is whole.
    fn recording(&self) -> Vec<serde_json::Value> {
        let mut last_error = String::new();
        for _ in 0..50 {
            let text = self.api("GET", "/moto-api/recorder/download-recording");
            let records: Result<Vec<serde_json::Value>, _> =
                text.lines().map(serde_json::from_str).collect();
            match records {
                Ok(records) => return records,
                Err(e) => last_error = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto's recording never read whole: {last_error}");
    }

    pub fn reset_counts(&self) {
        self.api("POST", "/moto-api/recorder/reset-recording");
        self.api("POST", "/moto-api/recorder/start-recording");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (moto's recorder encodes request bodies); small enough not to need a crate.
fn base64_decode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET
            .iter()
            .position(|a| *a == byte)
            .expect("base64 text") as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What to create in the emulator before the test runs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AwsFixture {
    pub organization: bool,
    pub accounts: Vec<String>,
    pub users: Vec<UserToCreate>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct UserToCreate {
    pub name: String,
    pub mfa: bool,
    /// IAM actions an inline policy allows; only matters when moto enforces auth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    /// The organization account the user lives in (management when absent); the seeded user is
    /// then known as `name@account`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl AwsFixture {
    /// An organization like the fixture's (management, `binbash-security` to test the prefix
    /// strip, shared) and natasha.romanoff in management with keys and a virtual MFA device.
    pub fn landing_zone() -> AwsFixture {
        AwsFixture {
            organization: true,
            accounts: vec!["binbash-security".into(), "shared".into()],
            users: vec![UserToCreate {
                name: "natasha.romanoff".into(),
                mfa: true,
                allow: None,
                account: None,
            }],
        }
    }

    pub fn allow(mut self, actions: &[&str]) -> AwsFixture {
        self.users[0].allow = Some(actions.iter().map(|a| a.to_string()).collect());
        self
    }

    /// Another IAM user with keys (and an MFA device), e.g. to overwrite keys with new ones.
    pub fn and_user(mut self, name: &str) -> AwsFixture {
        self.users.push(UserToCreate {
            name: name.into(),
            mfa: true,
            allow: None,
            account: None,
        });
        self
    }

    /// Another IAM user with keys and an MFA device in a member account (`binbash-security`).
    pub fn and_user_in(mut self, account: &str, name: &str) -> AwsFixture {
        self.users.push(UserToCreate {
            name: name.into(),
            mfa: true,
            allow: None,
            account: Some(account.into()),
        });
        self
    }

    pub fn without_mfa(mut self) -> AwsFixture {
        self.users[0].mfa = false;
        self
    }

    /// How many AWS calls seeding makes (for INITIAL_NO_AUTH_ACTION_COUNT).
    pub fn call_count(&self) -> usize {
        let out = run_fixture_script(self, None, &["--count"]);
        out.trim()
            .parse()
            .expect("fixture.py --count prints a number")
    }

    pub fn apply(&self, moto: &Moto) -> Seeded {
        let out = run_fixture_script(self, Some(&moto.endpoint), &[]);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("fixture.py printed {out:?}: {e}"))
    }
}

fn run_fixture_script(fixture: &AwsFixture, endpoint: Option<&str>, args: &[&str]) -> String {
    let mut request = serde_json::to_value(fixture).unwrap();
    request["endpoint"] = serde_json::json!(endpoint);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fixture.py");
    let mut child = Command::new(venv_bin("python"))
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fixture.py");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "fixture.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What seeding made: account ids by organization name, users' keys and MFA serials.
#[derive(Debug, Clone, Deserialize)]
pub struct Seeded {
    pub management: String,
    pub accounts: BTreeMap<String, String>,
    pub users: BTreeMap<String, FixtureUser>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FixtureUser {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub mfa_serial: Option<String>,
}

impl Seeded {
    /// natasha.romanoff, the user every landing-zone fixture has.
    pub fn user(&self) -> &FixtureUser {
        &self.users["natasha.romanoff"]
    }

    /// The account id of a project account name (organization names may carry `binbash-`).
    pub fn id_of(&self, account: &str) -> String {
        if account == "management" {
            return self.management.clone();
        }
        self.accounts
            .iter()
            .find(|(name, _)| {
                name.as_str() == account || name.strip_prefix("binbash-") == Some(account)
            })
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| panic!("no seeded account {account}"))
    }
}

/// One test's world: a temp HOME, a copy of the fixture project, maybe a moto_server.
pub struct Scenario {
    pub dir: tempfile::TempDir,
    /// Directory on PATH holding stand-ins, when the scenario has any.
    standin_bin: Option<PathBuf>,
    pub moto: Option<Moto>,
    pub seeded: Option<Seeded>,
    pub sso: Option<sso::SsoFake>,
    cwd: PathBuf,
    env: Vec<(String, String)>,
}

/// The output of one command, with helpers that print everything when an assertion fails.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// What a run in a terminal showed; see [`Scenario::in_terminal`].
#[derive(Debug, Deserialize)]
pub struct TerminalRun {
    pub exit: Option<i32>,
    pub output: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn success(&self) -> &Run {
        assert_eq!(
            self.code, 0,
            "expected success\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn failure(&self) -> &Run {
        assert_ne!(
            self.code, 0,
            "expected failure\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, text: &str) -> &Run {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }

    /// Fails if `secret` occurs anywhere in what the command printed.
    #[track_caller]
    pub fn never_shows(&self, secret: &str) -> &Run {
        assert!(
            !self.all().contains(secret),
            "a secret was printed\n{}",
            self.all()
        );
        self
    }
}

impl Scenario {
    /// A fresh HOME and a copy of the fixture project (not a git repository).
    pub fn new() -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        copy_dir(Path::new(FIXTURE), &dir.path().join("project"));
        let cwd = dir.path().join("project");
        Scenario {
            dir,
            standin_bin: None,
            moto: None,
            seeded: None,
            sso: None,
            cwd,
            env: Vec::new(),
        }
    }

    /// Starts moto_server and fills it with the fixture.
    pub fn moto(mut self, fixture: AwsFixture) -> Scenario {
        let moto = Moto::start();
        self.seeded = Some(fixture.apply(&moto));
        self.moto = Some(moto);
        self
    }

    /// Starts moto_server that checks keys and policies once seeding is done.
    pub fn moto_enforcing_auth(mut self, fixture: AwsFixture) -> Scenario {
        let moto = Moto::start_enforcing_auth_after(fixture.call_count());
        self.seeded = Some(fixture.apply(&moto));
        self.moto = Some(moto);
        self
    }

    /// Starts the IAM Identity Center fake; leverage and the AWS CLI reach it through
    /// `AWS_ENDPOINT_URL_SSO` / `AWS_ENDPOINT_URL_SSO_OIDC` (and STS stays at moto).
    pub fn sso(mut self, fixture: sso::SsoFixture) -> Scenario {
        self.sso = Some(sso::SsoFake::start(&fixture));
        self
    }

    /// A moto_server with nothing seeded (STS answers any keys).
    pub fn plain_moto(mut self) -> Scenario {
        self.moto = Some(Moto::start());
        self
    }

    /// Stops the SSO fake: its endpoints no longer answer.
    pub fn without_sso(mut self) -> Scenario {
        self.sso = None;
        self
    }

    pub fn sso_fake(&self) -> &sso::SsoFake {
        self.sso.as_ref().expect("the scenario has an SSO fake")
    }

    /// Puts recording stand-ins with these names (`terraform`, `tofu`, a shell...) on a PATH
    /// that holds nothing else but the system directories.
    pub fn standins(mut self, names: &[&str]) -> Scenario {
        let bin = self.dir.path().join("bin");
        let log = self.dir.path().join("calls");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&log).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/standin.sh");
        for name in names {
            std::fs::copy(&script, bin.join(name)).unwrap();
        }
        self.env
            .push(("PATH".into(), format!("{}:/usr/bin:/bin", bin.display())));
        self.env
            .push(("STANDIN_LOG".into(), log.display().to_string()));
        self.standin_bin = Some(bin);
        self
    }

    pub fn standin_path(&self, name: &str) -> PathBuf {
        self.standin_bin
            .as_ref()
            .expect("the scenario has stand-ins")
            .join(name)
    }

    /// Every stand-in call so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        let dir = self.dir.path().join("calls");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_none())
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| {
                let mut call = Call::parse(&std::fs::read_to_string(f).unwrap());
                call.config = std::fs::read_to_string(f.with_extension("config")).ok();
                call.credentials = std::fs::read_to_string(f.with_extension("credentials")).ok();
                call
            })
            .collect()
    }

    /// Forgets the calls recorded so far.
    pub fn clear_calls(&self) {
        let dir = self.dir.path().join("calls");
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
    }

    pub fn env(mut self, key: &str, value: &str) -> Scenario {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Runs further commands from `relative` (to the project root).
    pub fn cd(mut self, relative: &str) -> Scenario {
        self.cwd = self.project().join(relative);
        self
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    pub fn seeded(&self) -> &Seeded {
        self.seeded
            .as_ref()
            .expect("the scenario has no seeded moto_server")
    }

    pub fn aws_dir(&self) -> PathBuf {
        self.home().join(".aws/bb")
    }

    pub fn read(&self, path: impl AsRef<Path>) -> String {
        let path = path.as_ref();
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    pub fn write(&self, path: impl AsRef<Path>, text: &str) {
        let path = path.as_ref();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn base_command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(&self.cwd)
            .env("HOME", self.home())
            .env("NO_COLOR", "1");
        for key in INHERITED_AWS_VARS {
            command.env_remove(key);
        }
        // The machine's terraform settings (TF_CLI_CONFIG_FILE, a plugin cache...) are not the
        // test's.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TF_") {
                command.env_remove(key);
            }
        }
        if let Some(moto) = &self.moto {
            command.env("AWS_ENDPOINT_URL", &moto.endpoint);
        }
        if let Some(fake) = &self.sso {
            command
                .env("AWS_ENDPOINT_URL_SSO", &fake.endpoint)
                .env("AWS_ENDPOINT_URL_SSO_OIDC", &fake.endpoint);
            if let Some(moto) = &self.moto {
                command.env("AWS_ENDPOINT_URL_STS", &moto.endpoint);
            }
            // No browser may open during a test.
            for key in ["BROWSER", "DISPLAY", "WAYLAND_DISPLAY"] {
                command.env_remove(key);
            }
        }
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    /// Runs `leverage` with `args`, feeding `stdin` (no terminal, so prompts read lines).
    pub fn run(&self, args: &[&str], stdin: &str) -> Run {
        let command = self.base_command(Path::new(env!("CARGO_BIN_EXE_leverage")));
        run_with_stdin(command, args, stdin)
    }

    /// Runs `leverage` in `relative` (to the project) with extra variables.
    pub fn run_at(&self, relative: &str, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
        let mut command = self.base_command(Path::new(env!("CARGO_BIN_EXE_leverage")));
        command.current_dir(self.project().join(relative));
        for (k, v) in env {
            command.env(k, v);
        }
        run_with_stdin(command, args, stdin)
    }

    /// `leverage args` started with piped stdin, stdout and stderr, for a test that answers its
    /// questions later (or never).
    pub fn spawn(&self, args: &[&str]) -> Child {
        let mut command = self.base_command(Path::new(env!("CARGO_BIN_EXE_leverage")));
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"))
    }

    /// Runs `sh -c script` with this scenario's environment, `$LEVERAGE` naming our binary.
    pub fn sh(&self, script: &str) -> Run {
        let mut command = self.base_command(Path::new("/bin/sh"));
        command.env("LEVERAGE", env!("CARGO_BIN_EXE_leverage"));
        run_with_stdin(command, &["-c", script], "")
    }

    /// Runs `leverage args` in a real 80x24 terminal (tests/support/terminal.py): once the output
    /// shows each step's text, its keys are typed. The output comes back without colours or
    /// cursor moves; `exit` is `None` when an awaited text never showed (the output says which).
    pub fn in_terminal(&self, args: &[&str], steps: &[(&str, &str)]) -> TerminalRun {
        let mut program = vec![env!("CARGO_BIN_EXE_leverage")];
        program.extend_from_slice(args);
        self.drive_terminal(self.base_command(&venv_bin("python")), &program, steps)
    }

    /// [`Scenario::in_terminal`] for a shell line run as [`Scenario::bash`] runs it.
    pub fn bash_in_terminal(
        &self,
        dir: &Path,
        script: &str,
        env: &[(&str, &str)],
        steps: &[(&str, &str)],
    ) -> TerminalRun {
        let mut driver = self.base_command(&venv_bin("python"));
        driver
            .current_dir(dir)
            .env("PATH", self.path_with_leverage())
            .envs(env.iter().copied());
        self.drive_terminal(driver, &["bash", "-c", script], steps)
    }

    fn drive_terminal(
        &self,
        mut driver: Command,
        program: &[&str],
        steps: &[(&str, &str)],
    ) -> TerminalRun {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/terminal.py");
        driver
            .arg(script)
            .arg(serde_json::to_string(steps).unwrap())
            .arg("--")
            .args(program);
        let out = driver
            .output()
            .unwrap_or_else(|e| panic!("run {driver:?}: {e}"));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "terminal.py printed no result ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// `bash -c script` in `dir` as the user's shell would run it: this scenario's environment,
    /// and `leverage` (the binary under test) first on PATH.
    pub fn bash(&self, dir: &Path, script: &str) -> Command {
        let mut command = self.base_command(Path::new("bash"));
        command
            .current_dir(dir)
            .env("PATH", self.path_with_leverage())
            .args(["-c", script]);
        command
    }

    fn path_with_leverage(&self) -> String {
        let bin = self.dir.path().join("leverage-bin");
        std::fs::create_dir_all(&bin).unwrap();
        // Two threads may get here at once: the link made by the other is as good.
        match std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_leverage"), bin.join("leverage")) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => panic!("link leverage: {e}"),
            _ => {}
        }
        let path = self
            .env
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| std::env::var("PATH").unwrap_or_default());
        format!("{}:{path}", bin.display())
    }

    /// `credentials configure --type MANAGEMENT` with the fixture user's keys CSV, plus `extra`.
    pub fn configure_management(&self, extra: &[&str]) -> Run {
        let csv = self.keys_csv(self.seeded().user());
        let mut args = vec![
            "credentials",
            "configure",
            "--type",
            "MANAGEMENT",
            "--credentials-file",
            csv.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.run(&args, "")
    }

    /// `MFA_ENABLED=true` in the project's build.env.
    pub fn enable_mfa(&self) {
        let path = self.project().join("build.env");
        let text = self
            .read(&path)
            .replace("MFA_ENABLED=false", "MFA_ENABLED=true");
        self.write(&path, &text);
    }

    /// An AWS console access-keys CSV for `user`, written next to the project.
    pub fn keys_csv(&self, user: &FixtureUser) -> PathBuf {
        let path = self
            .dir
            .path()
            .join(format!("{}_accessKeys.csv", user.access_key_id));
        std::fs::write(
            &path,
            format!(
                "Access key ID,Secret access key\r\n{},{}\r\n",
                user.access_key_id, user.secret_access_key
            ),
        )
        .unwrap();
        path
    }

    /// The bytes of every file a failed command must not have changed.
    pub fn snapshot(&self) -> Vec<(PathBuf, Option<Vec<u8>>)> {
        let mut paths = vec![
            self.project().join("config/common.tfvars"),
            self.project().join("project.yaml"),
        ];
        for name in ["config", "credentials", "config.bkp", "credentials.bkp"] {
            paths.push(self.aws_dir().join(name));
        }
        paths
            .into_iter()
            .map(|p| (p.clone(), std::fs::read(&p).ok()))
            .collect()
    }

    /// Starts `leverage` in `dir` on another thread, for runs that must overlap.
    pub fn run_in(&self, dir: &Path, args: &[&str], stdin: &str) -> std::thread::JoinHandle<Run> {
        let mut command = self.base_command(Path::new(env!("CARGO_BIN_EXE_leverage")));
        command.current_dir(dir);
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let stdin = stdin.to_string();
        std::thread::spawn(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_with_stdin(command, &args, &stdin)
        })
    }

    /// Runs the real AWS CLI against the files leverage wrote.
    /// The real AWS CLI as `profile` in the project's primary region, answering in JSON.
    pub fn aws_as(&self, profile: &str, args: &[&str]) -> Run {
        let mut args = args.to_vec();
        args.extend_from_slice(&[
            "--profile",
            profile,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ]);
        self.aws(&args, "")
    }

    pub fn aws(&self, args: &[&str], stdin: &str) -> Run {
        let mut command = self.base_command(&venv_bin("aws"));
        command
            .env("AWS_CONFIG_FILE", self.aws_dir().join("config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.aws_dir().join("credentials"),
            );
        run_with_stdin(command, args, stdin)
    }
}

/// Variables a developer's shell may hold that would change what the tools do.
const INHERITED_AWS_VARS: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
];

/// The output of a child started with [`Scenario::spawn`], once it ends.
pub fn finish(child: Child) -> Run {
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `command` with `args`, feeding it `stdin`.
pub fn run_with_stdin(mut command: Command, args: &[&str], stdin: &str) -> Run {
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_string();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(stdin.as_bytes());
    });
    let out: Output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `git args` in `dir` with a fixed author; git is a test requirement (project init/create).
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git is needed for these tests: install it (apt-get install git)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// One recorded stand-in call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub cwd: PathBuf,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Copies of the AWS files the call got (with STANDIN_COPY_AWS_FILES).
    pub config: Option<String>,
    pub credentials: Option<String>,
}

impl Call {
    fn parse(text: &str) -> Call {
        let mut call = Call {
            name: String::new(),
            cwd: PathBuf::new(),
            args: Vec::new(),
            env: BTreeMap::new(),
            config: None,
            credentials: None,
        };
        for line in text.lines() {
            let (kind, value) = line.split_once(' ').unwrap_or((line, ""));
            match kind {
                "name" => call.name = value.to_string(),
                "cwd" => call.cwd = PathBuf::from(value),
                "arg" => call.args.push(value.to_string()),
                "env" => {
                    let (k, v) = value.split_once('=').unwrap();
                    call.env.insert(k.to_string(), v.to_string());
                }
                _ => panic!("unexpected stand-in record line {line:?}"),
            }
        }
        call
    }
}
