//! `leverage project graph`: the graph as text (levels in run order, what each layer reads,
//! then cycles and unresolved references), DOT (consumer → producer) or JSON for tools.

use super::Graph;
use super::resolve::adjacency;
use super::schedule::Schedule;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// The included layers in run order, with the cycles among them.
struct Overview {
    /// Graph layer indices.
    included: Vec<usize>,
    schedule: Schedule,
    /// Graph layer index → level (0-based).
    level: BTreeMap<usize, usize>,
    levels: Vec<Vec<usize>>,
}

impl Overview {
    fn of(graph: &Graph) -> Overview {
        let included: Vec<usize> = (0..graph.layers.len())
            .filter(|&i| graph.included(i))
            .collect();
        let position: BTreeMap<usize, usize> =
            included.iter().enumerate().map(|(p, &i)| (i, p)).collect();
        let (deps, _) = adjacency(graph);
        let among = included
            .iter()
            .map(|&i| {
                deps[i]
                    .iter()
                    .filter_map(|d| position.get(d).copied())
                    .collect()
            })
            .collect::<Vec<_>>();
        let schedule = Schedule::with_dependencies(
            included
                .iter()
                .map(|&i| graph.layers[i].path.clone())
                .collect(),
            &among,
        );
        let mut level = BTreeMap::new();
        let mut levels = Vec::new();
        for (n, units) in schedule.levels().iter().enumerate() {
            let mut layers: Vec<usize> = units
                .iter()
                .flat_map(|&u| schedule.units[u].layers.iter().map(|&p| included[p]))
                .collect();
            layers.sort();
            for &l in &layers {
                level.insert(l, n);
            }
            levels.push(layers);
        }
        Overview {
            included,
            schedule,
            level,
            levels,
        }
    }

    /// Each cycle's layers (graph indices), in path order.
    fn cycles(&self) -> Vec<Vec<usize>> {
        self.schedule
            .cycles()
            .map(|u| u.layers.iter().map(|&p| self.included[p]).collect())
            .collect()
    }
}

pub fn text(graph: &Graph) -> String {
    let overview = Overview::of(graph);
    let (deps, _) = adjacency(graph);
    let cycles = overview.cycles();
    let cycle_of: BTreeMap<usize, usize> = cycles
        .iter()
        .enumerate()
        .flat_map(|(n, c)| c.iter().map(move |&l| (l, n + 1)))
        .collect();
    let path = |i: usize| graph.layers[i].path.display().to_string();
    let mut out = String::new();
    for (n, layers) in overview.levels.iter().enumerate() {
        let plural = if layers.len() == 1 { "" } else { "s" };
        let _ = writeln!(out, "level {} ({} layer{plural})", n + 1, layers.len());
        for &l in layers {
            let mut line = format!("  {}", path(l));
            if let Some(c) = cycle_of.get(&l) {
                let _ = write!(line, "  [cycle {c}]");
            }
            if !graph.layers[l].enabled {
                line.push_str("  [disabled]");
            }
            let _ = writeln!(out, "{line}");
            for &d in &deps[l] {
                let _ = writeln!(out, "    reads {}", path(d));
            }
        }
    }
    if !cycles.is_empty() {
        let _ = writeln!(
            out,
            "\ncycles ({}): each runs as one unit, its layers one at a time",
            cycles.len()
        );
        for (n, members) in cycles.iter().enumerate() {
            let names: Vec<String> = members.iter().map(|&m| path(m)).collect();
            let _ = writeln!(out, "  cycle {}: {}", n + 1, names.join(", "));
            for edge in graph
                .edges
                .iter()
                .filter(|e| members.contains(&e.from) && members.contains(&e.to))
            {
                let _ = writeln!(out, "    {} reads {}", path(edge.from), path(edge.to));
            }
        }
    }
    if !graph.diagnostics.is_empty() {
        let _ = writeln!(out, "\nwarnings ({}):", graph.diagnostics.len());
        for d in &graph.diagnostics {
            let _ = writeln!(out, "  {d}");
        }
    }
    let _ = writeln!(out, "\n{}", summary(graph, &overview));
    out
}

