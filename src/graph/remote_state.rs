//! The states a layer reads: every `data "terraform_remote_state"` with backend `s3`, with
//! `count` and `for_each` expanded and `config.key`/`config.bucket` evaluated (see
//! docs/behaviour.md). What cannot be evaluated is kept, with the reason, for a warning.

use super::discovery::TfFile;
use super::inputs::Inputs;
use hcl::Value;
use hcl::eval::{Context, Evaluate};
use std::path::PathBuf;

/// One instance of a remote-state data source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub file: PathBuf,
    /// `data.terraform_remote_state.<name>`, with `["<key>"]` or `[<index>]` for instances.
    pub block: String,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The state it reads; `bucket` is None when it could not be evaluated.
    State { bucket: Option<String>, key: String },
    /// `count = 0` or an empty `for_each`: no instance, no dependency.
    Inactive,
    /// What could not be evaluated, e.g. "config.key (undefined variable `x`)".
    Unresolved(String),
}

/// Every remote-state reference of the layer, in file order.
pub(crate) fn references(files: &[TfFile], inputs: &Inputs) -> Vec<Reference> {
    let ctx = inputs.context();
    let mut found = Vec::new();
    for file in files {
        for block in file.body.blocks().filter(|b| {
            b.identifier() == "data"
                && b.labels().first().map(|l| l.as_str()) == Some("terraform_remote_state")
        }) {
            let name = block.labels().get(1).map_or("", |l| l.as_str());
            let block_name = format!("data.terraform_remote_state.{name}");
            let body = block.body();
            match attribute(body, "backend").map(|e| e.evaluate(&ctx)) {
                Some(Ok(Value::String(backend))) if backend == "s3" => {}
                _ => continue,
            }
            for (suffix, target) in instances(body, &ctx) {
                found.push(Reference {
                    file: file.path.clone(),
                    block: format!("{block_name}{suffix}"),
                    target,
                });
            }
        }
    }
    found
}

fn attribute<'a>(body: &'a hcl::Body, key: &str) -> Option<&'a hcl::Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

