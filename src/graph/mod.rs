//! The project as a dependency graph (see docs/behaviour.md): which directories are layers,
//! whose state each reads (its `terraform_remote_state` data sources), and the order in which
//! whole-project runs (`--all`) go, with `--changed-since` selecting what changed.

pub mod changes;
mod diagnostic;
mod discovery;
mod error;
mod functions;
mod identity;
mod inputs;
pub mod preflight;
mod remote_state;
pub mod render;
mod resolve;
pub mod schedule;
pub mod selection;

pub use diagnostic::Diagnostic;

/// The enabled layers of the project at `root` (paths relative to it), sorted.
pub fn enabled_layer_dirs(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    discovery::discover(root)
        .0
        .into_iter()
        .filter(|layer| !layer.disabled)
        .map(|layer| layer.path)
        .collect()
}
pub use error::GraphError;
pub use resolve::{Graph, Layer};
pub use schedule::{Progress, Schedule, State};
pub use selection::{AllOptions, Dependents, Selection, select_all};
