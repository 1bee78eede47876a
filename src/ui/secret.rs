//! A value that must never be printed: AWS secret keys, session tokens, decrypted passwords.
//!
//! `Debug` and `Display` print `[redacted]`, the bytes are zeroed on drop, and the only way to the
//! value is [`Secret::expose`], which makes every use easy to find in review.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// A string that never reaches logs, errors, panics or `Debug` output.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The value itself; call only where it is handed to AWS or written to a 0600 file.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let printed = format!("{secret:?} {secret} {:?}", Some(&secret));
        assert!(!printed.contains("wJalr"), "{printed}");
        assert!(printed.contains("[redacted]"));
        assert_eq!(secret.expose(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    }
}
