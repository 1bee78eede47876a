//! How a failure reaches the user. Every module keeps its own typed error (thiserror) and
//! implements [`Diagnostic`], the one place a hint and an exit code come from; they meet in
//! [`Error`], which prints the error and its causes as one line, then the hint.

use std::fmt;
use std::path::{Path, PathBuf};

/// What every module error tells the user beyond its message.
pub trait Diagnostic: std::error::Error + Send + Sync + 'static {
    /// What to try next, when there is something to suggest.
    fn hint(&self) -> Option<String> {
        None
    }

    /// The process exit code this failure ends with.
    fn exit_code(&self) -> i32 {
        1
    }

    /// Ends the process without a word (a closed standard output).
    fn silent(&self) -> bool {
        false
    }
}

/// Any failure of a command: a module error, boxed. Library functions whose failures come from
/// several modules return this; the others return their module's own error.
pub struct Error(Box<dyn Diagnostic>);

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl<E: Diagnostic> From<E> for Error {
    fn from(error: E) -> Self {
        Error(Box::new(error))
    }
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        self.0.hint()
    }

    pub fn exit_code(&self) -> i32 {
        self.0.exit_code()
    }

    pub fn silent(&self) -> bool {
        self.0.silent()
    }

    /// The module error inside, when it is a `T`.
    pub fn downcast_ref<T: Diagnostic>(&self) -> Option<&T> {
        let error: &(dyn std::error::Error + 'static) = &*self.0;
        error.downcast_ref::<T>()
    }
}

/// The message, then each cause the message does not already say, joined by ": ".
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let text = error.to_string();
            if !line.contains(&text) {
                line = format!("{line}: {text}");
            }
            cause = error.source();
        }
        f.write_str(&line)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A file-system or process failure: what leverage was doing, and on which path.
#[derive(Debug, thiserror::Error)]
#[error("could not {action} {}", path.display())]
pub struct IoError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    pub fn new(action: &'static str, path: impl AsRef<Path>, source: std::io::Error) -> IoError {
        IoError {
            action,
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// For `map_err`: `fs::read(&p).map_err(IoError::on("read", &p))`.
    pub fn on(
        action: &'static str,
        path: impl AsRef<Path>,
    ) -> impl FnOnce(std::io::Error) -> IoError {
        let path = path.as_ref().to_path_buf();
        move |source| IoError {
            action,
            path,
            source,
        }
    }
}

impl Diagnostic for IoError {
    fn hint(&self) -> Option<String> {
        let place = self.path.parent().unwrap_or(&self.path).display();
        match self.source.kind() {
            std::io::ErrorKind::PermissionDenied => Some(format!(
                "make {place} writable by you (e.g. `chmod u+rwx {place}`); leverage changed nothing"
            )),
            std::io::ErrorKind::StorageFull => {
                Some(format!("free some space on the disk that holds {place}"))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not use {0}")]
    struct Outer(&'static str, #[source] std::io::Error);
    impl Diagnostic for Outer {}

    #[test]
    fn causes_join_the_message_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        assert_eq!(
            Error::from(Outer("x", io)).to_string(),
            "could not use x: gone"
        );
        let error = IoError::new("read", "/a/b", std::io::Error::other("disk on fire"));
        assert_eq!(
            Error::from(error).to_string(),
            "could not read /a/b: disk on fire"
        );
    }

    #[test]
    fn the_module_error_is_reachable() {
        let error = Error::from(IoError::new("read", "/a", std::io::Error::other("x")));
        assert_eq!(
            error.downcast_ref::<IoError>().unwrap().path,
            Path::new("/a")
        );
        assert!(error.downcast_ref::<Outer>().is_none());
    }
}
