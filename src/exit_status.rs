//! How a command that did not fail with an error ends: the process exit code.

/// The outcome of a command that ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything asked for was done, or found in order.
    Success,
    /// The command ran but found problems it reported (invalid layout, a bad key, a declined
    /// prompt).
    Failure,
    /// A child program's own exit code, passed on.
    Child(i32),
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Child(code) => code,
        }
    }

    /// Success when `ok`, else Failure.
    pub fn from_ok(ok: bool) -> ExitStatus {
        if ok {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        }
    }
}
