//! The values a layer's expressions see (see docs/behaviour.md): `var.*` from variable defaults
//! < terraform.tfvars < *.auto.tfvars < config/*.tfvars < <account>/config/*.tfvars (the order
//! `leverage tf` hands them to the binary), then `local.*`, evaluated as far as they go.

use super::Diagnostic;
use super::discovery::{TfFile, first_line};
use hcl::Value;
use hcl::eval::{Context, Evaluate};
use std::path::{Path, PathBuf};

/// The evaluated `var` and `local` objects of one layer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inputs {
    pub vars: hcl::Map<String, Value>,
    pub locals: hcl::Map<String, Value>,
}

impl Inputs {
    /// Reads the layer's variables and locals. Files that do not parse become diagnostics.
    pub(crate) fn read(
        root: &Path,
        layer: &Path,
        files: &[TfFile],
        problems: &mut Vec<Diagnostic>,
    ) -> Inputs {
        let mut inputs = Inputs::default();
        let base = Context::new();
        for file in files {
            for block in file.body.blocks().filter(|b| b.identifier() == "variable") {
                let (Some(name), Some(default)) = (
                    block.labels().first(),
                    block.body().attributes().find(|a| a.key() == "default"),
                ) else {
                    continue;
                };
                if let Ok(value) = default.expr().evaluate(&base) {
                    inputs.vars.insert(name.as_str().to_string(), value);
                }
            }
        }
        for tfvars in var_files(root, layer) {
            inputs.read_tfvars(root, &tfvars, problems);
        }
        inputs.evaluate_locals(files);
        inputs
    }

    /// A context with `var`, `local`, `terraform.workspace` and the supported functions.
    pub(crate) fn context(&self) -> Context<'static> {
        let mut ctx = Context::new();
        ctx.declare_var("var", Value::Object(self.vars.clone()));
        ctx.declare_var("local", Value::Object(self.locals.clone()));
        let mut terraform = hcl::Map::new();
        terraform.insert("workspace".into(), Value::from("default"));
        ctx.declare_var("terraform", Value::Object(terraform));
        super::functions::declare(&mut ctx);
        ctx
    }

    fn read_tfvars(&mut self, root: &Path, path: &Path, problems: &mut Vec<Diagnostic>) {
        let relative = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let body = match hcl::parse(&text) {
            Ok(body) => body,
            Err(e) => {
                problems.push(Diagnostic::Unparsable {
                    file: relative,
                    message: first_line(&e.to_string()),
                });
                return;
            }
        };
        let ctx = self.context();
        for attribute in body.attributes() {
            if let Ok(value) = attribute.expr().evaluate(&ctx) {
                self.vars.insert(attribute.key().to_string(), value);
            }
        }
    }

    /// Locals may use each other in any order: evaluate what can be, until nothing more can.
    /// Locals that read resources or data sources stay undefined.
    fn evaluate_locals(&mut self, files: &[TfFile]) {
        let mut pending: Vec<(&str, &hcl::Expression)> = files
            .iter()
            .flat_map(|f| f.body.blocks())
            .filter(|b| b.identifier() == "locals")
            .flat_map(|b| b.body().attributes())
            .map(|a| (a.key(), a.expr()))
            .collect();
        loop {
            let ctx = self.context();
            let before = pending.len();
            let mut evaluated = Vec::new();
            pending.retain(|(name, expr)| match expr.evaluate(&ctx) {
                Ok(value) => {
                    evaluated.push((name.to_string(), value));
                    false
                }
                Err(_) => true,
            });
            self.locals.extend(evaluated);
            if pending.is_empty() || pending.len() == before {
                break;
            }
        }
    }
}

/// The tfvars files in increasing precedence.
fn var_files(root: &Path, layer: &Path) -> Vec<PathBuf> {
    let dir = root.join(layer);
    let account = crate::project::account_of(layer);
    let mut files = vec![dir.join("terraform.tfvars")];
    files.extend(sorted(&dir, |name| name.ends_with(".auto.tfvars")));
    files.extend(sorted(&root.join("config"), |name| {
        name.ends_with(".tfvars")
    }));
    files.extend(sorted(&root.join(account).join("config"), |name| {
        name.ends_with(".tfvars")
    }));
    files.into_iter().filter(|f| f.is_file()).collect()
}

fn sorted(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| keep(&e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_tfvars_win_and_locals_resolve_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |path: &str, text: &str| crate::test_files::write(root, path, text);
        write(
            "config/common.tfvars",
            "project = \"bb\"\nlevel = \"common\"\n",
        );
        write(
            "acct/config/account.tfvars",
            "environment = \"acct\"\nlevel = \"account\"\n",
        );
        write(
            "acct/l/terraform.tfvars",
            "level = \"layer\"\nauto = \"layer\"\n",
        );
        write("acct/l/x.auto.tfvars", "auto = \"auto\"\n");
        let tf = "variable \"level\" {\n  default = \"default\"\n}\nvariable \"only_default\" {\n  default = 3\n}\nlocals {\n  b = \"${local.a}-b\"\n  a = \"${var.project}-${var.environment}\"\n  c = data.x.y.id\n}\n";
        let files = vec![TfFile {
            path: "acct/l/main.tf".into(),
            body: hcl::parse(tf).unwrap(),
        }];
        let inputs = Inputs::read(root, Path::new("acct/l"), &files, &mut Vec::new());
        assert_eq!(inputs.vars["level"], Value::from("account"));
        assert_eq!(inputs.vars["auto"], Value::from("auto"));
        assert_eq!(inputs.vars["only_default"], Value::from(3));
        assert_eq!(inputs.locals["b"], Value::from("bb-acct-b"));
        assert!(!inputs.locals.contains_key("c"));
    }
}
