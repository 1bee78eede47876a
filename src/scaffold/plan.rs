//! The files `project create` writes, worked out in memory before anything is written: upstream's
//! copy rules (fixed structure, symlinks kept in layers, `*.template`/`.gitkeep` left out) and
//! every template rendered, so a bad template or value stops the command with nothing changed.

use super::ScaffoldError;
use super::settings::Settings;
use minijinja::Environment;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Upstream's fixed structure: per account, its `global` and `primary_region` layers.
const STRUCTURE: [(&str, &[&str], &[&str]); 3] = [
    (
        "management",
        &["organizations", "sso"],
        &["base-tf-backend", "security-base"],
    ),
    ("security", &[], &["base-tf-backend", "security-base"]),
    (
        "shared",
        &[],
        &["base-network", "base-tf-backend", "security-base"],
    ),
];

const CONFIG: &str = "config";
const TEMPLATE_SUFFIX: &str = ".template";
/// The path segment the region replaces.
const PRIMARY_REGION: &str = "primary_region";

/// What one path of the new project is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A directory, with the permission bits of the template directory it copies.
    Dir { mode: Option<u32> },
    /// A file copied from the template (symlinks outside layers followed, as upstream's copy).
    Copy { from: PathBuf },
    /// A symlink kept as a symlink.
    Symlink { target: PathBuf },
    /// A rendered template, `origin` naming what it was rendered from.
    Rendered { origin: String, text: String },
}

/// Every path of the new project, relative to its root; parents sort before their children.
#[derive(Debug, Default)]
pub struct Plan {
    pub entries: BTreeMap<PathBuf, Entry>,
    /// Upstream's progress lines at info level; a dry run, which sets nothing up, keeps them at
    /// debug.
    narrate: bool,
}

/// The `config/` of an account the template has no directory for, shaped like `shared`'s (a
/// member account reached through its OrganizationAccountAccessRole).
const EXTRA_ACCOUNT_TFVARS: &str = "#\n# Account Configuration\n#\n\n# Environment Name\nenvironment = \"{{ account_name }}\"\n\n# SSO Role\nsso_role    = \"DevOps\"\n";
const EXTRA_BACKEND_TFVARS: &str = r#"#
# Backend Configuration
#

# AWS Profile (required by the backend but also used for other resources)
profile         = "{{ short_name }}-{{ account_name }}-oaar"

# S3 bucket
bucket          = "{{ short_name }}-{{ account_name }}-terraform-backend"

# AWS Region (required by the backend but also used for other resources)
region          = "{{ primary_region }}"

# Enable DynamoDB server-side encryption?
encrypt         = true

# DynamoDB Table Name
dynamodb_table  = "{{ short_name }}-{{ account_name }}-terraform-backend"
"#;

impl Plan {
    /// Works out the project from the clone at `repo_dir` (its `template/` directory).
    pub fn build(
        repo_dir: &Path,
        settings: &Settings,
        env: &Environment<'static>,
        narrate: bool,
    ) -> Result<Plan, ScaffoldError> {
        let source = repo_dir.join("template");
        let mut plan = Plan {
            narrate,
            ..Plan::default()
        };
        plan.say("Creating project directory structure.");
        plan.copy_file(&source.join(".gitignore"), Path::new(".gitignore"))?;
        plan.copy_tree(&source.join(CONFIG), Path::new(CONFIG), false)?;
        for (account, global, regional) in STRUCTURE {
            plan.dir(Path::new(account), None);
            let from = source.join(account);
            plan.copy_tree(&from.join(CONFIG), &Path::new(account).join(CONFIG), false)?;
            for layer in global {
                let to = Path::new(account).join("global").join(layer);
                plan.copy_tree(&from.join("global").join(layer), &to, true)?;
            }
            for layer in regional {
                let to = Path::new(account)
                    .join(&settings.primary_region)
                    .join(layer);
                plan.copy_tree(&from.join(PRIMARY_REGION).join(layer), &to, true)?;
            }
        }
        plan.say("Finished creating directory structure.");

        let render = Renderer {
            repo_dir,
            source: &source,
            settings,
            env,
        };
        plan.say("Setting up common base files.");
        let mut common = templates_in(&source, false)?;
        common.extend(templates_in(&source.join(CONFIG), true)?);
        for template in common {
            plan.add_rendered(render.template(&template)?);
        }
        for account in &settings.accounts {
            plan.account(account, &render)?;
        }
        plan.say("Project configuration finished.");
        Ok(plan)
    }

