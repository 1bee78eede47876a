//! The project's dependency graph: every layer, and an edge from each layer to each layer
//! whose state it reads, matched by (bucket, key), else by a key only one layer declares.

use super::Diagnostic;
use super::discovery::{self, LayerDir};
use super::identity::{self, Buckets};
use super::inputs::Inputs;
use super::remote_state::{self, Target};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// Relative to the project root.
    pub path: PathBuf,
    pub account: String,
    pub enabled: bool,
    pub bucket: Option<String>,
    /// The key its backend block declares; None when `init` would synthesize one.
    pub key: Option<String>,
}

/// Consumer → producer: `from` reads the state of `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// The blocks that make the edge, as `file block`.
    pub via: Vec<String>,
}

/// Counts for `project graph` (references are instances after count/for_each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub references: usize,
    pub inactive: usize,
    pub unresolved: usize,
    pub dangling: usize,
    pub ambiguous: usize,
    pub to_disabled: usize,
    pub to_self: usize,
    pub matched: usize,
    pub cross_account: usize,
}

#[derive(Debug, Clone)]
pub struct Graph {
    pub root: PathBuf,
    /// Every layer found, sorted by path.
    pub layers: Vec<Layer>,
    /// Distinct edges between included layers, sorted.
    pub edges: Vec<Edge>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    pub include_disabled: bool,
}

impl Graph {
    /// Reads the whole project below `root`. Nothing here fails: what cannot be read or
    /// evaluated becomes a diagnostic.
    pub fn load(root: &Path, include_disabled: bool) -> Graph {
        let (dirs, mut diagnostics) = discovery::discover(root);
        let mut buckets = Buckets::default();
        let layers: Vec<Layer> = dirs
            .iter()
            .map(|dir| {
                let account = crate::project::account_of(&dir.path);
                Layer {
                    bucket: buckets.of(root, &account),
                    key: identity::declared_key(&dir.files),
                    account,
                    enabled: !dir.disabled,
                    path: dir.path.clone(),
                }
            })
            .collect();
        let mut graph = Graph {
            root: root.to_path_buf(),
            layers,
            edges: Vec::new(),
            diagnostics: Vec::new(),
            stats: Stats::default(),
            include_disabled,
        };
        graph.connect(&dirs, &mut diagnostics);
        diagnostics.sort();
        diagnostics.dedup();
        graph.diagnostics = diagnostics;
        graph
    }

    /// Whether a layer takes part in runs: enabled, or disabled with `--include-disabled`.
    pub fn included(&self, layer: usize) -> bool {
        self.include_disabled || self.layers[layer].enabled
    }

    #[cfg(test)]
    pub fn index_of(&self, path: &Path) -> Option<usize> {
        self.layers
            .binary_search_by(|l| l.path.as_path().cmp(path))
            .ok()
    }

    fn connect(&mut self, dirs: &[LayerDir], diagnostics: &mut Vec<Diagnostic>) {
        let matcher = Matcher::new(&self.layers);
        let mut edges: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
        for (from, dir) in dirs.iter().enumerate() {
            if !self.included(from) {
                continue;
            }
            let inputs = Inputs::read(&self.root, &dir.path, &dir.files, diagnostics);
            for reference in remote_state::references(&dir.files, &inputs) {
                let via = format!("{} {}", reference.file.display(), reference.block);
                if let Some(to) = self.resolve(&matcher, from, reference, diagnostics) {
                    edges.entry((from, to)).or_default().push(via);
                }
            }
        }
        self.edges = edges
            .into_iter()
            .map(|((from, to), via)| Edge { from, to, via })
            .collect();
    }

    /// The included layer a reference of `from` makes an edge to; counts it and records why not.
    fn resolve(
        &mut self,
        matcher: &Matcher,
        from: usize,
        reference: remote_state::Reference,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        self.stats.references += 1;
        let (file, block) = (reference.file, reference.block);
        let (bucket, key) = match reference.target {
            Target::Inactive => {
                self.stats.inactive += 1;
                return None;
            }
            Target::Unresolved(reason) => {
                self.stats.unresolved += 1;
                diagnostics.push(Diagnostic::Unresolved {
                    file,
                    block,
                    reason,
                });
                return None;
            }
            Target::State { bucket, key } => (bucket, key),
        };
        let to = match matcher.find(bucket.as_deref(), &key) {
            Found::One(to) => to,
            Found::None => {
                self.stats.dangling += 1;
                diagnostics.push(Diagnostic::Dangling { file, block, key });
                return None;
            }
            Found::Several(candidates) => {
                self.stats.ambiguous += 1;
                let layers = candidates.iter().map(|&i| self.layers[i].path.clone());
                let layers = layers.collect();
                diagnostics.push(Diagnostic::Ambiguous {
                    file,
                    block,
                    key,
                    layers,
                });
                return None;
            }
        };
        if to == from {
            self.stats.to_self += 1;
            return None;
        }
        if !self.included(to) {
            self.stats.to_disabled += 1;
            let layer = self.layers[to].path.clone();
            diagnostics.push(Diagnostic::ReadsDisabled { file, block, layer });
            return None;
        }
        self.stats.matched += 1;
        if self.layers[from].account != self.layers[to].account {
            self.stats.cross_account += 1;
        }
        Some(to)
    }
}

enum Found {
    One(usize),
    None,
    Several(Vec<usize>),
}

/// Looks layers up by (bucket, key), else by key alone.
struct Matcher {
    by_pair: BTreeMap<(String, String), usize>,
    by_key: BTreeMap<String, Vec<usize>>,
}

