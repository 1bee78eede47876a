//! HCL files of the project (`*.tfvars`, `*.tf`): typed reads, and edits that keep every byte
//! the edit does not touch (comments, alignment, order), done by splicing the original text at
//! the spans hcl-edit's parser reports and re-parsing to prove the result is still valid HCL.

use super::{Account, ProjectError};
use crate::error::IoError;
use hcl_edit::Span;
use hcl_edit::expr::{Expression, Object, ObjectKey};
use hcl_edit::structure::Body;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// An HCL file: its text, and the parse of that text.
#[derive(Debug, Clone)]
pub struct HclFile {
    pub path: PathBuf,
    text: String,
    body: Body,
}

impl HclFile {
    pub fn read(path: &Path) -> Result<HclFile, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(IoError::on("read", path))?;
        HclFile::parse(path, text)
    }

    pub fn parse(path: &Path, text: String) -> Result<HclFile, ProjectError> {
        let body = hcl_edit::parser::parse_body(&text).map_err(|e| ProjectError::Malformed {
            path: path.to_path_buf(),
            message: format!(
                "line {}, column {}: {}",
                e.location().line(),
                e.location().column(),
                e.message()
            ),
        })?;
        Ok(HclFile {
            path: path.to_path_buf(),
            text,
            body,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn body(&self) -> &Body {
        &self.body
    }

    /// A top-level `key = true|false` (a quoted "true"/"false" too, as tfvars sometimes have).
    pub fn bool(&self, key: &str) -> Option<bool> {
        match &self.body.get_attribute(key)?.value {
            Expression::Bool(b) => Some(*b.value()),
            Expression::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// The string or number at a path of object keys, starting at a top-level attribute:
    /// `["organization", "accounts", "shared", "id"]`.
    pub fn value_at(&self, path: &[&str]) -> Option<String> {
        scalar_string(self.expression_at(path)?)
    }

    /// The keys of the object at `path`, in file order (empty when it is not an object).
    pub fn keys_at(&self, path: &[&str]) -> Vec<String> {
        self.expression_at(path)
            .and_then(Expression::as_object)
            .map(|o| o.iter().filter_map(|(k, _)| key_name(k)).collect())
            .unwrap_or_default()
    }

    fn expression_at(&self, path: &[&str]) -> Option<&Expression> {
        let (first, rest) = path.split_first()?;
        let mut expression = &self.body.get_attribute(first)?.value;
        for key in rest {
            expression = object_get(expression.as_object()?, key)?;
        }
        Some(expression)
    }

    /// A top-level attribute whose value is a plain string (`key = "value"`).
    pub fn string(&self, key: &str) -> Option<String> {
        self.body
            .get_attribute(key)
            .and_then(|a| a.value.as_str())
            .map(str::to_string)
    }

    /// The `accounts = { <name> = { email = "...", id = "..." } }` map, in file order.
    pub fn accounts(&self) -> Vec<Account> {
        let Some(Expression::Object(map)) = self.body.get_attribute("accounts").map(|a| &a.value)
        else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(key, value)| {
                let name = key_name(key)?;
                let fields = value.expr().as_object();
                let field = |f: &str| {
                    fields
                        .and_then(|o| object_get(o, f))
                        .and_then(scalar_string)
                };
                Some(Account {
                    name,
                    email: field("email"),
                    id: field("id"),
                })
            })
            .collect()
    }

    /// Sets `key = "value"` at the top level: in place when present, else appended at the end.
    pub fn set_top_level_string(&mut self, key: &str, value: &str) -> Result<(), ProjectError> {
        let literal = quote(value);
        if let Some(attribute) = self.body.get_attribute(key) {
            let span = self.span_of(&attribute.value)?;
            return self.splice(span, &literal);
        }
        let mut addition = String::new();
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            addition.push('\n');
        }
        addition.push_str(&format!("{key} = {literal}\n"));
        let end = self.text.len();
        self.splice(end..end, &addition)
    }

    /// A string attribute inside nested blocks, e.g. `terraform { backend "s3" { key = ... } }`
    /// with `path = [("terraform", &[]), ("backend", &["s3"])]`.
    pub fn block_string(&self, path: &[(&str, &[&str])], key: &str) -> Option<String> {
        self.block_body(path)?
            .get_attribute(key)?
            .value
            .as_str()
            .map(str::to_string)
    }

    fn block_body(&self, path: &[(&str, &[&str])]) -> Option<&Body> {
        let mut body = &self.body;
        for (ident, labels) in path {
            body = &body
                .blocks()
                .find(|b| b.has_ident(ident) && b.has_exact_labels(labels))?
                .body;
        }
        Some(body)
    }

    /// Sets an existing `key = true|false` in the nested block at `path` to `value`, keeping the
    /// rest of the line (alignment, trailing comment). `Ok(None)` when the block or the attribute
    /// is missing, else whether the text changed.
    pub fn set_block_bool(
        &mut self,
        path: &[(&str, &[&str])],
        key: &str,
        value: bool,
    ) -> Result<Option<bool>, ProjectError> {
        let Some(attribute) = self.block_body(path).and_then(|b| b.get_attribute(key)) else {
            return Ok(None);
        };
        if attribute.value.as_bool() == Some(value) {
            return Ok(Some(false));
        }
        let span = self.span_of(&attribute.value)?;
        self.splice(span, if value { "true" } else { "false" })?;
        Ok(Some(true))
    }

    /// Adds `key = "value"` as the last attribute of the nested block at `path`, indented like
    /// its siblings. `Ok(false)` when the attribute is already there or the block is missing.
    pub fn add_block_string(
        &mut self,
        path: &[(&str, &[&str])],
        key: &str,
        value: &str,
    ) -> Result<bool, ProjectError> {
        let Some(((last_ident, last_labels), parents)) = path.split_last() else {
            return Ok(false);
        };
        let Some(parent) = self.block_body(parents) else {
            return Ok(false);
        };
        let Some(block) = parent
            .blocks()
            .find(|b| b.has_ident(last_ident) && b.has_exact_labels(last_labels))
        else {
            return Ok(false);
        };
        if block.body.has_attribute(key) {
            return Ok(false);
        }
        let close = block.span().ok_or_else(|| self.no_span())?.end - 1;
        let indent = block
            .body
            .iter()
            .next()
            .and_then(|structure| structure.span())
            .map(|s| line_indent(&self.text, s.start))
            .unwrap_or_else(|| format!("{}  ", line_indent(&self.text, close)));
        let (range, text) =
            self.insert_before_brace(close, &[format!("{indent}{key} = {}", quote(value))]);
        self.splice(range, &text)?;
        Ok(true)
    }

    /// Records account ids as upstream does, in one edit: `<name>_account_id = "<id>"` (updated in
    /// place, or added after the last such attribute) and the `accounts` map (an `id` set or added
    /// in each entry, entries added for new accounts, shaped like their neighbours). Accounts
    /// without an id are left out. Returns whether the text changed.
    pub fn record_account_ids(&mut self, accounts: &[Account]) -> Result<bool, ProjectError> {
        let known: Vec<KnownAccount> = accounts
            .iter()
            .filter_map(|a| {
                a.id.as_deref()
                    .map(|id| (a.name.as_str(), a.email.as_deref(), id))
            })
            .collect();
        let mut splices = self.account_id_splices(&known)?;
        splices.extend(self.accounts_map_splices(&known)?);
        if splices.is_empty() {
            return Ok(false);
        }
        // Apply from the end so earlier offsets stay valid; equal offsets keep their order.
        splices.sort_by_key(|(range, _)| range.start);
        let mut text = self.text.clone();
        for (range, replacement) in splices.into_iter().rev() {
            text.replace_range(range, &replacement);
        }
        *self = HclFile::parse(&self.path, text)?;
        Ok(true)
    }

    /// `<name>_account_id = "<id>"`: changed in place, or added after the last such attribute.
    fn account_id_splices(&self, known: &[KnownAccount]) -> Result<Vec<Splice>, ProjectError> {
        let mut splices = Vec::new();
        let mut missing = Vec::new();
        for (name, _, id) in known {
            match self.body.get_attribute(&format!("{name}_account_id")) {
                Some(attribute) if attribute.value.as_str() == Some(*id) => {}
                Some(attribute) => splices.push((self.span_of(&attribute.value)?, quote(id))),
                None => missing.push(format!("{name}_account_id = {}", quote(id))),
            }
        }
        if missing.is_empty() {
            return Ok(splices);
        }
        let anchor = self
            .body
            .attributes()
            .filter(|a| a.key.as_str().ends_with("_account_id"))
            .last()
            .or_else(|| self.body.get_attribute("accounts"));
        let at = match anchor.and_then(|a| a.span()) {
            Some(span) => self.text[span.end..]
                .find('\n')
                .map_or(self.text.len(), |i| span.end + i),
            None => self.text.len(),
        };
        let addition =
            if at == self.text.len() && (self.text.is_empty() || self.text.ends_with('\n')) {
                format!("{}\n", missing.join("\n"))
            } else {
                format!("\n{}", missing.join("\n"))
            };
        splices.push((at..at, addition));
        Ok(splices)
    }

    /// The `accounts` map: an `id` set or added in each entry, entries added for new accounts.
    fn accounts_map_splices(&self, known: &[KnownAccount]) -> Result<Vec<Splice>, ProjectError> {
        let Some(Expression::Object(map)) = self.body.get_attribute("accounts").map(|a| &a.value)
        else {
            return Ok(Vec::new());
        };
        let mut splices = Vec::new();
        let mut new_entries = Vec::new();
        for account in known {
            let (name, _, id) = *account;
            let entry = map
                .iter()
                .find(|(k, _)| key_name(k).as_deref() == Some(name))
                .map(|(_, v)| v.expr());
            match entry {
                Some(Expression::Object(fields)) => match object_get(fields, "id") {
                    Some(current) if scalar_string(current).as_deref() == Some(id) => {}
                    Some(current) => splices.push((self.span_of(current)?, quote(id))),
                    None => {
                        let close = self.span_of_object(fields)?.end - 1;
                        let indent = field_indent(&self.text, fields, close);
                        let line = format!("{indent}id = {}", quote(id));
                        splices.push(self.insert_before_brace(close, &[line]));
                    }
                },
                Some(_) => {} // not an object: not ours to guess at
                None => new_entries.push(*account),
            }
        }
        if !new_entries.is_empty() {
            let close = self.span_of_object(map)?.end - 1;
            let entry_indent = field_indent(&self.text, map, close);
            let lines = new_entries_lines(&new_entries, &entry_indent, &indent_unit(&self.text));
            splices.push(self.insert_before_brace(close, &lines));
        }
        Ok(splices)
    }

    /// A splice that puts `lines` on their own lines just before the `}` at byte `close`.
    fn insert_before_brace(&self, close: usize, lines: &[String]) -> (Range<usize>, String) {
        let before = self.text[..close].trim_end_matches([' ', '\t']);
        let start = before.len();
        let separator = if before.ends_with('\n') || before.is_empty() {
            ""
        } else {
            "\n"
        };
        let closing_indent = line_indent(&self.text, close);
        (
            start..close,
            format!("{separator}{}\n{closing_indent}", lines.join("\n")),
        )
    }

    fn span_of(&self, expression: &Expression) -> Result<Range<usize>, ProjectError> {
        expression.span().ok_or_else(|| self.no_span())
    }

    fn span_of_object(&self, object: &Object) -> Result<Range<usize>, ProjectError> {
        object.span().ok_or_else(|| self.no_span())
    }

    fn no_span(&self) -> ProjectError {
        ProjectError::Malformed {
            path: self.path.clone(),
            message: "internal: the HCL parser gave no position for an edit".into(),
        }
    }

    /// Replaces `range` of the text and re-parses, so a bad edit can never be written out.
    fn splice(&mut self, range: Range<usize>, replacement: &str) -> Result<(), ProjectError> {
        let mut text = self.text.clone();
        text.replace_range(range, replacement);
        *self = HclFile::parse(&self.path, text)?;
        Ok(())
    }
}

fn object_get<'a>(object: &'a Object, field: &str) -> Option<&'a Expression> {
    object
        .iter()
        .find(|(k, _)| key_name(k).as_deref() == Some(field))
        .map(|(_, v)| v.expr())
}