    fn say(&self, line: &str) {
        if self.narrate {
            tracing::info!("{line}");
        } else {
            tracing::debug!("{line}");
        }
    }

    /// One account's templates; accounts beyond the fixed three get a `config/` of their own.
    fn account(&mut self, account: &str, render: &Renderer) -> Result<(), ScaffoldError> {
        self.say(&format!("Account: Setting up {account}."));
        let from = render.source.join(account);
        let layers: Vec<PathBuf> = match STRUCTURE.iter().find(|(a, ..)| *a == account) {
            Some((_, global, regional)) => std::iter::once(PathBuf::from(CONFIG))
                .chain(global.iter().map(|l| Path::new("global").join(l)))
                .chain(regional.iter().map(|l| Path::new(PRIMARY_REGION).join(l)))
                .collect(),
            None if from.join(CONFIG).is_dir() => {
                self.dir(Path::new(account), None);
                self.copy_tree(&from.join(CONFIG), &Path::new(account).join(CONFIG), false)?;
                vec![PathBuf::from(CONFIG)]
            }
            None => {
                self.say(&format!("\tLayer: Setting up {CONFIG}."));
                return self.extra_account_config(account, render);
            }
        };
        for layer in layers {
            let name = layer.file_name().unwrap_or_default().to_string_lossy();
            self.say(&format!("\tLayer: Setting up {name}."));
            for template in templates_in(&from.join(&layer), false)? {
                self.add_rendered(render.template(&template)?);
            }
        }
        Ok(())
    }

    fn extra_account_config(
        &mut self,
        account: &str,
        render: &Renderer,
    ) -> Result<(), ScaffoldError> {
        let dir = Path::new(account).join(CONFIG);
        self.dir(Path::new(account), None);
        self.dir(&dir, None);
        let context =
            minijinja::context! { account_name => account, ..render.settings.context.clone() };
        for (name, source) in [
            ("account.tfvars", EXTRA_ACCOUNT_TFVARS),
            ("backend.tfvars", EXTRA_BACKEND_TFVARS),
        ] {
            let origin = format!("leverage's {name} for accounts beyond the template's");
            let text = render
                .env
                .render_str(source, context.clone())
                .map_err(|e| render_error(&origin, &e))?;
            self.add_rendered((dir.join(name), origin, text));
        }
        Ok(())
    }

    fn add_rendered(&mut self, (path, origin, text): (PathBuf, String, String)) {
        self.entries.insert(path, Entry::Rendered { origin, text });
    }

    /// A directory, and any parent the plan does not have yet (as `makedirs` makes them).
    fn dir(&mut self, path: &Path, mode: Option<u32>) {
        for parent in path.ancestors().skip(1) {
            if parent.as_os_str().is_empty() {
                break;
            }
            self.entries
                .entry(parent.to_path_buf())
                .or_insert(Entry::Dir { mode: None });
        }
        let entry = self
            .entries
            .entry(path.to_path_buf())
            .or_insert(Entry::Dir { mode });
        if let Entry::Dir { mode: m } = entry {
            *m = m.or(mode);
        }
    }

    fn copy_file(&mut self, from: &Path, to: &Path) -> Result<(), ScaffoldError> {
        let meta =
            std::fs::metadata(from).map_err(ScaffoldError::io("read the template file", from))?;
        if !meta.is_file() {
            return Err(ScaffoldError::NoTemplate {
                dir: from.to_path_buf(),
            });
        }
        self.entries.insert(
            to.to_path_buf(),
            Entry::Copy {
                from: from.to_path_buf(),
            },
        );
        Ok(())
    }