/// The instances `count`/`for_each` make, each with its block suffix and target.
fn instances(body: &hcl::Body, ctx: &Context) -> Vec<(String, Target)> {
    if let Some(count) = attribute(body, "count") {
        return match count.evaluate(ctx) {
            Ok(Value::Number(n)) => match n.as_u64() {
                Some(0) => vec![(String::new(), Target::Inactive)],
                Some(n) => (0..n)
                    .map(|i| {
                        let mut scope = ctx.clone();
                        scope.declare_var("count", object([("index", Value::from(i))]));
                        (format!("[{i}]"), target(body, &scope))
                    })
                    .collect(),
                None => vec![(String::new(), unresolved("count", "not a whole number"))],
            },
            Ok(other) => vec![(String::new(), unresolved("count", &other.to_string()))],
            Err(e) => vec![(String::new(), unresolved("count", &reason(&e)))],
        };
    }
    if let Some(for_each) = attribute(body, "for_each") {
        let entries: Vec<(String, Value)> = match for_each.evaluate(ctx) {
            Ok(Value::Object(map)) => map.into_iter().collect(),
            Ok(Value::Array(items)) => items
                .into_iter()
                .map(|item| (item.as_str().unwrap_or_default().to_string(), item))
                .collect(),
            Ok(Value::Null) => Vec::new(),
            Ok(other) => return vec![(String::new(), unresolved("for_each", &other.to_string()))],
            Err(e) => return vec![(String::new(), unresolved("for_each", &reason(&e)))],
        };
        if entries.is_empty() {
            return vec![(String::new(), Target::Inactive)];
        }
        return entries
            .into_iter()
            .map(|(key, value)| {
                let mut scope = ctx.clone();
                let each = object([("key", Value::from(key.clone())), ("value", value)]);
                scope.declare_var("each", each);
                (format!("[{key:?}]"), target(body, &scope))
            })
            .collect();
    }
    vec![(String::new(), target(body, ctx))]
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// `config.key` (required) and `config.bucket` (optional) of one instance.
fn target(body: &hcl::Body, ctx: &Context) -> Target {
    let Some(config) = attribute(body, "config") else {
        return unresolved("config", "missing");
    };
    let field = |name: &str| -> Option<Result<Value, String>> {
        match config {
            hcl::Expression::Object(object) => object
                .iter()
                .find(|(k, _)| object_key(k).as_deref() == Some(name))
                .map(|(_, e)| e.evaluate(ctx).map_err(|e| reason(&e))),
            other => match other.evaluate(ctx) {
                Ok(Value::Object(map)) => map.get(name).cloned().map(Ok),
                Ok(_) => Some(Err("config is not an object".into())),
                Err(e) => Some(Err(reason(&e))),
            },
        }
    };
    let key = match field("key") {
        Some(Ok(Value::String(key))) => key,
        Some(Ok(other)) => return unresolved("config.key", &format!("not a string: {other}")),
        Some(Err(why)) => return unresolved("config.key", &why),
        None => return unresolved("config.key", "missing"),
    };
    let bucket = match field("bucket") {
        Some(Ok(Value::String(bucket))) => Some(bucket),
        _ => None,
    };
    Target::State { bucket, key }
}

fn object_key(key: &hcl::ObjectKey) -> Option<String> {
    match key {
        hcl::ObjectKey::Identifier(ident) => Some(ident.to_string()),
        hcl::ObjectKey::Expression(hcl::Expression::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn unresolved(what: &str, why: &str) -> Target {
    Target::Unresolved(format!("{what} ({why})"))
}

/// The evaluation error, without the expression it quotes.
fn reason(error: &hcl::eval::Error) -> String {
    error.kind().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The targets of the remote states in `tf`, with `vars` as the layer's variables.
    fn targets(tf: &str, vars: &[(&str, Value)]) -> Vec<(String, Target)> {
        let files = vec![TfFile {
            path: "a/l/config.tf".into(),
            body: hcl::parse(tf).unwrap(),
        }];
        let mut inputs = Inputs::default();
        for (k, v) in vars {
            inputs.vars.insert(k.to_string(), v.clone());
        }
        for block in files[0]
            .body
            .blocks()
            .filter(|b| b.identifier() == "locals")
        {
            for a in block.body().attributes() {
                let value = a.expr().evaluate(&inputs.context()).unwrap();
                inputs.locals.insert(a.key().to_string(), value);
            }
        }
        references(&files, &inputs)
            .into_iter()
            .map(|r| (r.block, r.target))
            .collect()
    }

    fn state(bucket: Option<&str>, key: &str) -> Target {
        Target::State {
            bucket: bucket.map(str::to_string),
            key: key.to_string(),
        }
    }

    const NAME: &str = "data.terraform_remote_state.s";

    #[test]
    fn an_interpolated_key_uses_the_layers_variables() {
        let tf = r#"data "terraform_remote_state" "s" {
  backend = "s3"
  config = {
    bucket = "${var.project}-shared-terraform-backend"
    key    = "${var.environment}/network/terraform.tfstate"
  }
}"#;
        let vars = [
            ("project", Value::from("bb")),
            ("environment", Value::from("shared")),
        ];
        assert_eq!(
            targets(tf, &vars),
            [(
                NAME.into(),
                state(
                    Some("bb-shared-terraform-backend"),
                    "shared/network/terraform.tfstate"
                )
            )]
        );
        // Without the variables: the key is unresolved, a missing bucket only drops the bucket.
        assert_eq!(
            targets(tf, &[("environment", Value::from("shared"))]),
            [(NAME.into(), state(None, "shared/network/terraform.tfstate"))]
        );
        assert!(
            matches!(&targets(tf, &[])[0].1, Target::Unresolved(why) if why.starts_with("config.key ("))
        );
    }

    #[test]
    fn lookup_over_a_for_each_map_makes_one_reference_per_entry() {
        let tf = r#"locals {
  vpcs = {
    shared = { bucket = "bb-shared", key = "shared/network/terraform.tfstate" }
    apps   = { bucket = "bb-apps", key = "apps/network/terraform.tfstate" }
  }
}
data "terraform_remote_state" "s" {
  for_each = local.vpcs
  backend  = "s3"
  config = {
    region = lookup(each.value, "region", "us-east-1")
    bucket = lookup(each.value, "bucket")
    key    = lookup(each.value, "key")
  }
}"#;
        assert_eq!(
            targets(tf, &[]),
            [
                (
                    format!("{NAME}[\"shared\"]"),
                    state(Some("bb-shared"), "shared/network/terraform.tfstate")
                ),
                (
                    format!("{NAME}[\"apps\"]"),
                    state(Some("bb-apps"), "apps/network/terraform.tfstate")
                ),
            ]
        );
    }

    #[test]
    fn a_ternary_picks_its_branch_and_a_for_filter_drops_entries() {
        let tf = r#"locals {
  all = {
    a = { key = "a/terraform.tfstate", on = true }
    b = { key = "b/terraform.tfstate", on = false }
  }
}
data "terraform_remote_state" "s" {
  for_each = { for k, v in local.all : k => v if v.on }
  backend  = "s3"
  config = {
    key = var.dr ? "dr/terraform.tfstate" : each.value.key
  }
}"#;
        assert_eq!(
            targets(tf, &[("dr", Value::from(false))]),
            [(format!("{NAME}[\"a\"]"), state(None, "a/terraform.tfstate"))]
        );
        assert_eq!(
            targets(tf, &[("dr", Value::from(true))]),
            [(
                format!("{NAME}[\"a\"]"),
                state(None, "dr/terraform.tfstate")
            )]
        );
    }

    #[test]
    fn count_zero_or_an_empty_for_each_is_inactive_and_count_n_makes_n() {
        let tf = r#"data "terraform_remote_state" "s" {
  count   = var.enable_tgw ? 2 : 0
  backend = "s3"
  config = {
    key = "tgw-${count.index}/terraform.tfstate"
  }
}
data "terraform_remote_state" "e" {
  for_each = {}
  backend  = "s3"
  config = {
    key = "never"
  }
}
data "terraform_remote_state" "local" {
  backend = "local"
  config = {
    path = "x"
  }
}"#;
        assert_eq!(
            targets(tf, &[("enable_tgw", Value::from(false))]),
            [
                (NAME.to_string(), Target::Inactive),
                (
                    "data.terraform_remote_state.e".to_string(),
                    Target::Inactive
                )
            ]
        );
        let on = targets(tf, &[("enable_tgw", Value::from(true))]);
        assert_eq!(
            on[0],
            (format!("{NAME}[0]"), state(None, "tgw-0/terraform.tfstate"))
        );
        assert_eq!(
            on[1],
            (format!("{NAME}[1]"), state(None, "tgw-1/terraform.tfstate"))
        );
    }

    #[test]
    fn a_key_from_a_data_source_or_an_unknown_function_is_unresolved() {
        let tf = r#"data "terraform_remote_state" "s" {
  backend = "s3"
  config = {
    key = data.aws_ssm_parameter.k.value
  }
}
data "terraform_remote_state" "f" {
  backend = "s3"
  config = {
    key = sha1("x")
  }
}"#;
        let found = targets(tf, &[]);
        assert!(
            matches!(&found[0].1, Target::Unresolved(why) if why.contains("data")),
            "{found:?}"
        );
        assert!(
            matches!(&found[1].1, Target::Unresolved(why) if why.contains("sha1")),
            "{found:?}"
        );
    }
}
