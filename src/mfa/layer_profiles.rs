//! The AWS profiles a layer uses: every `profile = ...` in its `config.tf` and
//! `locals.tf`, read as HCL, with `var.profile` and `var.project` resolved the way the project
//! defines them; values leverage cannot know (`lookup(...)`, `local.x`) are skipped.

use crate::project::{HclFile, ProjectError};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Body;
use hcl_edit::template::Element;
use std::path::Path;

/// What `var.*` means while reading a layer.
pub struct Variables<'a> {
    /// `var.project`: the short name.
    pub project: &'a str,
    /// `var.profile`: the account's backend.tfvars `profile`.
    pub profile: Option<&'a str>,
}

/// What a layer's files name.
#[derive(Debug, Default)]
pub struct LayerProfiles {
    /// Profile names in file order, without duplicates.
    pub profiles: Vec<String>,
    /// Files leverage could not read (Terraform accepts some HCL our parser refuses, such as
    /// repeated keys in an object): they name nothing, and the caller says what that means.
    pub unread: Vec<ProjectError>,
}

pub fn layer_profiles(layer_dir: &Path, vars: &Variables) -> LayerProfiles {
    let mut found = LayerProfiles::default();
    for file in ["config.tf", "locals.tf"] {
        let path = layer_dir.join(file);
        if !path.is_file() {
            continue;
        }
        match HclFile::read(&path) {
            Ok(hcl) => collect(hcl.body(), vars, &mut found.profiles),
            Err(error) => found.unread.push(error),
        }
    }
    found
}

fn collect(body: &Body, vars: &Variables, out: &mut Vec<String>) {
    for attribute in body.attributes() {
        if attribute.key.as_str() == "profile"
            && let Some(value) = evaluate(&attribute.value, vars)
            && !out.contains(&value)
        {
            out.push(value);
        }
    }
    for block in body.blocks() {
        collect(&block.body, vars, out);
    }
}

/// A string literal, `var.profile`/`var.project`, or a template made only of those.
fn evaluate(expression: &Expression, vars: &Variables) -> Option<String> {
    match expression {
        Expression::String(s) => Some(s.as_str().to_string()),
        Expression::Traversal(_) => variable(expression, vars),
        Expression::StringTemplate(template) => {
            let mut value = String::new();
            for element in template.iter() {
                match element {
                    Element::Literal(literal) => value.push_str(literal.as_str()),
                    Element::Interpolation(interpolation) => {
                        value.push_str(&variable(&interpolation.expr, vars)?)
                    }
                    Element::Directive(_) => return None,
                }
            }
            Some(value)
        }
        _ => None,
    }
}

fn variable(expression: &Expression, vars: &Variables) -> Option<String> {
    let Expression::Traversal(traversal) = expression else {
        return None;
    };
    let Expression::Variable(root) = &traversal.expr else {
        return None;
    };
    let [operator] = traversal.operators.as_slice() else {
        return None;
    };
    let TraversalOperator::GetAttr(name) = operator.value() else {
        return None;
    };
    match (root.as_str(), name.as_str()) {
        ("var", "project") => Some(vars.project.to_string()),
        ("var", "profile") => vars.profile.map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_from_config_and_locals() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.tf"),
            r#"
provider "aws" {
  region  = var.region
  profile = var.profile
}
provider "aws" {
  alias   = "shared"
  profile = "${var.project}-shared-devops"
}
provider "aws" {
  alias   = "other"
  profile = lookup(var.profiles, "x")
}
provider "aws" {
  alias   = "again"
  profile = var.profile
}
terraform {
  backend "s3" {
    key = "a/b/terraform.tfstate"
  }
}
"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("locals.tf"),
            "locals {\n  profile = \"bb-network-devops\"\n  other = local.profile\n}\nprovider \"aws\" {\n  profile = local.profile\n}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "provider \"aws\" {\n  profile = \"ignored-main\"\n}\n",
        )
        .unwrap();
        let vars = Variables {
            project: "bb",
            profile: Some("bb-apps-devstg-devops"),
        };
        assert_eq!(
            layer_profiles(dir.path(), &vars).profiles,
            [
                "bb-apps-devstg-devops",
                "bb-shared-devops",
                "bb-network-devops"
            ]
        );
    }

    #[test]
    fn a_file_our_parser_refuses_is_skipped_and_the_others_still_count() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.tf"),
            "provider \"aws\" {\n  profile = var.profile\n}\n",
        )
        .unwrap();
        // Terraform takes the last of repeated object keys; hcl-edit refuses the file.
        std::fs::write(
            dir.path().join("locals.tf"),
            "locals {\n  certs = {\n    a = 1\n    a = 2\n  }\n}\n",
        )
        .unwrap();
        let vars = Variables {
            project: "bb",
            profile: Some("bb-apps-devstg-devops"),
        };
        let found = layer_profiles(dir.path(), &vars);
        assert_eq!(found.profiles, ["bb-apps-devstg-devops"]);
        assert_eq!(found.unread.len(), 1);
    }
}