    /// Python's `copytree(from, to, ignore=ignore_patterns("*.template", ".gitkeep"),
    /// symlinks=keep_links)`: empty directories included, modes of directories kept.
    fn copy_tree(&mut self, from: &Path, to: &Path, keep_links: bool) -> Result<(), ScaffoldError> {
        let meta = std::fs::metadata(from)
            .map_err(ScaffoldError::io("read the template directory", from))?;
        self.dir(to, Some(meta.permissions().mode() & 0o7777));
        for entry in std::fs::read_dir(from).map_err(ScaffoldError::io("read", from))? {
            let entry = entry.map_err(ScaffoldError::io("read", from))?;
            let name = entry.file_name();
            let text = name.to_string_lossy();
            if text.ends_with(TEMPLATE_SUFFIX) || text == ".gitkeep" {
                continue;
            }
            let (src, dst) = (entry.path(), to.join(&name));
            let kind = entry.file_type().map_err(ScaffoldError::io("read", &src))?;
            if kind.is_symlink() && keep_links {
                let target =
                    std::fs::read_link(&src).map_err(ScaffoldError::io("read the link", &src))?;
                self.entries.insert(dst, Entry::Symlink { target });
            } else if std::fs::metadata(&src)
                .map_err(ScaffoldError::io("follow", &src))?
                .is_dir()
            {
                self.copy_tree(&src, &dst, keep_links)?;
            } else {
                self.entries.insert(dst, Entry::Copy { from: src });
            }
        }
        Ok(())
    }
}

/// What rendering needs: the clone (the loader's root), its `template/`, the values, the engine.
struct Renderer<'a> {
    repo_dir: &'a Path,
    source: &'a Path,
    settings: &'a Settings,
    env: &'a Environment<'static>,
}

impl Renderer<'_> {
    /// Renders one template; returns where it goes (upstream's rule: below `config/` and in
    /// global layers as is, otherwise `primary_region` replaced by the region), whence, and text.
    fn template(&self, template: &Path) -> Result<(PathBuf, String, String), ScaffoldError> {
        let name = relative_name(template, self.repo_dir);
        let text = self
            .env
            .get_template(&name)
            .and_then(|t| t.render(self.settings.context.clone()))
            .map_err(|e| render_error(&name, &e))?;
        let rel = relative_name(template, self.source);
        let parent = Path::new(&rel).parent().unwrap_or(Path::new(""));
        let grandparent = parent.parent().and_then(Path::file_name);
        let rel = if grandparent.is_some_and(|g| g == PRIMARY_REGION) {
            rel.replace(PRIMARY_REGION, &self.settings.primary_region)
        } else {
            rel
        };
        let dest = rel.strip_suffix(TEMPLATE_SUFFIX).unwrap_or(&rel);
        Ok((PathBuf::from(dest), name, text))
    }
}

/// `dir/*.template` (or all below it with `recursive`), sorted; a missing dir has none.
fn templates_in(dir: &Path, recursive: bool) -> Result<Vec<PathBuf>, ScaffoldError> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(found);
    };
    for entry in entries {
        let path = entry.map_err(ScaffoldError::io("read", dir))?.path();
        let is_template = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with(TEMPLATE_SUFFIX));
        if path.is_dir() {
            if recursive {
                found.extend(templates_in(&path, true)?);
            }
        } else if is_template {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// `path` below `base`, `/`-separated, as Jinja2 names templates.
fn relative_name(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn render_error(template: &str, error: &minijinja::Error) -> ScaffoldError {
    let mut message = error.to_string();
    if let Some(detail) = error.detail().filter(|d| !message.contains(d)) {
        message = format!("{message}: {detail}");
    }
    ScaffoldError::Render {
        template: format!("{template} (project template)"),
        message: message.replace('\n', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaffold::settings::FIXED_ACCOUNTS;

    #[test]
    fn every_fixed_account_is_in_the_structure() {
        let names: Vec<&str> = STRUCTURE.iter().map(|(a, ..)| *a).collect();
        assert_eq!(names, FIXED_ACCOUNTS);
    }
}
