//! Opening the sign-in page: `$BROWSER` when set (a `:`-separated list, `%s` for the URL, as
//! Python's webbrowser reads it: an entry that fails gives way to the next), else the desktop's
//! opener when there is a display. Failing to open is never an error: the URL and code are
//! printed anyway.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Tries to open `url`; returns whether a browser was started.
pub(crate) fn open(url: &str) -> bool {
    let candidates: Vec<String> = match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => list.split(':').map(str::to_string).collect(),
        _ if cfg!(target_os = "macos") => vec!["open".into()],
        _ if has_display() => vec!["xdg-open".into()],
        _ => Vec::new(),
    };
    candidates.iter().any(|candidate| start(candidate, url))
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}

/// How long a browser that fails at once (not installed properly, no display) takes to say so.
/// One still running after that has started: some stay in the foreground until closed.
const QUICK_FAILURE: Duration = Duration::from_millis(300);

/// Starts the browser; true unless it could not start or exited with an error at once.
fn start(candidate: &str, url: &str) -> bool {
    let mut words = candidate.split_whitespace();
    let Some(program) = words.next() else {
        return false;
    };
    let mut args: Vec<String> = words.map(|w| w.replace("%s", url)).collect();
    if !candidate.contains("%s") {
        args.push(url.to_string());
    }
    let started = Command::new(program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match started {
        Ok(child) => child,
        Err(e) => {
            tracing::debug!("Could not start {program}: {e}");
            return false;
        }
    };
    let since = Instant::now();
    while since.elapsed() < QUICK_FAILURE {
        match child.try_wait() {
            Ok(Some(status)) => {
                tracing::debug!("{program} exited: {status}");
                return status.success();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break,
        }
    }
    // Still running: reaped in the background; leverage does not wait for the browser.
    std::thread::spawn(move || child.wait());
    true
}
