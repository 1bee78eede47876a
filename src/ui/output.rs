//! What commands print for the user to read or pipe, on standard output. A closed pipe
//! (`leverage ... | head -1`) ends the command quietly, as other command-line tools do; a full
//! disk is an error.

use crate::error::Diagnostic;
use std::io::Write;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("standard output was closed")]
    Closed,
    #[error("could not write to standard output")]
    Failed(#[source] std::io::Error),
}

impl Diagnostic for OutputError {
    fn exit_code(&self) -> i32 {
        match self {
            // 128 + SIGPIPE, what a shell reports for a process the pipe closed on.
            OutputError::Closed => 141,
            OutputError::Failed(_) => 1,
        }
    }

    fn silent(&self) -> bool {
        matches!(self, OutputError::Closed)
    }
}

/// Writes `text` as it is to standard output.
pub fn print(text: &str) -> Result<(), OutputError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => OutputError::Closed,
            _ => OutputError::Failed(e),
        })
}

/// Writes `line` and a newline to standard output.
pub fn println(line: &str) -> Result<(), OutputError> {
    print(&format!("{line}\n"))
}
