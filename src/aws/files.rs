//! `~/.aws/<short>/config` and `credentials`: read, edit, back up, write atomically.
//!
//! Invariants: the directory is 0700 and the files 0600; a change to an existing file is preceded
//! by `<file>.bkp`; a write is a temp file in the same directory, fsynced, then renamed, so a
//! crash leaves the old file or the new one, never half of each; and an advisory lock keeps two
//! leverage processes from interleaving their read-modify-write cycles.

use super::ini::{Ini, IniError};
use crate::atomic_file::{Mode, Transaction};
use crate::error::{Diagnostic, IoError};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum AwsFilesError {
    #[error("HOME is not set, so ~/.aws cannot be found")]
    NoHome,
    #[error("{}: {error}", path.display())]
    Malformed { path: PathBuf, error: IniError },
    #[error(transparent)]
    Io(#[from] IoError),
    /// A write with its backup that failed: says which files could not be put back, if any.
    #[error(transparent)]
    Commit(#[from] crate::atomic_file::CommitFailure),
}

impl Diagnostic for AwsFilesError {
    fn hint(&self) -> Option<String> {
        match self {
            AwsFilesError::NoHome => Some("set HOME to your home directory".into()),
            AwsFilesError::Malformed { path, .. } => Some(format!(
                "fix that line of {} (a backup may be at {}.bkp); leverage changed nothing",
                path.display(),
                path.display()
            )),
            AwsFilesError::Io(error) => error.hint(),
            AwsFilesError::Commit(failure) => failure.hint(),
        }
    }
}

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsFile {
    Config,
    Credentials,
}

impl AwsFile {
    pub fn file_name(self) -> &'static str {
        match self {
            AwsFile::Config => "config",
            AwsFile::Credentials => "credentials",
        }
    }

    /// `[profile x]` in config, `[x]` in credentials (the AWS CLI's rule).
    pub fn section(self, profile: &str) -> String {
        match self {
            AwsFile::Config => format!("profile {profile}"),
            AwsFile::Credentials => profile.to_string(),
        }
    }
}

/// The project's AWS directory, `~/.aws/<short>/`.
#[derive(Debug, Clone)]
pub struct AwsFiles {
    pub dir: PathBuf,
}

/// Held while a read-modify-write cycle runs; the lock is released on drop.
pub type FilesLock = crate::lock::Lock;

impl AwsFiles {
    /// `$HOME/.aws/<short>/`.
    pub fn for_project(short_name: &str) -> Result<AwsFiles, AwsFilesError> {
        let home = crate::home::dir().ok_or(AwsFilesError::NoHome)?;
        Ok(AwsFiles {
            dir: home.join(".aws").join(short_name),
        })
    }

    pub fn path(&self, file: AwsFile) -> PathBuf {
        self.dir.join(file.file_name())
    }

    /// The parsed file; a missing file is an empty one.
    pub fn read(&self, file: AwsFile) -> Result<Ini, AwsFilesError> {
        let path = self.path(file);
        match fs::read_to_string(&path) {
            Ok(text) => Ini::parse(&text).map_err(|error| AwsFilesError::Malformed { path, error }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ini::default()),
            Err(source) => Err(IoError::new("read", path, source).into()),
        }
    }

    /// Creates the directory (0700) and takes the exclusive lock, waiting for another process;
    /// then removes the temp files a killed run left behind.
    pub fn lock(&self) -> crate::Result<FilesLock> {
        self.create_dir()?;
        let lock = crate::lock::acquire(&self.dir.join(".leverage.lock"))?;
        crate::atomic_file::sweep_stale_temp_files(&self.dir);
        Ok(lock)
    }

    /// `~/.aws/<short>/`, 0700: made so, or tightened (with a warning) when it is looser.
    pub fn create_dir(&self) -> Result<(), AwsFilesError> {
        Ok(crate::private_dir::ensure(&self.dir)?)
    }

    /// Stages `ini` for `file` in `transaction` when its text differs, with the old text staged
    /// as `<file>.bkp` first. Returns whether anything was staged. Callers hold the
    /// [`FilesLock`].
    pub fn stage(
        &self,
        transaction: &mut Transaction,
        file: AwsFile,
        ini: &Ini,
    ) -> Result<bool, AwsFilesError> {
        let path = self.path(file);
        let text = ini.to_string();
        let old = match fs::read_to_string(&path) {
            Ok(old) => Some(old),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(IoError::new("read", path, source).into()),
        };
        if old.as_deref() == Some(text.as_str()) {
            return Ok(false);
        }
        if let Some(old) = &old {
            let backup = path.with_file_name(format!("{}.bkp", file.file_name()));
            transaction.stage(&backup, old, Mode::Private)?;
            warn_if_not_private(&path);
        }
        transaction.stage(&path, &text, Mode::Private)?;
        Ok(true)
    }

    /// Stages `ini` for `file` when it removes secrets (`sections`) that must not live on in a
    /// backup either: no new backup is made (it would hold them), and the existing one loses the
    /// same sections. Callers hold the [`FilesLock`].
    pub fn stage_removing_secrets(
        &self,
        transaction: &mut Transaction,
        file: AwsFile,
        ini: &Ini,
        sections: &[&str],
    ) -> Result<(), AwsFilesError> {
        let path = self.path(file);
        let text = ini.to_string();
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            transaction.stage(&path, &text, Mode::Private)?;
        }
        let backup = path.with_file_name(format!("{}.bkp", file.file_name()));
        let Ok(old) = fs::read_to_string(&backup) else {
            return Ok(());
        };
        let mut scrubbed = Ini::parse(&old).map_err(|error| AwsFilesError::Malformed {
            path: backup.clone(),
            error,
        })?;
        for section in sections {
            scrubbed.remove_section(section);
        }
        let scrubbed = scrubbed.to_string();
        if scrubbed != old {
            transaction.stage(&backup, &scrubbed, Mode::Private)?;
        }
        Ok(())
    }

    /// Writes `ini` over `file` when its text differs: backup first, then an atomic replace.
    /// Returns whether anything was written. Callers hold the [`FilesLock`].
    pub fn write(
        &self,
        file: AwsFile,
        ini: &Ini,
        _lock: &FilesLock,
    ) -> Result<bool, AwsFilesError> {
        let mut transaction = Transaction::default();
        if !self.stage(&mut transaction, file, ini)? {
            return Ok(false);
        }
        transaction.commit()?;
        Ok(true)
    }
}

