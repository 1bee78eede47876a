//! The order of a multi-layer run: units (one layer, or the members of a cycle run one at a
//! time in path order), each after the units it depends on. Of the ready units, the one with
//! the longest chain of work after it starts first (critical path), ties broken by path.
//! `Progress` is the run's bookkeeping, free of processes so it can be tested alone.

use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Indices into `Schedule::layers`, in path order.
    pub layers: Vec<usize>,
    /// Units that must finish first.
    pub after: BTreeSet<usize>,
}

impl Unit {
    /// Several layers that read each other's state.
    pub fn is_cycle(&self) -> bool {
        self.layers.len() > 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    pub layers: Vec<PathBuf>,
    /// In tie-break order: the path of the unit's first layer.
    pub units: Vec<Unit>,
}

impl Schedule {
    /// Independent layers, started in the order given (`--layers`).
    pub fn in_order(layers: Vec<PathBuf>) -> Schedule {
        let units = (0..layers.len())
            .map(|i| Unit {
                layers: vec![i],
                after: BTreeSet::new(),
            })
            .collect();
        Schedule { layers, units }
    }

    /// `deps[i]`: the layers layer `i` reads (indices into `layers`, which is sorted by path).
    /// Each strongly connected component becomes one unit.
    pub fn with_dependencies(layers: Vec<PathBuf>, deps: &[BTreeSet<usize>]) -> Schedule {
        let mut graph = DiGraph::<(), ()>::new();
        let nodes: Vec<NodeIndex> = (0..layers.len()).map(|_| graph.add_node(())).collect();
        for (from, targets) in deps.iter().enumerate() {
            for &to in targets {
                graph.add_edge(nodes[from], nodes[to], ());
            }
        }
        let mut components: Vec<Vec<usize>> = petgraph::algo::tarjan_scc(&graph)
            .into_iter()
            .map(|c| {
                let mut members: Vec<usize> = c.into_iter().map(|n| n.index()).collect();
                members.sort();
                members
            })
            .collect();
        components.sort();
        let mut unit_of = vec![0; layers.len()];
        for (u, members) in components.iter().enumerate() {
            for &m in members {
                unit_of[m] = u;
            }
        }
        let units = components
            .iter()
            .enumerate()
            .map(|(u, members)| Unit {
                after: members
                    .iter()
                    .flat_map(|&m| deps[m].iter().map(|&d| unit_of[d]))
                    .filter(|&d| d != u)
                    .collect(),
                layers: members.clone(),
            })
            .collect();
        Schedule { layers, units }
    }

    /// Dependents first, as `destroy` needs.
    pub fn reversed(mut self) -> Schedule {
        let mut before = vec![BTreeSet::new(); self.units.len()];
        for (u, unit) in self.units.iter().enumerate() {
            for &a in &unit.after {
                before[a].insert(u);
            }
        }
        for (unit, after) in self.units.iter_mut().zip(before) {
            unit.after = after;
        }
        self
    }

    /// Unit indices by level: level 0 depends on nothing, level n on something at n-1.
    pub fn levels(&self) -> Vec<Vec<usize>> {
        let mut level: Vec<Option<usize>> = vec![None; self.units.len()];
        let mut levels: Vec<Vec<usize>> = Vec::new();
        let mut placed = 0;
        while placed < self.units.len() {
            let ready: Vec<usize> = (0..self.units.len())
                .filter(|&u| level[u].is_none())
                .filter(|&u| self.units[u].after.iter().all(|&a| level[a].is_some()))
                .collect();
            if ready.is_empty() {
                break; // not reachable: units form a DAG
            }
            for &u in &ready {
                let depth = self.units[u].after.iter().filter_map(|&a| level[a]).max();
                level[u] = Some(depth.map_or(0, |d| d + 1));
            }
            placed += ready.len();
            for u in ready {
                let l = level[u].unwrap_or(0);
                if levels.len() <= l {
                    levels.resize(l + 1, Vec::new());
                }
                levels[l].push(u);
            }
        }
        levels
    }

    /// For each unit, the layers on the longest chain from it to the end of the run (itself
    /// included): the critical-path priority.
    pub fn remaining_work(&self) -> Vec<usize> {
        let mut dependents = vec![Vec::new(); self.units.len()];
        for (u, unit) in self.units.iter().enumerate() {
            for &a in &unit.after {
                dependents[a].push(u);
            }
        }
        let mut work = vec![0; self.units.len()];
        for level in self.levels().iter().rev() {
            for &u in level {
                let after = dependents[u].iter().map(|&d| work[d]).max().unwrap_or(0);
                work[u] = self.units[u].layers.len() + after;
            }
        }
        work
    }

    pub fn cycles(&self) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(|u| u.is_cycle())
    }

    /// The paths of a unit's layers, joined for messages.
    pub fn describe(&self, unit: &Unit) -> String {
        let names: Vec<String> = unit
            .layers
            .iter()
            .map(|&l| self.layers[l].display().to_string())
            .collect();
        names.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Waiting,
    Running,
    Finished { failed: bool },
    Skipped(String),
}

/// Which unit may start next, and what a failure does to the rest.
#[derive(Debug)]
pub struct Progress<'a> {
    schedule: &'a Schedule,
    states: Vec<State>,
    /// Critical-path priority of each unit.
    work: Vec<usize>,
    /// apply/destroy: a failed unit skips every unit that depends on it.
    skip_dependents: bool,
    /// --fail-fast: nothing starts after a failure.
    fail_fast: bool,
}

