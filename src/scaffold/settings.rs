//! project.yaml as `project create` needs it: every field the template relies on checked before a
//! file is written, and the whole file kept as the values the templates render with.

use super::ScaffoldError;
use serde_norway::{Mapping, Value as Yaml};
use std::path::Path;

/// The accounts upstream's fixed structure has directories for.
pub const FIXED_ACCOUNTS: [&str; 3] = ["management", "security", "shared"];

const PROJECT_NAME_RULE: &str =
    "3 to 25 lowercase letters, digits or hyphens, starting and ending with a letter or digit";
const SHORT_NAME_RULE: &str = "2 to 4 lowercase letters";
const REGION_RULE: &str = "an AWS region such as us-east-1";
const ACCOUNT_NAME_RULE: &str = "1 to 50 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen";
const EMAIL_RULE: &str = "an e-mail address such as aws+security@example.com";
const ACCOUNT_ID_RULE: &str = "an AWS account id, 12 digits (quote it when it starts with 0)";
const ACCOUNTS_RULE: &str = "a list of accounts, each with a name and an email";

/// The checked settings, and the file's values for the templates.
#[derive(Debug, Clone)]
pub struct Settings {
    pub primary_region: String,
    /// organization.accounts names, in the file's order.
    pub accounts: Vec<String>,
    /// All of project.yaml, plus `terraform_image_tag: ""` when it is not set (as upstream).
    pub context: minijinja::Value,
}

impl Settings {
    pub fn read(path: &Path) -> Result<Settings, ScaffoldError> {
        let text = std::fs::read_to_string(path).map_err(ScaffoldError::io("read", path))?;
        let yaml = crate::project::ProjectYaml::parse_value(&text).map_err(|message| {
            ScaffoldError::MalformedYaml {
                path: path.to_path_buf(),
                message,
            }
        })?;
        Settings::check(yaml)
    }

    pub fn check(yaml: Yaml) -> Result<Settings, ScaffoldError> {
        // An empty file is a mapping with nothing in it: the first missing key is named.
        let yaml = match yaml {
            Yaml::Null => Yaml::Mapping(Default::default()),
            other => other,
        };
        let Yaml::Mapping(mut map) = yaml else {
            return Err(invalid("(the whole file)", &yaml, "a mapping of settings"));
        };
        text_matching(&map, "project_name", PROJECT_NAME_RULE, is_project_name)?;
        text_matching(&map, "short_name", SHORT_NAME_RULE, is_short_name)?;
        let primary_region = text_matching(&map, "primary_region", REGION_RULE, is_region)?;
        if map.contains_key("secondary_region") {
            text_matching(&map, "secondary_region", REGION_RULE, is_region)?;
        }
        let accounts = accounts(&map)?;
        if !map.contains_key("terraform_image_tag") {
            map.insert("terraform_image_tag".into(), Yaml::String(String::new()));
        }
        Ok(Settings {
            primary_region,
            accounts,
            context: minijinja::Value::from(minijinja::value::Serde(&Yaml::Mapping(map))),
        })
    }
}

fn accounts(map: &Mapping) -> Result<Vec<String>, ScaffoldError> {
    let key = "organization.accounts";
    let list = map
        .get("organization")
        .and_then(|o| o.get("accounts"))
        .ok_or(ScaffoldError::MissingKey {
            key: key.into(),
            rule: ACCOUNTS_RULE,
        })?;
    let Yaml::Sequence(list) = list else {
        return Err(invalid(key, list, ACCOUNTS_RULE));
    };
    let mut names: Vec<String> = Vec::new();
    for (index, account) in list.iter().enumerate() {
        let at = format!("{key}[{index}]");
        let Yaml::Mapping(account) = account else {
            return Err(invalid(&at, account, ACCOUNTS_RULE));
        };
        let name = text_matching(account, "name", ACCOUNT_NAME_RULE, is_account_name)
            .map_err(|e| prefixed(e, &at))?;
        let at = format!("{at} ({name})");
        text_matching(account, "email", EMAIL_RULE, is_email).map_err(|e| prefixed(e, &at))?;
        if let Some(id) = account.get("id").filter(|id| !id.is_null()) {
            let twelve_digits = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
            let ok = match id {
                Yaml::String(s) => twelve_digits(s),
                Yaml::Number(n) => n.as_u64().is_some_and(|n| twelve_digits(&n.to_string())),
                _ => false,
            };
            if !ok {
                return Err(invalid(&format!("{at}.id"), id, ACCOUNT_ID_RULE));
            }
        }
        if names.contains(&name) {
            return Err(invalid(
                &format!("{at}.name"),
                &Yaml::String(name),
                "account names must be unique",
            ));
        }
        names.push(name);
    }
    if let Some(missing) = FIXED_ACCOUNTS
        .iter()
        .find(|a| !names.iter().any(|n| n == *a))
    {
        return Err(ScaffoldError::MissingKey {
            key: format!("{key} entry named {missing}"),
            rule: "the template needs the management, security and shared accounts",
        });
    }
    Ok(names)
}

