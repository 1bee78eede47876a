//! The IAM Identity Center stand-in (`sso_fake.py`, run with the test venv's Python): one port
//! serving SSO-OIDC and the SSO portal, with a request log the tests read. Killed on drop.

use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// What the user can reach and how the device flow behaves.
#[derive(Debug, Clone, Serialize)]
pub struct SsoFixture {
    pub accounts: Vec<SsoAccount>,
    /// Accounts (and roles) per page when the client does not ask for a size.
    pub page_size: usize,
    /// CreateToken answers `authorization_pending` this many times per device code.
    pub pending_polls: u32,
    /// CreateToken answers `slow_down` once per device code.
    pub slow_down: bool,
    /// "approve", "expired" or "denied".
    pub outcome: String,
    /// The polling interval the device authorization asks for, in seconds.
    pub interval: u32,
    pub refresh_tokens: bool,
    pub token_expires_in: u64,
    pub latency_ms: u64,
    /// A refresh-token CreateToken waits this long before it spends the (single-use) token.
    pub refresh_delay_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SsoAccount {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

impl SsoFixture {
    /// Five accounts over three pages (two per page), named `binbash-<account>` as the
    /// organization names them; roles chosen so configure must pick by `sso_role` or take the
    /// first role.
    pub fn landing_zone() -> SsoFixture {
        let account = |id: &str, name: &str, roles: &[&str]| SsoAccount {
            id: id.into(),
            name: name.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        };
        SsoFixture {
            accounts: vec![
                account(
                    "111111111111",
                    "binbash-management",
                    &["Administrator", "DevOps"],
                ),
                account("222222222222", "binbash-security", &["DevOps"]),
                account(
                    "333333333333",
                    "binbash-shared",
                    &["Administrator", "DevOps", "SecurityAuditor"],
                ),
                account("444444444444", "binbash-apps-devstg", &["ReadOnly"]),
                account("555555555555", "binbash-apps-prd", &["DevOps", "ReadOnly"]),
            ],
            page_size: 2,
            pending_polls: 1,
            slow_down: false,
            outcome: "approve".into(),
            interval: 0,
            refresh_tokens: true,
            token_expires_in: 28_800,
            latency_ms: 0,
            refresh_delay_ms: 0,
        }
    }
}

/// One request the fake received.
#[derive(Debug, Clone, Deserialize)]
pub struct SsoRequest {
    pub path: String,
    pub query: serde_json::Map<String, serde_json::Value>,
    pub body: serde_json::Value,
    pub status: u16,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub details: serde_json::Value,
    /// Requests being served when this one arrived, itself included.
    #[serde(default)]
    pub in_flight: usize,
}

pub struct SsoFake {
    child: Child,
    pub endpoint: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl SsoFake {
    pub fn start(fixture: &SsoFixture) -> SsoFake {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.jsonl");
        let mut config = serde_json::to_value(fixture).unwrap();
        config["log"] = serde_json::json!(log);
        let config_path = dir.path().join("config.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sso_fake.py");
        let mut child = Command::new(super::venv_bin("python"))
            .arg(script)
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sso_fake.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read sso_fake.py's port");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("sso_fake.py printed {line:?} instead of its port"));
        SsoFake {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<SsoRequest> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a request log line is JSON"))
            .collect()
    }

    /// How many requests went to `path` (e.g. `/federation/credentials`).
    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }

    /// Forgets the requests so far.
    pub fn clear_log(&self) {
        let _ = std::fs::remove_file(&self.log);
    }

    /// Changes the fake's behaviour from now on (keys as in [`SsoFixture`]).
    pub fn configure(&self, changes: serde_json::Value) {
        use std::io::{Read, Write};
        let address = self.endpoint.trim_start_matches("http://");
        let body = changes.to_string();
        let mut stream = std::net::TcpStream::connect(address).expect("connect to sso_fake.py");
        write!(
            stream,
            "POST /_fake/config HTTP/1.0\r\nHost: {address}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.contains(" 200 "), "sso_fake.py config: {response}");
    }
}

impl Drop for SsoFake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
