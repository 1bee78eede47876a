//! `project.yaml`: the optional project description `leverage project init` writes.

use super::{Account, ProjectError};
use crate::error::IoError;
use serde::Deserialize;
use std::path::Path;

/// The fields leverage reads; anything else in the file is left alone.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ProjectYaml {
    pub project_name: Option<String>,
    pub short_name: Option<String>,
    pub primary_region: Option<String>,
    pub secondary_region: Option<String>,
    #[serde(default)]
    pub organization: Option<Organization>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct Organization {
    #[serde(default)]
    pub accounts: Vec<YamlAccount>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct YamlAccount {
    pub name: String,
    pub email: Option<String>,
    /// A string, or a number when written unquoted (which drops leading zeros).
    pub id: Option<serde_norway::Value>,
}

impl ProjectYaml {
    pub fn read(path: &Path) -> Result<ProjectYaml, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(IoError::on("read", path))?;
        Self::parse(&text).map_err(|message| ProjectError::Malformed {
            path: path.to_path_buf(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<ProjectYaml, String> {
        if text.trim().is_empty() {
            return Ok(ProjectYaml::default());
        }
        serde_norway::from_str(text).map_err(describe)
    }

    /// The whole file as YAML values, for commands that need more than the fields above.
    pub fn parse_value(text: &str) -> Result<serde_norway::Value, String> {
        serde_norway::from_str(text).map_err(describe)
    }

    pub fn accounts(&self) -> Vec<Account> {
        let accounts = self
            .organization
            .as_ref()
            .map(|o| o.accounts.as_slice())
            .unwrap_or_default();
        accounts
            .iter()
            .map(|a| Account {
                name: a.name.clone(),
                email: a.email.clone(),
                id: a.id.as_ref().and_then(account_id),
            })
            .collect()
    }
}

/// AWS account ids are 12 digits; an unquoted YAML number lost its leading zeros, so pad it back.
fn account_id(value: &serde_norway::Value) -> Option<String> {
    match value {
        serde_norway::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_norway::Value::Number(n) => n.as_u64().map(|n| format!("{n:012}")),
        _ => None,
    }
}

fn describe(e: serde_norway::Error) -> String {
    match e.location() {
        Some(at) => format!(
            "line {}, column {}: {}",
            at.line(),
            at.column(),
            strip_location(&e.to_string())
        ),
        None => e.to_string(),
    }
}

/// serde_norway appends " at line X column Y"; we print the position first instead.
fn strip_location(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

/// Sets the `id` of account `name` under `organization.accounts`, editing the text in place so
/// comments and layout survive (no YAML crate writes them back). `Ok(None)` when the account is
/// not listed; `Err` when the file does not have the expected shape, which is then left alone.
pub fn set_account_id(text: &str, name: &str, id: &str) -> Result<Option<String>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let is_name_line = |line: &str| {
        let item = line.trim_start().trim_start_matches('-').trim_start();
        item.strip_prefix("name:").map(|v| {
            v.split(" #")
                .next()
                .unwrap_or(v)
                .trim()
                .trim_matches(['"', '\''])
        }) == Some(name)
    };
    let Some(index) = lines.iter().position(|l| is_name_line(l)) else {
        return Ok(None);
    };
    let key_indent = lines[index].find("name:").unwrap_or(0);
    let quoted = format!("\"{id}\"");
    let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut replaced = false;
    for (j, line) in lines.iter().enumerate().skip(index + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent < key_indent || (indent == key_indent && trimmed.starts_with('-')) {
            break;
        }
        if indent == key_indent && trimmed.starts_with("id:") {
            edited[j] = format!("{}id: {quoted}", &line[..indent]);
            replaced = true;
            break;
        }
    }
    if !replaced {
        edited.insert(index + 1, format!("{}id: {quoted}", " ".repeat(key_indent)));
    }
    let mut result = edited.join("\n");
    if text.ends_with('\n') {
        result.push('\n');
    }
    let check =
        ProjectYaml::parse(&result).map_err(|e| format!("the edit would break the file ({e})"))?;
    match check.accounts().iter().find(|a| a.name == name) {
        Some(account) if account.id.as_deref() == Some(id) => Ok(Some(result)),
        _ => Err(format!(
            "account `{name}` is not where leverage expects it (organization.accounts)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "# mine\nproject_name: binbash\norganization:\n  accounts:\n    - name: management   # root\n      email: m@x.y\n    - name: security\n      email: s@x.y\n      id: \"222222222222\"\n";

    #[test]
    fn a_missing_id_is_inserted_under_the_name() {
        let edited = set_account_id(YAML, "management", "111111111111")
            .unwrap()
            .unwrap();
        assert_eq!(
            edited,
            YAML.replace("# root\n", "# root\n      id: \"111111111111\"\n")
        );
    }

    #[test]
    fn an_existing_id_is_replaced() {
        let edited = set_account_id(YAML, "security", "333333333333")
            .unwrap()
            .unwrap();
        assert_eq!(edited, YAML.replace("222222222222", "333333333333"));
    }

    #[test]
    fn an_unlisted_account_or_an_odd_shape_changes_nothing() {
        assert_eq!(set_account_id(YAML, "shared", "1").unwrap(), None);
        let odd = "name: management\nemail: m@x.y\n";
        assert!(set_account_id(odd, "management", "111111111111").is_err());
    }
}
