//! Replacing files so that nothing is ever half written or half changed. One file: a temp file in
//! the same directory, fsynced, renamed over the target, then the directory fsynced. Several files
//! (a [`Transaction`]): every temp file and backup is prepared and fsynced first, then all are
//! renamed; if a rename fails, the files already replaced get their old text back.
//!
//! A symlinked file is written through: the link stays, its target gets the new text (in the
//! target's directory, so the rename stays atomic). Temp files are named `.leverage-<pid>-...` so
//! that a later run can sweep what a killed one left (they may hold secrets).

use crate::error::IoError;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The permission bits a written file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0600, whatever the file had (AWS credentials and config).
    Private,
    /// What the file has now; 0644 for a new file (project files).
    Keep,
}

/// Writes `text` to `path` atomically.
pub fn write(path: &Path, text: impl AsRef<[u8]>, mode: Mode) -> Result<(), IoError> {
    let mut transaction = Transaction::default();
    transaction.stage(path, text, mode)?;
    transaction.commit().map_err(|failure| failure.error)
}

/// Several files replaced all together or not at all.
#[derive(Default)]
pub struct Transaction {
    staged: Vec<Staged>,
}

struct Staged {
    /// The path as the caller named it (a link, maybe).
    named: PathBuf,
    /// Where the bytes go: `named` with symlinks resolved.
    target: PathBuf,
    temp: tempfile::TempPath,
    /// The target's text before, for the undo; None when it did not exist.
    old: Option<Vec<u8>>,
    mode: u32,
}

/// A commit that failed, and whether the undo put every file back.
#[derive(Debug)]
pub struct CommitFailure {
    pub error: IoError,
    /// Files left with the new text because their undo failed too (empty: all as before).
    pub not_restored: Vec<PathBuf>,
}

impl std::fmt::Display for CommitFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.error.source)?;
        if self.not_restored.is_empty() {
            write!(f, "; every file was left as it was")
        } else {
            let paths: Vec<String> = self
                .not_restored
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            write!(
                f,
                "; these files could not be put back and hold the new text: {}",
                paths.join(", ")
            )
        }
    }
}

impl std::error::Error for CommitFailure {}

impl crate::error::Diagnostic for CommitFailure {
    fn hint(&self) -> Option<String> {
        crate::error::Diagnostic::hint(&self.error)
    }
}

