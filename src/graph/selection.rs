//! `--all`: the layers below a directory (and, with `--changed-since`, only the changed ones
//! and their dependents), put in dependency order.

use super::changes::{self, Changes};
use super::resolve::adjacency;
use super::schedule::Schedule;
use super::{Graph, GraphError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Which layers that depend on a changed layer are selected too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Dependents {
    None,
    Direct,
    #[default]
    Transitive,
}

#[derive(Debug, Clone, Default)]
pub struct AllOptions {
    pub include_disabled: bool,
    pub changed_since: Option<String>,
    pub committed_only: bool,
    pub dependents: Dependents,
    /// Dependents first (destroy).
    pub reverse: bool,
}

#[derive(Debug, Clone)]
pub struct Selection {
    pub graph: Graph,
    pub schedule: Schedule,
    /// Why each layer of the schedule is selected, by schedule index.
    pub reasons: Vec<String>,
    /// With `--changed-since`: what changed and which layers were deleted.
    pub changes: Option<Changes>,
}

/// The layers below `dir` (absolute) in dependency order.
pub fn select_all(root: &Path, dir: &Path, options: &AllOptions) -> Result<Selection, GraphError> {
    let graph = Graph::load(root, options.include_disabled);
    let scope = dir
        .strip_prefix(root)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let in_scope = |i: usize| graph.included(i) && graph.layers[i].path.starts_with(&scope);
    let (reasons, changes): (BTreeMap<usize, String>, _) = match &options.changed_since {
        None => {
            let all = (0..graph.layers.len()).filter(|&i| in_scope(i));
            (all.map(|i| (i, String::new())).collect(), None)
        }
        Some(since) => {
            let changes = changes::since(root, since, options.committed_only)?;
            let mut selected = changes::changed_layers(&graph, &changes);
            selected.retain(|&i, _| graph.included(i));
            add_dependents(&graph, &mut selected, options.dependents);
            selected.retain(|&i, _| in_scope(i));
            (selected, Some(changes))
        }
    };
    if reasons.is_empty() && changes.is_none() {
        return Err(GraphError::NoLayersBelow {
            dir: dir.to_path_buf(),
        });
    }
    let chosen: Vec<usize> = reasons.keys().copied().collect();
    let mut schedule = Schedule::with_dependencies(
        chosen
            .iter()
            .map(|&i| graph.layers[i].path.clone())
            .collect(),
        &dependencies_among(&graph, &chosen),
    );
    if options.reverse {
        schedule = schedule.reversed();
    }
    Ok(Selection {
        reasons: reasons.into_values().collect(),
        graph,
        schedule,
        changes,
    })
}

/// Adds the layers reading selected ones, once (`Direct`) or until none is left (`Transitive`).
fn add_dependents(graph: &Graph, selected: &mut BTreeMap<usize, String>, how: Dependents) {
    if how == Dependents::None {
        return;
    }
    let (_, dependents) = adjacency(graph);
    let mut frontier: Vec<usize> = selected.keys().copied().collect();
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for producer in frontier {
            for &consumer in &dependents[producer] {
                if let std::collections::btree_map::Entry::Vacant(entry) = selected.entry(consumer)
                {
                    entry.insert(format!("reads {}", graph.layers[producer].path.display()));
                    next.push(consumer);
                }
            }
        }
        if how == Dependents::Direct {
            break;
        }
        frontier = next;
    }
}

/// For each chosen layer (by position in `chosen`), the chosen layers it must run after: those
/// it reads directly or through layers that are not chosen.
fn dependencies_among(graph: &Graph, chosen: &[usize]) -> Vec<BTreeSet<usize>> {
    let (deps, _) = adjacency(graph);
    let position: BTreeMap<usize, usize> =
        chosen.iter().enumerate().map(|(p, &i)| (i, p)).collect();
    chosen
        .iter()
        .map(|&start| {
            let mut found = BTreeSet::new();
            let mut seen = BTreeSet::from([start]);
            let mut stack: Vec<usize> = deps[start].iter().copied().collect();
            while let Some(layer) = stack.pop() {
                if !seen.insert(layer) {
                    continue;
                }
                match position.get(&layer) {
                    Some(&p) => {
                        found.insert(p);
                    }
                    None => stack.extend(deps[layer].iter().copied()),
                }
            }
            found
        })
        .collect()
}
