//! What the graph could not work out, by file and block: never fatal, shown by
//! `project graph` and as warnings before a whole-project run.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Diagnostic {
    /// A .tf or .tfvars file that does not parse; the rest of its layer is still read.
    Unparsable { file: PathBuf, message: String },
    /// A remote-state reference whose key (or count/for_each) could not be evaluated.
    Unresolved {
        file: PathBuf,
        block: String,
        reason: String,
    },
    /// A reference to a state key that no layer declares.
    Dangling {
        file: PathBuf,
        block: String,
        key: String,
    },
    /// A reference whose key several layers declare, with no bucket to tell them apart.
    Ambiguous {
        file: PathBuf,
        block: String,
        key: String,
        layers: Vec<PathBuf>,
    },
    /// An enabled layer reading the state of a disabled one.
    ReadsDisabled {
        file: PathBuf,
        block: String,
        layer: PathBuf,
    },
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::Unparsable { file, message } => {
                write!(f, "{}: does not parse ({message})", file.display())
            }
            Diagnostic::Unresolved {
                file,
                block,
                reason,
            } => write!(f, "{} {block}: could not evaluate {reason}", file.display()),
            Diagnostic::Dangling { file, block, key } => {
                write!(f, "{} {block}: no layer owns the key {key}", file.display())
            }
            Diagnostic::Ambiguous {
                file,
                block,
                key,
                layers,
            } => {
                let names: Vec<String> = layers.iter().map(|l| l.display().to_string()).collect();
                write!(
                    f,
                    "{} {block}: the key {key} is declared by several layers ({}) and the bucket is unknown",
                    file.display(),
                    names.join(", ")
                )
            }
            Diagnostic::ReadsDisabled { file, block, layer } => write!(
                f,
                "{} {block}: reads the state of the disabled layer {}",
                file.display(),
                layer.display()
            ),
        }
    }
}
