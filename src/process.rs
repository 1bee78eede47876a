//! Child programs (terraform, tofu, aws, kubectl, tfautomv, a shell): finding them on PATH and
//! running them attached to the terminal, with their exit code as ours.
//!
//! Ctrl-C reaches the child from the terminal (same process group) and leverage waits for it to
//! finish; SIGTERM and SIGHUP sent to leverage are passed on.

use crate::error::{Diagnostic, IoError};
use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// A program leverage needs is not installed.
#[derive(Debug, thiserror::Error)]
#[error("{name} was not found on PATH")]
pub struct ProgramNotFound {
    pub name: String,
    /// How to install it, or what to use instead.
    pub install: String,
}

impl Diagnostic for ProgramNotFound {
    fn hint(&self) -> Option<String> {
        Some(self.install.clone())
    }
}

/// `name` on PATH, or an error saying how to install it.
pub fn require(name: &str, install: &str) -> Result<PathBuf, ProgramNotFound> {
    find_on_path(name, std::env::var_os("PATH").as_deref()).ok_or_else(|| ProgramNotFound {
        name: name.to_string(),
        install: install.to_string(),
    })
}

/// The first executable file called `name` in the PATH directories.
pub fn find_on_path(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// A file with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// One run of a program: what, with which arguments, where, and the variables added to ours.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Invocation {
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args).current_dir(&self.dir);
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    /// Runs with the terminal attached; the exit code is the child's (128+N when killed by
    /// signal N).
    pub fn run_attached(&self) -> Result<i32, IoError> {
        tracing::debug!(
            "Running {} {} in {}",
            self.program.display(),
            self.args.join(" "),
            self.dir.display()
        );
        let child = self
            .command()
            .spawn()
            .map_err(IoError::on("start", &self.program))?;
        wait_forwarding_signals(child, &self.program)
    }
}

/// Waits for `child` while signals meant for it reach it.
pub(crate) fn wait_forwarding_signals(mut child: Child, program: &Path) -> Result<i32, IoError> {
    let _guard = SignalGuard::install(child.id());
    let status = child.wait().map_err(IoError::on("wait for", program))?;
    Ok(exit_code(status))
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// While alive, SIGINT/SIGQUIT do not kill leverage (the child got them from the terminal and
/// decides), and SIGTERM/SIGHUP are forwarded to the child.
struct SignalGuard {
    ids: Vec<signal_hook::SigId>,
    forwarder: Option<(signal_hook::iterator::Handle, std::thread::JoinHandle<()>)>,
}

impl SignalGuard {
    fn install(child: u32) -> SignalGuard {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
        let noticed = Arc::new(AtomicBool::new(false));
        let ids = [SIGINT, SIGQUIT]
            .iter()
            .filter_map(|s| signal_hook::flag::register(*s, Arc::clone(&noticed)).ok())
            .collect();
        let forwarder = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP])
            .ok()
            .map(|mut signals| {
                let handle = signals.handle();
                let thread = std::thread::spawn(move || {
                    for signal in signals.forever() {
                        // SAFETY: kill(2) with a pid we spawned and a valid signal number.
                        unsafe {
                            libc::kill(child as libc::pid_t, signal);
                        }
                    }
                });
                (handle, thread)
            });
        SignalGuard { ids, forwarder }
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
        if let Some((handle, thread)) = self.forwarder.take() {
            handle.close();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_executable_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("terraform"), "").unwrap();
        assert!(find_on_path("terraform", Some(dir.path().as_os_str())).is_none());
    }

    #[test]
    fn a_missing_program_says_how_to_install_it() {
        let error = ProgramNotFound {
            name: "kubectl".into(),
            install: "install kubectl".into(),
        };
        assert_eq!(error.to_string(), "kubectl was not found on PATH");
        assert_eq!(error.hint().as_deref(), Some("install kubectl"));
    }
}
