//! `docs/reference.md` and `docs/man/*.1` are generated from the command tree by the hidden
//! `leverage generate-docs DIR`; the committed copies must be exactly what it writes today.

use crate::support::Scenario;
use std::collections::BTreeMap;
use std::path::Path;

const REGENERATE: &str = "regenerate them with `cargo run -- generate-docs docs` and commit docs/";

/// Every file below `dir`, by its path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "man"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten().filter(|e| e.path().is_file()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if sub.is_empty() {
                name
            } else {
                format!("{sub}/{name}")
            };
            out.insert(relative, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

#[test]
fn committed_reference_and_man_pages_match_the_command_tree() {
    let s = Scenario::new();
    let out = tempfile::tempdir().unwrap();
    let run = s.run(&["generate-docs", out.path().to_str().unwrap()], "");
    run.success();
    let generated = files(out.path());
    assert!(generated.contains_key("reference.md"));
    assert!(generated.contains_key("man/leverage.1"));
    assert!(generated.contains_key("man/leverage-credentials-configure.1"));

    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let committed = files(&docs);
    let mut stale = Vec::new();
    for (name, content) in &generated {
        match committed.get(name) {
            None => stale.push(format!("docs/{name} is missing")),
            Some(old) if old != content => stale.push(format!("docs/{name} differs")),
            Some(_) => {}
        }
    }
    for name in committed.keys().filter(|n| n.starts_with("man/")) {
        if !generated.contains_key(name) {
            stale.push(format!(
                "docs/{name} is no longer generated (a removed command)"
            ));
        }
    }
    assert!(stale.is_empty(), "{}\n{REGENERATE}", stale.join("\n"));
}

#[test]
fn generate_docs_is_hidden_from_help() {
    let run = Scenario::new().run(&["--help"], "");
    run.success();
    assert!(!run.stdout.contains("generate-docs"), "{}", run.stdout);
}
