//! A leverage process a test converses with: its stderr read line by line as it comes, so the
//! test answers a question once it is asked (never after a guessed sleep).

use super::{Run, Scenario};
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// A leverage process the test talks to: stderr read line by line as it comes.
pub struct Live {
    child: Child,
    pub stdin: ChildStdin,
    lines: Receiver<String>,
    pub stderr: String,
}

impl Live {
    pub fn start(s: &Scenario, args: &[&str]) -> Live {
        let mut child = s.spawn(args);
        let stdin = child.stdin.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Live {
            child,
            stdin,
            lines,
            stderr: String::new(),
        }
    }

    /// Ctrl-C: SIGINT to leverage alone.
    pub fn interrupt(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on the child this test started.
        assert_eq!(
            unsafe { libc::kill(pid, libc::SIGINT) },
            0,
            "kill -INT {pid}"
        );
    }

    /// Reads stderr until a line holds `text`.
    pub fn wait_for(&mut self, text: &str) {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no {text:?} on stderr:\n{}", self.stderr));
            self.stderr.push_str(&line);
            self.stderr.push('\n');
            if line.contains(text) {
                return;
            }
        }
    }

    pub fn finish(mut self) -> Run {
        drop(self.stdin);
        let out = self.child.wait_with_output().unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.stderr.push_str(&line);
            self.stderr.push('\n');
        }
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: self.stderr,
        }
    }
}