impl<'a> Progress<'a> {
    pub fn new(schedule: &'a Schedule, skip_dependents: bool, fail_fast: bool) -> Progress<'a> {
        Progress {
            schedule,
            states: vec![State::Waiting; schedule.units.len()],
            work: schedule.remaining_work(),
            skip_dependents,
            fail_fast,
        }
    }

    /// The ready unit with the most work after it (first in path order among equals); now
    /// running.
    pub fn start_next(&mut self) -> Option<usize> {
        let ready = (0..self.states.len())
            .filter(|&u| {
                self.states[u] == State::Waiting
                    && self.schedule.units[u]
                        .after
                        .iter()
                        .all(|&a| matches!(self.states[a], State::Finished { .. }))
            })
            .min_by_key(|&u| (std::cmp::Reverse(self.work[u]), u))?;
        self.states[ready] = State::Running;
        Some(ready)
    }

    /// Records how a unit ended; `failed` names its failed layer.
    pub fn finish(&mut self, unit: usize, failed: Option<&str>) {
        self.states[unit] = State::Finished {
            failed: failed.is_some(),
        };
        let Some(layer) = failed else { return };
        if self.fail_fast {
            for state in &mut self.states {
                if *state == State::Waiting {
                    *state = State::Skipped(format!("not started: {layer} failed (--fail-fast)"));
                }
            }
        } else if self.skip_dependents {
            self.skip_dependents_of(unit, layer);
        }
    }

    fn skip_dependents_of(&mut self, failed: usize, layer: &str) {
        let mut stack = vec![failed];
        while let Some(done) = stack.pop() {
            for (u, unit) in self.schedule.units.iter().enumerate() {
                if unit.after.contains(&done) && self.states[u] == State::Waiting {
                    self.states[u] = State::Skipped(format!("dependency failed: {layer}"));
                    stack.push(u);
                }
            }
        }
    }

    /// True when nothing waits or runs.
    pub fn done(&self) -> bool {
        !self
            .states
            .iter()
            .any(|s| matches!(s, State::Waiting | State::Running))
    }

    pub fn state(&self, unit: usize) -> &State {
        &self.states[unit]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(names: &[&str], deps: &[(usize, usize)]) -> Schedule {
        let mut sets = vec![BTreeSet::new(); names.len()];
        for &(from, to) in deps {
            sets[from].insert(to);
        }
        Schedule::with_dependencies(names.iter().map(PathBuf::from).collect(), &sets)
    }

    fn order(schedule: &Schedule) -> Vec<String> {
        let mut progress = Progress::new(schedule, false, false);
        let mut ran = Vec::new();
        while let Some(u) = progress.start_next() {
            ran.push(schedule.describe(&schedule.units[u]));
            progress.finish(u, None);
        }
        ran
    }

    #[test]
    fn producers_run_first_and_ties_break_by_path() {
        // a reads c, b reads a; d is independent.
        let s = schedule(&["a", "b", "c", "d"], &[(0, 2), (1, 0)]);
        assert_eq!(order(&s), ["c", "a", "b", "d"]);
        let levels: Vec<Vec<String>> = s
            .levels()
            .iter()
            .map(|l| l.iter().map(|&u| s.describe(&s.units[u])).collect())
            .collect();
        assert_eq!(levels, [vec!["c", "d"], vec!["a"], vec!["b"]]);
        assert_eq!(order(&s.reversed()), ["b", "a", "c", "d"]);
    }

    #[test]
    fn the_longest_chain_starts_first() {
        // a and b are independent; c reads b, so b has more work after it.
        let s = schedule(&["a", "b", "c"], &[(2, 1)]);
        assert_eq!(s.remaining_work(), [1, 2, 1]);
        assert_eq!(order(&s), ["b", "a", "c"]);
    }

    #[test]
    fn a_cycle_is_one_unit_in_path_order() {
        // x <-> y, z reads x.
        let s = schedule(&["x", "y", "z"], &[(0, 1), (1, 0), (2, 0)]);
        assert_eq!(order(&s), ["x, y", "z"]);
        assert_eq!(s.cycles().count(), 1);
    }

    #[test]
    fn a_failure_skips_dependents_only_when_asked() {
        let s = schedule(&["a", "b", "c", "d"], &[(1, 0), (2, 1)]);
        let mut progress = Progress::new(&s, true, false);
        let a = progress.start_next().unwrap();
        progress.finish(a, Some("a"));
        let d = progress.start_next().unwrap();
        assert_eq!(s.describe(&s.units[d]), "d");
        progress.finish(d, None);
        assert!(progress.done());
        assert_eq!(
            *progress.state(1),
            State::Skipped("dependency failed: a".into())
        );
        assert_eq!(
            *progress.state(2),
            State::Skipped("dependency failed: a".into())
        );

        let mut progress = Progress::new(&s, false, false);
        let a = progress.start_next().unwrap();
        progress.finish(a, Some("a"));
        assert_eq!(
            progress.start_next(),
            Some(1),
            "plan goes on after a failure"
        );

        let mut progress = Progress::new(&s, false, true);
        let a = progress.start_next().unwrap();
        progress.finish(a, Some("a"));
        assert_eq!(progress.start_next(), None);
        assert_eq!(
            *progress.state(3),
            State::Skipped("not started: a failed (--fail-fast)".into())
        );
    }
}
