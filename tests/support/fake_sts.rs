//! The fake STS endpoint of `fake_sts.py`: refuses regions or keys as a test configures, and
//! forwards the rest to moto_server when asked. Stopped on drop.

use super::venv_bin;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

pub struct FakeSts {
    child: Child,
    pub endpoint: String,
}

impl FakeSts {
    /// Starts the endpoint with `config` (see fake_sts.py for its keys).
    pub fn start(config: serde_json::Value) -> FakeSts {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_sts.py");
        let mut child = Command::new(venv_bin("python"))
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start fake_sts.py");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(config.to_string().as_bytes()).unwrap();
        drop(stdin);
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("fake_sts.py printed {line:?} instead of its port"));
        FakeSts {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Every request so far: (region of the signature, access key id, answer).
    pub fn requests(&self) -> Vec<(String, String, String)> {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(stream, "GET /requests HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let body = response.split_once("\r\n\r\n").unwrap().1;
        serde_json::from_str(body).unwrap()
    }
}

impl Drop for FakeSts {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
