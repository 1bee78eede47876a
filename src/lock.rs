//! The advisory lock that keeps two leverage runs from interleaving their read-modify-write of
//! the same files. The holder writes its pid into the lock file, so a run that has to wait can
//! say for whom; it waits up to `LEVERAGE_LOCK_TIMEOUT` seconds (default 600).

use crate::error::{Diagnostic, IoError};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
const SAY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another leverage run{} still holds {} after {} s",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        path.display(),
        waited.as_secs()
    )]
    Timeout {
        path: PathBuf,
        pid: Option<u32>,
        waited: Duration,
    },
    #[error("LEVERAGE_LOCK_TIMEOUT = {0:?} is not a whole number of seconds")]
    BadTimeout(String),
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Diagnostic for LockError {
    fn hint(&self) -> Option<String> {
        match self {
            LockError::Timeout { .. } => Some(
                "wait for it to finish (or end it), or raise LEVERAGE_LOCK_TIMEOUT (seconds)"
                    .into(),
            ),
            LockError::BadTimeout(_) => Some("set it to a number of seconds, e.g. 600".into()),
            LockError::Io(error) => error.hint(),
        }
    }
}

/// Held while alive; the lock is released on drop (or when the process dies).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Takes the exclusive lock on `path` (created 0600), waiting for another process.
pub fn acquire(path: &Path) -> Result<Lock, LockError> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(IoError::on("create", path))?;
    let timeout = timeout()?;
    let started = Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(IoError::new("lock", path, e).into()),
        }
        let waited = started.elapsed();
        if !said && waited >= SAY_AFTER {
            let holder = holder(&mut file)
                .map(|p| format!(" (pid {p})"))
                .unwrap_or_default();
            tracing::info!("Waiting for another leverage run{holder} to finish...");
            said = true;
        }
        if waited >= timeout {
            let pid = holder(&mut file);
            return Err(LockError::Timeout {
                path: path.to_path_buf(),
                pid,
                waited,
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Best effort: the pid only makes the waiting message better.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()));
    Ok(Lock { _file: file })
}

fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn timeout() -> Result<Duration, LockError> {
    match std::env::var("LEVERAGE_LOCK_TIMEOUT") {
        Err(_) => Ok(DEFAULT_TIMEOUT),
        Ok(value) => value
            .trim()
            .parse::<u32>()
            .map(|s| Duration::from_secs(s.into()))
            .map_err(|_| LockError::BadTimeout(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_gives_up_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".lock");
        let _first = acquire(&path).unwrap();
        // A second open file description in this process contends like another process.
        let mut second = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        assert!(matches!(second.try_lock(), Err(TryLockError::WouldBlock)));
        assert_eq!(holder(&mut second), Some(std::process::id()));
    }
}
