//! Everything that talks to the person at the keyboard: log lines, prompts, secrets (SPEC §7).

pub mod interrupt;
pub mod log;
pub mod prompt;
pub mod qr;
pub mod secret;

pub use prompt::{Prompt, PromptError};
pub use secret::Secret;