impl Matcher {
    fn new(layers: &[Layer]) -> Matcher {
        let mut by_pair = BTreeMap::new();
        let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, layer) in layers.iter().enumerate() {
            let Some(key) = &layer.key else { continue };
            if let Some(bucket) = &layer.bucket {
                by_pair.insert((bucket.clone(), key.clone()), i);
            }
            by_key.entry(key.clone()).or_default().push(i);
        }
        Matcher { by_pair, by_key }
    }

    fn find(&self, bucket: Option<&str>, key: &str) -> Found {
        if let Some(bucket) = bucket
            && let Some(&i) = self.by_pair.get(&(bucket.to_string(), key.to_string()))
        {
            return Found::One(i);
        }
        match self.by_key.get(key).map(Vec::as_slice) {
            Some([only]) => Found::One(*only),
            Some(several) if !several.is_empty() => Found::Several(several.to_vec()),
            _ => Found::None,
        }
    }
}

/// The layers whose state each layer reads (`deps`) and that read it (`dependents`).
pub(crate) fn adjacency(graph: &Graph) -> (Vec<BTreeSet<usize>>, Vec<BTreeSet<usize>>) {
    let n = graph.layers.len();
    let (mut deps, mut dependents) = (vec![BTreeSet::new(); n], vec![BTreeSet::new(); n]);
    for edge in &graph.edges {
        deps[edge.from].insert(edge.to);
        dependents[edge.to].insert(edge.from);
    }
    (deps, dependents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(name: &str, bucket: &str, key: &str) -> String {
        format!(
            "data \"terraform_remote_state\" \"{name}\" {{\n  backend = \"s3\"\n  config = {{\n    bucket = \"{bucket}\"\n    key    = \"{key}\"\n  }}\n}}\n"
        )
    }

    fn project(layers: &[(&str, Option<&str>, String)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for account in ["a", "b"] {
            let config = dir.path().join(account).join("config");
            std::fs::create_dir_all(&config).unwrap();
            let bucket = format!("bucket = \"bb-{account}\"\n");
            std::fs::write(config.join("backend.tfvars"), bucket).unwrap();
        }
        for (path, key, extra) in layers {
            let layer = dir.path().join(path);
            std::fs::create_dir_all(&layer).unwrap();
            let key = key.map(|k| format!("key = \"{k}\"")).unwrap_or_default();
            let text = format!("terraform {{\n  backend \"s3\" {{\n    {key}\n  }}\n}}\n{extra}");
            std::fs::write(layer.join("config.tf"), text).unwrap();
        }
        dir
    }

    fn edges(graph: &Graph) -> Vec<(String, String)> {
        let path = |i: usize| graph.layers[i].path.display().to_string();
        graph
            .edges
            .iter()
            .map(|e| (path(e.from), path(e.to)))
            .collect()
    }

    #[test]
    fn references_match_by_bucket_and_key_else_by_a_unique_key() {
        let dir = project(&[
            ("a/r/net", Some("net/terraform.tfstate"), String::new()),
            ("b/r/net", Some("net/terraform.tfstate"), String::new()),
            (
                "b/r/only here",
                Some("only/terraform.tfstate"),
                String::new(),
            ),
            ("b/r/no key", None, String::new()),
            (
                "a/r/app",
                Some("app/terraform.tfstate"),
                [
                    remote("pair", "bb-b", "net/terraform.tfstate"),
                    remote("unique", "some-other-bucket", "only/terraform.tfstate"),
                    remote("twice", "unknown", "net/terraform.tfstate"),
                    remote("nobody", "bb-a", "b/r/no key/terraform.tfstate"),
                    remote("itself", "bb-a", "app/terraform.tfstate"),
                ]
                .concat(),
            ),
        ]);
        let graph = Graph::load(dir.path(), false);
        assert_eq!(
            edges(&graph),
            [
                ("a/r/app".to_string(), "b/r/net".to_string()),
                ("a/r/app".to_string(), "b/r/only here".to_string())
            ]
        );
        let messages: Vec<String> = graph.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            messages,
            [
                "a/r/app/config.tf data.terraform_remote_state.nobody: no layer owns the key b/r/no key/terraform.tfstate",
                "a/r/app/config.tf data.terraform_remote_state.twice: the key net/terraform.tfstate is declared by several layers (a/r/net, b/r/net) and the bucket is unknown",
            ]
        );
        assert_eq!(graph.stats.cross_account, 2);
        assert_eq!(graph.stats.to_self, 1);
    }

    #[test]
    fn reading_a_disabled_layer_is_a_warning_unless_disabled_layers_are_included() {
        let dir = project(&[
            ("a/r/old--", Some("old/terraform.tfstate"), String::new()),
            (
                "a/r/new",
                Some("new/terraform.tfstate"),
                remote("old", "bb-a", "old/terraform.tfstate"),
            ),
        ]);
        let graph = Graph::load(dir.path(), false);
        assert!(edges(&graph).is_empty());
        assert_eq!(
            graph
                .diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
            [
                "a/r/new/config.tf data.terraform_remote_state.old: reads the state of the disabled layer a/r/old--"
            ]
        );
        assert!(!graph.included(graph.index_of(Path::new("a/r/old--")).unwrap()));
        let graph = Graph::load(dir.path(), true);
        assert_eq!(
            edges(&graph),
            [("a/r/new".to_string(), "a/r/old--".to_string())]
        );
        assert!(graph.diagnostics.is_empty());
    }
}
