//! The product speaks for itself: no source file, test, document or `--help` page names the
//! project's internal papers (the words below as whole words, case-insensitive, or their path).

use clap::CommandFactory;
use std::path::{Path, PathBuf};

/// Whole words (letters, digits and `_` make a word, as `grep -w` counts them).
const WORDS: [&str; 3] = ["seed", "seeds", "spec"];
/// A path outside the repository that no user has.
const OUTSIDE_PATH: &str = "../shared";

/// The offending words and paths in `text`, with their line numbers.
fn hits(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let words = line.split(|c: char| !(c.is_alphanumeric() || c == '_'));
        for word in words.filter(|w| WORDS.contains(&w.to_lowercase().as_str())) {
            found.push(format!("line {}: {word:?}: {}", number + 1, line.trim()));
        }
        if line.contains(OUTSIDE_PATH) {
            found.push(format!(
                "line {}: {OUTSIDE_PATH:?}: {}",
                number + 1,
                line.trim()
            ));
        }
    }
    found
}

fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_below(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_words_finder_sees_whole_words_only() {
    assert_eq!(
        hits("a Seed, the seeds; see SPEC §5 or ../shared/x").len(),
        4
    );
    assert!(hits("specific, specified, special, seeded, RFC_SEED").is_empty());
}

#[test]
fn sources_tests_readme_and_docs_never_name_internal_papers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for dir in ["src", "tests", "docs"] {
        files_below(&root.join(dir), &mut files);
    }
    let this_file = root.join(file!());
    let mut report = Vec::new();
    for file in files.iter().filter(|f| **f != this_file) {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        for hit in hits(&String::from_utf8_lossy(&bytes)) {
            report.push(format!("{}: {hit}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "internal words found:\n{}",
        report.join("\n")
    );
}

/// Every command below `command`, itself included, with its full path.
fn help_pages(command: &mut clap::Command, path: String, out: &mut Vec<(String, String)>) {
    out.push((path.clone(), command.render_long_help().to_string()));
    for sub in command.get_subcommands_mut() {
        let name = format!("{path} {}", sub.get_name());
        help_pages(sub, name, out);
    }
}

#[test]
fn no_help_page_names_internal_papers() {
    let mut cli = leverage::cli::Cli::command();
    cli.build();
    let mut pages = Vec::new();
    help_pages(&mut cli, "leverage".into(), &mut pages);
    assert!(
        pages.len() > 20,
        "the help tree has only {} pages",
        pages.len()
    );
    let report: Vec<String> = pages
        .iter()
        .flat_map(|(path, text)| {
            hits(text)
                .into_iter()
                .map(move |hit| format!("{path} --help: {hit}"))
        })
        .collect();
    assert!(
        report.is_empty(),
        "internal words found:\n{}",
        report.join("\n")
    );
}