/// These files are always written 0600; a user who chose another mode is told.
fn warn_if_not_private(path: &Path) {
    if let Ok(meta) = fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode != 0o600 {
            tracing::warn!(
                "{} was {mode:o}; leverage writes it 0600 (owner read and write only).",
                path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn files() -> (tempfile::TempDir, AwsFiles) {
        let home = tempfile::tempdir().unwrap();
        let files = AwsFiles {
            dir: home.path().join(".aws/bb"),
        };
        (home, files)
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn first_write_creates_a_private_directory_and_file_without_backup() {
        let (_home, files) = files();
        let lock = files.lock().unwrap();
        let mut ini = Ini::default();
        ini.set("bb-management", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE");
        assert!(files.write(AwsFile::Credentials, &ini, &lock).unwrap());
        assert_eq!(mode(&files.dir), 0o700);
        assert_eq!(mode(&files.path(AwsFile::Credentials)), 0o600);
        assert!(!files.dir.join("credentials.bkp").exists());
        assert_eq!(
            files
                .read(AwsFile::Credentials)
                .unwrap()
                .get("bb-management", "aws_access_key_id"),
            Some("AKIAIOSFODNN7EXAMPLE")
        );
    }

    #[test]
    fn a_change_backs_up_the_old_text_and_an_unchanged_file_is_not_touched() {
        let (_home, files) = files();
        let lock = files.lock().unwrap();
        fs::write(
            files.path(AwsFile::Config),
            "# mine\n[profile x]\nregion = us-east-1\n",
        )
        .unwrap();
        let mut ini = files.read(AwsFile::Config).unwrap();
        assert!(!files.write(AwsFile::Config, &ini, &lock).unwrap());
        assert!(!files.dir.join("config.bkp").exists());
        ini.set("profile x", "output", "json");
        assert!(files.write(AwsFile::Config, &ini, &lock).unwrap());
        assert_eq!(
            fs::read_to_string(files.dir.join("config.bkp")).unwrap(),
            "# mine\n[profile x]\nregion = us-east-1\n"
        );
        assert_eq!(
            fs::read_to_string(files.path(AwsFile::Config)).unwrap(),
            "# mine\n[profile x]\nregion = us-east-1\noutput = json\n"
        );
        assert_eq!(mode(&files.dir.join("config.bkp")), 0o600);
        assert_eq!(mode(&files.path(AwsFile::Config)), 0o600);
    }

    #[test]
    fn a_second_lock_waits_for_the_first_to_be_released() {
        let (_home, files) = files();
        let first = files.lock().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let other = files.clone();
        let waiter = std::thread::spawn(move || {
            let _second = other.lock().unwrap();
            sender.send(()).unwrap();
        });
        assert!(
            receiver
                .recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "the second lock must wait"
        );
        drop(first);
        receiver
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("the second lock is taken once the first is released");
        waiter.join().unwrap();
    }

    #[test]
    fn a_malformed_file_is_an_error_naming_it() {
        let (_home, files) = files();
        fs::create_dir_all(&files.dir).unwrap();
        fs::write(files.path(AwsFile::Config), "[profile x]\nnonsense\n").unwrap();
        let error = files.read(AwsFile::Config).unwrap_err().to_string();
        assert!(
            error.ends_with(".aws/bb/config: line 2: expected `[section]` or `key = value`"),
            "{error}"
        );
    }
}