fn key_name(key: &ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
        ObjectKey::Expression(expr) => expr.as_str().map(str::to_string),
    }
}

/// Account ids are sometimes written as numbers; both read as the same string.
fn scalar_string(expression: &Expression) -> Option<String> {
    match expression {
        Expression::String(s) => Some(s.as_str().to_string()),
        Expression::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The whitespace that starts the line holding byte `at`.
fn line_indent(text: &str, at: usize) -> String {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The indentation of an object's existing fields when they stand on their own lines, else one
/// indentation step (the file's own) deeper than its closing brace's line.
fn field_indent(text: &str, object: &Object, close: usize) -> String {
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    object
        .iter()
        .next()
        .and_then(|(k, _)| k.span())
        .filter(|s| line_start(s.start) != line_start(close))
        .map(|s| line_indent(text, s.start))
        .unwrap_or_else(|| format!("{}{}", line_indent(text, close), indent_unit(text)))
}

/// One step of the file's indentation: its smallest leading run of spaces, or a tab; two
/// spaces (terraform fmt's) when nothing is indented.
fn indent_unit(text: &str) -> String {
    let leading = |line: &str| -> String {
        line.chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    };
    let indents: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(leading)
        .filter(|i| !i.is_empty())
        .collect();
    if indents.iter().any(|i| i.starts_with('\t')) {
        return "\t".into();
    }
    indents
        .into_iter()
        .min_by_key(String::len)
        .unwrap_or_else(|| "  ".into())
}

/// An account with a known id: name, e-mail, id.
type KnownAccount<'a> = (&'a str, Option<&'a str>, &'a str);

/// A byte range of the text and what replaces it.
type Splice = (Range<usize>, String);

/// New `accounts` entries, shaped like the map's others.
fn new_entries_lines(entries: &[KnownAccount], indent: &str, unit: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, email, id) in entries {
        let key = if is_identifier(name) {
            name.to_string()
        } else {
            quote(name)
        };
        lines.push(format!("{indent}{key} = {{"));
        if let Some(email) = email {
            lines.push(format!("{indent}{unit}email = {}", quote(email)));
        }
        lines.push(format!("{indent}{unit}id    = {}", quote(id)));
        lines.push(format!("{indent}}}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: &str = r#"# Project
project      = "bb"
project_long = "binbash"

region_primary = "us-east-1" # main

accounts = {
  # the root of the organization
  management = {
    email = "aws+management@binbash.com.ar",
    id    = "111111111111"
  },
  security = {
    email = "aws+security@binbash.com.ar"
  }
}
management_account_id = "111111111111"
"#;

    fn file(text: &str) -> HclFile {
        HclFile::parse(Path::new("common.tfvars"), text.to_string()).unwrap()
    }

    #[test]
    fn reads_strings_and_the_accounts_map() {
        let hcl = file(COMMON);
        assert_eq!(hcl.string("project").as_deref(), Some("bb"));
        assert_eq!(hcl.string("nope"), None);
        let accounts = hcl.accounts();
        assert_eq!(accounts.len(), 2);
        assert_eq!(
            accounts[0],
            Account {
                name: "management".into(),
                email: Some("aws+management@binbash.com.ar".into()),
                id: Some("111111111111".into())
            }
        );
        assert_eq!(accounts[1].id, None);
    }

    #[test]
    fn malformed_hcl_names_the_file_line_and_column() {
        let error = HclFile::parse(
            Path::new("/p/config/common.tfvars"),
            "project = \"bb\"\nregion = = 1\n".into(),
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("/p/config/common.tfvars: line 2, column"),
            "{message}"
        );
    }

    #[test]
    fn setting_an_existing_attribute_changes_only_its_value() {
        let mut hcl = file(COMMON);
        hcl.set_top_level_string("management_account_id", "222222222222")
            .unwrap();
        assert_eq!(
            hcl.text(),
            COMMON.replace(
                "management_account_id = \"111111111111\"",
                "management_account_id = \"222222222222\""
            )
        );
    }

    #[test]
    fn account_ids_are_recorded_in_place_and_new_ones_added() {
        let mut hcl = file(COMMON);
        let account = |name: &str, email: Option<&str>, id: Option<&str>| Account {
            name: name.into(),
            email: email.map(str::to_string),
            id: id.map(str::to_string),
        };
        let changed = hcl
            .record_account_ids(&[
                account("management", None, Some("111111111111")),
                account("security", None, Some("333333333333")),
                account(
                    "apps-devstg",
                    Some("aws+apps-devstg@binbash.com.ar"),
                    Some("444444444444"),
                ),
                account("network", None, None),
            ])
            .unwrap();
        assert!(changed);
        let expected = COMMON
            .replace(
                "    email = \"aws+security@binbash.com.ar\"\n  }\n}",
                "    email = \"aws+security@binbash.com.ar\"\n    id = \"333333333333\"\n  }\n  apps-devstg = {\n    email = \"aws+apps-devstg@binbash.com.ar\"\n    id    = \"444444444444\"\n  }\n}",
            )
            .replace(
                "management_account_id = \"111111111111\"\n",
                "management_account_id = \"111111111111\"\nsecurity_account_id = \"333333333333\"\napps-devstg_account_id = \"444444444444\"\n",
            );
        assert_eq!(hcl.text(), expected);
        let ids: Vec<String> = hcl
            .accounts()
            .iter()
            .map(|a| a.id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["111111111111", "333333333333", "444444444444"]);
        assert!(
            !hcl.record_account_ids(&[account("security", None, Some("333333333333"))])
                .unwrap(),
            "a second run changes nothing"
        );
    }

    #[test]
    fn an_attribute_is_added_to_a_nested_block_once() {
        let text = "terraform {\n  required_version = \"~> 1.6\"\n\n  backend \"s3\" {\n    # partial\n    encrypt = true\n  }\n}\n";
        let mut hcl = file(text);
        let backend: &[(&str, &[&str])] = &[("terraform", &[]), ("backend", &["s3"])];
        assert_eq!(hcl.block_string(backend, "key"), None);
        assert!(
            hcl.add_block_string(backend, "key", "a/b/terraform.tfstate")
                .unwrap()
        );
        assert_eq!(
            hcl.text(),
            text.replace(
                "encrypt = true\n",
                "encrypt = true\n    key = \"a/b/terraform.tfstate\"\n"
            )
        );
        assert_eq!(
            hcl.block_string(backend, "key").as_deref(),
            Some("a/b/terraform.tfstate")
        );
        assert!(!hcl.add_block_string(backend, "key", "other").unwrap());
        assert!(
            !hcl.add_block_string(&[("terraform", &[]), ("backend", &["gcs"])], "key", "x")
                .unwrap()
        );
    }

    #[test]
    fn an_empty_block_gets_an_indented_attribute() {
        let mut hcl = file("terraform {\n  backend \"s3\" {}\n}\n");
        let backend: &[(&str, &[&str])] = &[("terraform", &[]), ("backend", &["s3"])];
        assert!(hcl.add_block_string(backend, "key", "k").unwrap());
        assert_eq!(
            hcl.text(),
            "terraform {\n  backend \"s3\" {\n    key = \"k\"\n  }\n}\n"
        );
    }

    #[test]
    fn a_changed_id_replaces_only_the_old_value() {
        let mut hcl = file(COMMON);
        hcl.record_account_ids(&[Account {
            name: "management".into(),
            email: None,
            id: Some("999999999999".into()),
        }])
        .unwrap();
        assert_eq!(hcl.text(), COMMON.replace("111111111111", "999999999999"));
    }

    #[test]
    fn inserted_lines_follow_the_files_own_indentation() {
        let text = "accounts = {\n    management = { email = \"m@x\" }\n}\n";
        let mut hcl = file(text);
        let account = |name: &str, id: &str| Account {
            name: name.into(),
            email: Some(format!("{name}@x")),
            id: Some(id.into()),
        };
        hcl.record_account_ids(&[
            account("management", "111111111111"),
            account("security", "222222222222"),
        ])
        .unwrap();
        insta::assert_snapshot!(hcl.text(), @r#"
        accounts = {
            management = { email = "m@x"
                id = "111111111111"
            }
            security = {
                email = "security@x"
                id    = "222222222222"
            }
        }
        management_account_id = "111111111111"
        security_account_id = "222222222222"
        "#);
    }
}
