//! Everything that talks to the person at the keyboard: log lines, prompts, what commands
//! print, tables, secrets.

pub mod interrupt;
pub mod log;
pub mod menu;
pub mod output;
pub mod prompt;
pub mod qr;
pub mod secret;
pub mod table;

pub use prompt::{Prompt, PromptError};
pub use secret::Secret;
