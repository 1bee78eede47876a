//! Access keys: their shape, and the CSV the AWS console downloads.

use crate::aws::AwsKeys;
use crate::error::{Diagnostic, IoError};
use crate::ui::Secret;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("the access keys file {} is not a valid CSV file: {message}", path.display())]
    NotCsv { path: PathBuf, message: String },
    #[error(
        "the access keys file {} lacks the columns `Access key ID` and `Secret access key`",
        path.display()
    )]
    MissingColumns { path: PathBuf },
    #[error("the access keys file {} has no keys under its header", path.display())]
    NoKeys { path: PathBuf },
    #[error("the access keys file {} holds a malformed {what}: {why}", path.display())]
    Malformed {
        path: PathBuf,
        what: &'static str,
        why: String,
    },
}

impl Diagnostic for KeysError {
    fn hint(&self) -> Option<String> {
        if let KeysError::Io(error) = self {
            return error.hint();
        }
        Some(
            "use the .csv file the AWS console offers when you create an access key \
             (IAM > Users > Security credentials)"
                .into(),
        )
    }
}

/// `^[A-Z0-9]{20}$`, with the reason when not.
pub fn check_key_id(value: &str) -> Result<(), String> {
    if value.len() == 20
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(format!(
            "an access key id is 20 upper-case letters and digits (got {} characters)",
            value.len()
        ))
    }
}

/// `^[a-zA-Z0-9/+]{40}$`, with the reason when not; the value itself is never in the reason.
pub fn check_secret(value: &str) -> Result<(), String> {
    if value.len() == 40
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
    {
        Ok(())
    } else {
        Err(format!(
            "a secret access key is 40 letters, digits, '/' or '+' (got {} characters)",
            value.chars().count()
        ))
    }
}

/// The first key pair of an AWS console CSV (`Access key ID,Secret access key`, maybe with
/// `User name` and other columns, a UTF-8 BOM, CRLF line ends).
pub fn read_keys_file(path: &Path) -> Result<AwsKeys, KeysError> {
    let bytes = std::fs::read(path).map_err(IoError::on("read the access keys file", path))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let not_csv = |message: String| KeysError::NotCsv {
        path: path.to_path_buf(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| not_csv("it is not UTF-8 text".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| not_csv(e.to_string()))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(key_column), Some(secret_column)) =
        (column("Access key ID"), column("Secret access key"))
    else {
        return Err(KeysError::MissingColumns {
            path: path.to_path_buf(),
        });
    };
    let record = reader
        .records()
        .next()
        .ok_or_else(|| KeysError::NoKeys {
            path: path.to_path_buf(),
        })?
        .map_err(|e| not_csv(e.to_string()))?;
    let key_id = record.get(key_column).unwrap_or_default().to_string();
    let secret = Secret::new(record.get(secret_column).unwrap_or_default());
    check_key_id(&key_id).map_err(|why| KeysError::Malformed {
        path: path.to_path_buf(),
        what: "access key id",
        why,
    })?;
    check_secret(secret.expose()).map_err(|why| KeysError::Malformed {
        path: path.to_path_buf(),
        what: "secret access key",
        why,
    })?;
    Ok(AwsKeys {
        access_key_id: key_id,
        secret_access_key: secret,
        session_token: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn csv_file(content: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("natasha_accessKeys.csv");
        std::fs::write(&path, content).unwrap();
        (dir, path)
    }

    #[test]
    fn console_csv_files_are_read_with_or_without_bom_and_crlf() {
        for content in [
            format!("Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,{SECRET}\n"),
            format!("\u{feff}Access key ID,Secret access key\r\nAKIAIOSFODNN7EXAMPLE,{SECRET}\r\n"),
            format!(
                "User name,Access key ID,Secret access key\nnatasha,AKIAIOSFODNN7EXAMPLE,{SECRET}"
            ),
        ] {
            let (_dir, path) = csv_file(content.as_bytes());
            let keys = read_keys_file(&path).unwrap();
            assert_eq!(keys.access_key_id, "AKIAIOSFODNN7EXAMPLE");
            assert_eq!(keys.secret_access_key.expose(), SECRET);
        }
    }

    #[test]
    fn bad_files_say_what_is_wrong_without_the_secret() {
        let cases: [(&str, &str); 4] = [
            (
                "Key,Secret\nAKIAIOSFODNN7EXAMPLE,x\n",
                "lacks the columns `Access key ID` and `Secret access key`",
            ),
            (
                "Access key ID,Secret access key\n",
                "has no keys under its header",
            ),
            (
                "Access key ID,Secret access key\nakia,x\n",
                "malformed access key id: an access key id is 20",
            ),
            (
                "Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI-K7MDENG\n",
                "malformed secret access key",
            ),
        ];
        for (content, expected) in cases {
            let (_dir, path) = csv_file(content.as_bytes());
            let message = read_keys_file(&path).unwrap_err().to_string();
            assert!(message.contains(expected), "{message}");
            assert!(!message.contains("wJalr"), "{message}");
        }
        let (_dir, path) =
            csv_file(b"Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,x,unexpected\n");
        assert!(
            read_keys_file(&path)
                .unwrap_err()
                .to_string()
                .contains("is not a valid CSV file")
        );
    }
}