impl Transaction {
    /// Prepares `text` for `path`: a fsynced temp file beside the (link-resolved) target.
    pub fn stage(
        &mut self,
        path: &Path,
        text: impl AsRef<[u8]>,
        mode: Mode,
    ) -> Result<(), IoError> {
        let target = resolve_links(path);
        if target.is_dir() {
            let error = std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory");
            return Err(IoError::new("replace", &target, error));
        }
        let old = match fs::read(&target) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(IoError::new("read", &target, e)),
        };
        let bits = match mode {
            Mode::Private => 0o600,
            Mode::Keep => fs::metadata(&target)
                .map(|m| m.permissions().mode() & 0o7777)
                .unwrap_or(0o644),
        };
        let temp = temp_file_beside(&target, text.as_ref(), bits)?;
        self.staged.push(Staged {
            named: path.to_path_buf(),
            target,
            temp,
            old,
            mode: bits,
        });
        Ok(())
    }

    /// Whether anything is staged.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Renames every staged file into place, in staging order. On a failure the files already
    /// replaced get their old text back (or are removed if they were new).
    pub fn commit(self) -> Result<(), CommitFailure> {
        let mut done: Vec<(PathBuf, Option<Vec<u8>>, u32)> = Vec::new();
        for staged in self.staged {
            match staged.temp.persist(&staged.target) {
                Ok(()) => {
                    sync_dir(&staged.target);
                    done.push((staged.target, staged.old, staged.mode));
                }
                Err(e) => {
                    let error = IoError::new("replace", &staged.named, e.error);
                    let not_restored = undo(done);
                    return Err(CommitFailure {
                        error,
                        not_restored,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Puts the old text back into each replaced file, newest first; returns those it could not.
fn undo(done: Vec<(PathBuf, Option<Vec<u8>>, u32)>) -> Vec<PathBuf> {
    let mut failed = Vec::new();
    for (target, old, mode) in done.into_iter().rev() {
        let restored = match old {
            Some(bytes) => temp_file_beside(&target, &bytes, mode)
                .ok()
                .and_then(|temp| temp.persist(&target).ok())
                .is_some(),
            None => fs::remove_file(&target).is_ok(),
        };
        if !restored {
            failed.push(target);
        }
    }
    failed
}

/// `path` with every symlink followed (a dangling link gives its target path).
fn resolve_links(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&path) {
            Ok(target) => {
                let base = path.parent().unwrap_or(Path::new("."));
                path = base.join(target);
            }
            Err(_) => return path,
        }
    }
    path
}

/// A temp file named `.leverage-<pid>-...` in `target`'s directory, written, fsynced, `mode`.
fn temp_file_beside(target: &Path, bytes: &[u8], mode: u32) -> Result<tempfile::TempPath, IoError> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Every directory we write into is cleaned of what killed runs left (secrets, often).
    sweep_stale_temp_files(dir);
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix())
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(|e| IoError::new("write", target, without_path(e)))?;
    // The umask does not apply to an explicit chmod: the mode is exactly `mode`. Errors name the
    // target, not the temp file's random name.
    fs::set_permissions(temp.path(), fs::Permissions::from_mode(mode))
        .and_then(|()| temp.as_file_mut().write_all(bytes))
        .and_then(|()| temp.as_file().sync_all())
        .map_err(IoError::on("write", target))?;
    Ok(temp.into_temp_path())
}

/// tempfile names its random temp path in its errors; the user needs the OS error alone.
fn without_path(error: std::io::Error) -> std::io::Error {
    let os_error = error.raw_os_error().or_else(|| {
        let inner = error.get_ref()?;
        let source = std::error::Error::source(inner)?;
        source.downcast_ref::<std::io::Error>()?.raw_os_error()
    });
    match os_error {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => error,
    }
}

/// `.leverage-<pid>-`: the prefix of this process's temp files.
pub fn temp_prefix() -> String {
    format!(".leverage-{}-", std::process::id())
}

/// A temp file lives for the milliseconds of one write: one this old is stale even when its pid
/// now belongs to another process.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes `.leverage-<pid>-*.tmp` files in `dir` whose process is gone (killed mid-write), or
/// that are older than any write takes.
pub fn sweep_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.ends_with(".tmp"))
            .and_then(|n| n.strip_prefix(".leverage-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_AFTER));
        if (old || !process_alive(pid)) && fs::remove_file(entry.path()).is_ok() {
            tracing::debug!(
                "Removed {} left by a run that ended early",
                entry.path().display()
            );
        }
    }
}

/// Whether a process with this pid exists (a dead run's files are fair to remove).
pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill(2) with signal 0 only checks for the process; it sends nothing.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn sync_dir(file: &Path) {
    if let Some(dir) = file.parent()
        && let Ok(dir) = File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_symlinked_file_is_written_through_and_the_link_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles/credentials");
        fs::create_dir(dir.path().join("dotfiles")).unwrap();
        fs::write(&real, "old").unwrap();
        let link = dir.path().join("credentials");
        std::os::unix::fs::symlink("dotfiles/credentials", &link).unwrap();
        write(&link, "new", Mode::Private).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(mode_of(&real), 0o600);
    }

    #[test]
    fn a_failed_commit_puts_every_replaced_file_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("credentials");
        fs::write(&first, "old keys").unwrap();
        let second = dir.path().join("config");
        let mut transaction = Transaction::default();
        transaction
            .stage(&first, "new keys", Mode::Private)
            .unwrap();
        transaction
            .stage(&second, "new config", Mode::Private)
            .unwrap();
        // Something takes the second file's place before the commit.
        fs::create_dir(&second).unwrap();
        fs::write(second.join("x"), "").unwrap();
        let failure = transaction.commit().unwrap_err();
        assert!(failure.not_restored.is_empty());
        assert_eq!(fs::read_to_string(&first).unwrap(), "old keys");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".leverage-"))
            .collect();
        assert!(leftovers.is_empty(), "temp files removed");
    }

    #[test]
    fn a_directory_in_the_way_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("config.bkp")).unwrap();
        let error = Transaction::default()
            .stage(&dir.path().join("config.bkp"), "x", Mode::Private)
            .unwrap_err();
        assert!(
            error.to_string().starts_with("could not replace"),
            "{error}"
        );
    }

    #[test]
    fn the_mode_ignores_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        // SAFETY: umask(2) only changes this process's file creation mask.
        let old = unsafe { libc::umask(0) };
        write(&path, "x", Mode::Private).unwrap();
        unsafe { libc::umask(old) };
        assert_eq!(mode_of(&path), 0o600);
    }

    #[test]
    fn stale_temp_files_of_dead_runs_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(".leverage-999999999-abc.tmp");
        let live = dir.path().join(format!("{}x.tmp", temp_prefix()));
        fs::write(&dead, "secret").unwrap();
        fs::write(&live, "secret").unwrap();
        sweep_stale_temp_files(dir.path());
        assert!(!dead.exists());
        assert!(live.exists());
    }

    #[test]
    fn an_hour_old_temp_file_is_stale_even_when_its_pid_is_alive_again() {
        let dir = tempfile::tempdir().unwrap();
        let reused = dir.path().join(format!("{}old.tmp", temp_prefix()));
        fs::write(&reused, "secret").unwrap();
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(&reused)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        // Any write into the directory sweeps it.
        write(&dir.path().join("cache.json"), "{}", Mode::Private).unwrap();
        assert!(!reused.exists());
    }
}
