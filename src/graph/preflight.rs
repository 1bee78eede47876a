//! Checks and notices before a whole-project run starts: warnings about the selected layers'
//! references, cycles (refused for apply/destroy unless allowed), deleted layers, prompts that
//! parallel runs cannot share, and the `--dry-run` listing.

use super::{GraphError, Selection};
use std::fmt::Write;

/// What the run will do, as far as these checks care.
#[derive(Debug, Clone, Copy)]
pub struct Intent {
    /// The binary's command, e.g. "apply".
    pub verb: &'static str,
    /// apply/destroy: cycles are refused unless `allow_cycles`.
    pub changes_infrastructure: bool,
    pub allow_cycles: bool,
}

/// Everything before a run: warnings, the cycle check, and `Some((output, exit code))` when the
/// run stops here (`--dry-run`, or nothing selected).
pub fn prepare(
    selection: &Selection,
    intent: Intent,
    dry_run: bool,
) -> Result<Option<(String, i32)>, GraphError> {
    check(selection, intent)?;
    let code = i32::from(has_deleted_layers(selection));
    if dry_run {
        return Ok(Some((listing(selection), code)));
    }
    if selection.schedule.layers.is_empty() {
        tracing::info!("No layer to run: nothing below here changed.");
        return Ok(Some((String::new(), code)));
    }
    Ok(None)
}

/// Logs the warnings that concern the selection; refuses cycles when the intent says so.
pub fn check(selection: &Selection, intent: Intent) -> Result<(), GraphError> {
    let schedule = &selection.schedule;
    for diagnostic in &selection.graph.diagnostics {
        let file = diagnostic_file(diagnostic);
        if schedule.layers.iter().any(|l| file.starts_with(l)) {
            tracing::warn!("{diagnostic}");
        }
    }
    for cycle in schedule.cycles() {
        let members = schedule.describe(cycle);
        if intent.changes_infrastructure && !intent.allow_cycles {
            return Err(GraphError::Cycle {
                verb: intent.verb,
                members,
            });
        }
        tracing::warn!(
            "{members} read each other's state: they run as one unit, one at a time in this order"
        );
    }
    if let Some(changes) = &selection.changes {
        for layer in &changes.deleted_layers {
            tracing::error!(
                "{} was deleted since {}: destroy it from a checkout of that commit",
                layer.display(),
                changes.base
            );
        }
    }
    Ok(())
}

fn diagnostic_file(diagnostic: &super::Diagnostic) -> &std::path::Path {
    use super::Diagnostic::*;
    match diagnostic {
        Unparsable { file, .. }
        | Unresolved { file, .. }
        | Dangling { file, .. }
        | Ambiguous { file, .. }
        | ReadsDisabled { file, .. } => file,
    }
}

/// Parallel apply/destroy cannot share one terminal for approval prompts.
pub fn parallel_prompts(
    verb: &'static str,
    jobs: usize,
    args: &[String],
) -> Result<(), GraphError> {
    let prompts = matches!(verb, "apply" | "destroy");
    let approved = args
        .iter()
        .any(|a| a == "-auto-approve" || a == "--auto-approve" || a == "-auto-approve=true");
    if jobs > 1 && prompts && !approved {
        return Err(GraphError::ParallelPrompts { jobs, verb });
    }
    Ok(())
}

/// True when the run must end non-zero whatever happens: a layer was deleted since the ref.
pub fn has_deleted_layers(selection: &Selection) -> bool {
    selection
        .changes
        .as_ref()
        .is_some_and(|c| !c.deleted_layers.is_empty())
}

/// `--dry-run`: the selected layers by level, each with why it is selected.
pub fn listing(selection: &Selection) -> String {
    let schedule = &selection.schedule;
    let mut out = String::new();
    if let Some(changes) = &selection.changes {
        let _ = writeln!(
            out,
            "{} changed files since {}; {} layers selected",
            changes.files.len(),
            changes.base,
            schedule.layers.len()
        );
    }
    for (n, units) in schedule.levels().iter().enumerate() {
        let _ = writeln!(out, "level {}", n + 1);
        for &u in units {
            let unit = &schedule.units[u];
            for &l in &unit.layers {
                let mut line = format!("  {}", schedule.layers[l].display());
                if unit.is_cycle() {
                    line.push_str("  [cycle]");
                }
                if !selection.reasons[l].is_empty() {
                    let _ = write!(line, "  ({})", selection.reasons[l]);
                }
                let _ = writeln!(out, "{line}");
            }
        }
    }
    if let Some(changes) = &selection.changes {
        for layer in &changes.deleted_layers {
            let _ = writeln!(
                out,
                "deleted: {} (destroy it from {})",
                layer.display(),
                changes.base
            );
        }
    }
    out
}