fn summary(graph: &Graph, overview: &Overview) -> String {
    let s = &graph.stats;
    let enabled = graph.layers.iter().filter(|l| l.enabled).count();
    let widest = overview.levels.iter().map(Vec::len).max().unwrap_or(0);
    format!(
        "layers: {} ({enabled} enabled, {} in the graph)\n\
         references: {} ({} matched, {} of them across accounts; {} inactive, {} unresolved, \
         {} to keys no layer owns, {} ambiguous, {} to disabled layers, {} to the layer itself)\n\
         edges: {}; levels: {}, widest {widest}; cycles: {}",
        graph.layers.len(),
        overview.included.len(),
        s.references,
        s.matched,
        s.cross_account,
        s.inactive,
        s.unresolved,
        s.dangling,
        s.ambiguous,
        s.to_disabled,
        s.to_self,
        graph.edges.len(),
        overview.levels.len(),
        overview.cycles().len(),
    )
}

/// DOT with edges consumer → producer; cross-account edges dashed and labelled.
pub fn dot(graph: &Graph) -> String {
    let overview = Overview::of(graph);
    let mut out = String::from("digraph leverage {\n  rankdir=LR;\n  node [shape=box];\n");
    let mut accounts: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &l in &overview.included {
        accounts
            .entry(&graph.layers[l].account)
            .or_default()
            .push(l);
    }
    for (account, layers) in accounts {
        let _ = writeln!(
            out,
            "  subgraph {:?} {{\n    label={account:?};",
            format!("cluster_{account}")
        );
        for l in layers {
            let style = if graph.layers[l].enabled {
                ""
            } else {
                " [style=dotted]"
            };
            let _ = writeln!(
                out,
                "    {:?}{style};",
                graph.layers[l].path.display().to_string()
            );
        }
        out.push_str("  }\n");
    }
    for edge in &graph.edges {
        let (from, to) = (&graph.layers[edge.from], &graph.layers[edge.to]);
        let attributes = if from.account == to.account {
            String::new()
        } else {
            " [style=dashed, label=\"cross-account\"]".to_string()
        };
        let _ = writeln!(
            out,
            "  {:?} -> {:?}{attributes};",
            from.path.display().to_string(),
            to.path.display().to_string()
        );
    }
    out.push_str("}\n");
    out
}

#[derive(Serialize)]
struct JsonLayer<'a> {
    #[serde(flatten)]
    layer: &'a super::Layer,
    /// 1-based; None for layers left out of the graph.
    level: Option<usize>,
    reads: Vec<&'a PathBuf>,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: &'a PathBuf,
    to: &'a PathBuf,
    cross_account: bool,
    via: &'a [String],
}

/// The whole graph for tools.
pub fn json(graph: &Graph) -> String {
    let overview = Overview::of(graph);
    let (deps, _) = adjacency(graph);
    let layers: Vec<JsonLayer> = graph
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| JsonLayer {
            layer,
            level: overview.level.get(&i).map(|l| l + 1),
            reads: deps[i].iter().map(|&d| &graph.layers[d].path).collect(),
        })
        .collect();
    let edges: Vec<JsonEdge> = graph
        .edges
        .iter()
        .map(|e| JsonEdge {
            from: &graph.layers[e.from].path,
            to: &graph.layers[e.to].path,
            cross_account: graph.layers[e.from].account != graph.layers[e.to].account,
            via: &e.via,
        })
        .collect();
    let cycles: Vec<Vec<&PathBuf>> = overview
        .cycles()
        .iter()
        .map(|c| c.iter().map(|&l| &graph.layers[l].path).collect())
        .collect();
    let document = serde_json::json!({
        "layers": layers,
        "edges": edges,
        "cycles": cycles,
        "levels": overview.levels.len(),
        "diagnostics": graph.diagnostics,
        "stats": graph.stats,
    });
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}
