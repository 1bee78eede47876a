//! `project.yaml`: the optional project description `leverage project init` writes (SPEC §1, §7).

use super::{Account, ProjectError};
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
        let text = std::fs::read_to_string(path).map_err(|source| ProjectError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text).map_err(|message| ProjectError::Malformed { path: path.to_path_buf(), message })
    }

    pub fn parse(text: &str) -> Result<ProjectYaml, String> {
        if text.trim().is_empty() {
            return Ok(ProjectYaml::default());
        }
        serde_norway::from_str(text).map_err(|e| match e.location() {
            Some(at) => format!("line {}, column {}: {}", at.line(), at.column(), strip_location(&e.to_string())),
            None => e.to_string(),
        })
    }

    pub fn accounts(&self) -> Vec<Account> {
        let accounts = self.organization.as_ref().map(|o| o.accounts.as_slice()).unwrap_or_default();
        accounts.iter().map(|a| Account { name: a.name.clone(), email: a.email.clone(), id: a.id.as_ref().and_then(account_id) }).collect()
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

/// serde_norway appends " at line X column Y"; we print the position first instead.
fn strip_location(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}
