//! Whole outputs for insta snapshots: temp paths and log times replaced by stable names.

use super::{Run, Scenario};

impl Scenario {
    /// `text` with this scenario's paths as `[PROJECT]`, `[HOME]`, `[TMP]` and log times as
    /// `[TIME]`.
    pub fn normalize(&self, text: &str) -> String {
        let mut text = text.to_string();
        let project = self.project();
        let canonical = project.canonicalize().unwrap_or(project.clone());
        let tmp = self.dir.path().canonicalize().unwrap();
        for (path, name) in [
            (canonical.display().to_string(), "[PROJECT]"),
            (project.display().to_string(), "[PROJECT]"),
            (self.home().display().to_string(), "[HOME]"),
            (tmp.display().to_string(), "[TMP]"),
            (self.dir.path().display().to_string(), "[TMP]"),
        ] {
            text = text.replace(&path, name);
        }
        text.lines()
            .map(without_log_time)
            .collect::<Vec<_>>()
            .join("\n")
            + if text.ends_with('\n') { "\n" } else { "" }
    }

    /// The exit code, stdout and stderr of `run`, normalized, for one snapshot.
    pub fn transcript(&self, run: &Run) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            run.code,
            self.normalize(&run.stdout),
            self.normalize(&run.stderr)
        )
    }
}

/// `[12:34:56.789] INFO ...` becomes `[TIME] INFO ...`.
fn without_log_time(line: &str) -> String {
    let bytes = line.as_bytes();
    let is_time = bytes.len() >= 14
        && bytes[0] == b'['
        && bytes[13] == b']'
        && bytes[1..13].iter().enumerate().all(|(i, b)| {
            matches!(i, 2 | 5) && *b == b':' || i == 8 && *b == b'.' || b.is_ascii_digit()
        });
    if is_time {
        format!("[TIME]{}", &line[14..])
    } else {
        line.to_string()
    }
}
