//! Real OpenPGP keys made with the system gpg in a temporary GNUPGHOME.

use base64::Engine;
use std::path::Path;
use std::process::{Command, Stdio};

pub const EMAIL: &str = "natasha.romanoff@example.com";

/// A GNUPGHOME holding a fresh key for natasha; its agent is stopped on drop.
pub struct Keyring {
    home: tempfile::TempDir,
}

impl Keyring {
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn new(passphrase: &str) -> Keyring {
        let home = tempfile::tempdir().unwrap();
        std::fs::set_permissions(
            home.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let keyring = Keyring { home };
        let uid = format!("Natasha Romanoff <{EMAIL}>");
        keyring.gpg(
            &[
                "--passphrase",
                passphrase,
                "--pinentry-mode",
                "loopback",
                "--quick-gen-key",
                &uid,
                "future-default",
                "default",
                "never",
            ],
            b"",
        );
        keyring
    }

    fn gpg(&self, args: &[&str], input: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut child = Command::new("gpg")
            .args(["--batch", "--quiet"])
            .args(args)
            .env("GNUPGHOME", self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpg is needed for these tests: apt-get install gnupg");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// The password encrypted to natasha's key and base64-encoded, as Terraform outputs it.
    pub fn encrypted(&self, text: &str) -> String {
        let binary = self.gpg(
            &["--trust-model", "always", "--recipient", EMAIL, "--encrypt"],
            text.as_bytes(),
        );
        base64::engine::general_purpose::STANDARD.encode(binary)
    }

    pub fn export_secret(&self, passphrase: &str, to: &Path) {
        let armored = self.gpg(
            &[
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                passphrase,
                "--armor",
                "--export-secret-keys",
                EMAIL,
            ],
            b"",
        );
        std::fs::write(to, armored).unwrap();
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.home.path())
            .status();
    }
}