/// The text under `key`, when it follows `rule`.
fn text_matching(
    map: &Mapping,
    key: &str,
    rule: &'static str,
    ok: fn(&str) -> bool,
) -> Result<String, ScaffoldError> {
    match map.get(key) {
        None | Some(Yaml::Null) => Err(ScaffoldError::MissingKey {
            key: key.into(),
            rule,
        }),
        Some(Yaml::String(s)) if ok(s) => Ok(s.clone()),
        Some(other) => Err(invalid(key, other, rule)),
    }
}

fn invalid(key: &str, value: &Yaml, rule: &'static str) -> ScaffoldError {
    let value = match value {
        Yaml::String(s) => format!("{s:?}"),
        other => serde_norway::to_string(other)
            .map(|s| s.trim_end().replace('\n', " "))
            .unwrap_or_else(|_| "(unprintable)".into()),
    };
    ScaffoldError::Invalid {
        key: key.into(),
        value,
        rule,
    }
}

/// Puts the account's position in front of the key an account field error names.
fn prefixed(error: ScaffoldError, at: &str) -> ScaffoldError {
    match error {
        ScaffoldError::Invalid { key, value, rule } => ScaffoldError::Invalid {
            key: format!("{at}.{key}"),
            value,
            rule,
        },
        ScaffoldError::MissingKey { key, rule } => ScaffoldError::MissingKey {
            key: format!("{at}.{key}"),
            rule,
        },
        other => other,
    }
}

fn lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `^[a-z0-9]([a-z0-9]|-){1,23}[a-z0-9]$`, upstream's rule.
pub fn is_project_name(s: &str) -> bool {
    let b = s.as_bytes();
    (3..=25).contains(&b.len())
        && lower_alnum(b[0])
        && lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| lower_alnum(c) || c == b'-')
}

/// `^[a-z]{2,4}$`, upstream's rule.
pub fn is_short_name(s: &str) -> bool {
    (2..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// `<2 letters>[-gov|-iso…]-<direction>-<digits>`, e.g. us-east-1, us-gov-west-1, eu-central-2.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let letters = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [area, direction, number] => {
            area.len() == 2 && letters(area) && letters(direction) && digits(number)
        }
        [area, partition, direction, number] => {
            area.len() == 2
                && letters(area)
                && (*partition == "gov" || partition.starts_with("iso") && letters(partition))
                && letters(direction)
                && digits(number)
        }
        _ => false,
    }
}

/// A directory name and a Terraform key: `^[a-z]([a-z0-9-]{0,48}[a-z0-9])?$`.
pub fn is_account_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 50
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1] != b'-'
        && b.iter().all(|&c| lower_alnum(c) || c == b'-')
}

/// `local@domain.tld` with the characters AWS accepts; the `<...>` placeholders fail.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    s.len() <= 64 && local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_accept_and_refuse() {
        assert!(is_project_name("binbash") && is_project_name("a-1") && !is_project_name("-ab"));
        assert!(
            !is_project_name("<project name>")
                && !is_project_name("ab")
                && !is_project_name(&"a".repeat(26))
        );
        assert!(
            is_short_name("bb")
                && !is_short_name("b")
                && !is_short_name("bbbbb")
                && !is_short_name("b1")
        );
        assert!(
            is_region("us-east-1") && is_region("us-gov-west-1") && is_region("us-isob-east-1")
        );
        assert!(!is_region("us-east") && !is_region("useast1") && !is_region("US-EAST-1"));
        assert!(
            is_account_name("apps-devstg") && !is_account_name("Apps") && !is_account_name("a-")
        );
        assert!(is_email("aws+security@example.com") && !is_email("<aws+management@example.com>"));
        assert!(!is_email("a@b") && !is_email("a b@c.de"));
    }
}
