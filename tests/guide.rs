//! docs/guide.md never goes stale: every `leverage ...` line in its fenced code blocks must parse
//! with the real command tree, so the guide names only commands and flags that exist.

use clap::Parser;
use clap::error::ErrorKind;
use leverage::cli::Cli;

/// The `leverage` command lines inside the guide's fenced code blocks, with their line numbers.
fn guide_commands(text: &str) -> Vec<(usize, String)> {
    let mut in_block = false;
    let mut commands = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with("```") {
            in_block = !in_block;
        } else if in_block && line.starts_with("leverage ") {
            commands.push((number + 1, line.to_string()));
        }
    }
    commands
}

/// Shell words of a simple command line: quotes removed; stops at a redirection or comment.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, '>' | '#' | '|' | '&' | ';') if word.is_empty() => return words,
            (None, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn words_are_split_like_a_shell_does() {
    assert_eq!(
        words("leverage tf plan --layers 'us-east-1/*' > out # c"),
        ["leverage", "tf", "plan", "--layers", "us-east-1/*"]
    );
}

#[test]
fn every_command_in_the_guide_exists() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md");
    let text = std::fs::read_to_string(path).expect("docs/guide.md is readable");
    let commands = guide_commands(&text);
    assert!(
        commands.len() >= 20,
        "only {} commands found in the guide",
        commands.len()
    );
    let failures: Vec<String> = commands
        .iter()
        .filter_map(|(number, line)| {
            let error = Cli::try_parse_from(words(line)).err()?;
            // `--version` and `--help` end the parse early, as they should.
            let shown = [ErrorKind::DisplayVersion, ErrorKind::DisplayHelp];
            (!shown.contains(&error.kind()))
                .then(|| format!("docs/guide.md:{number}: `{line}`:\n{error}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_guide_walks_through_every_step_of_the_landing_zone() {
    let text = include_str!("../docs/guide.md");
    let lines: Vec<String> = guide_commands(text).into_iter().map(|(_, l)| l).collect();
    for step in [
        "leverage project init",
        "leverage project create",
        "leverage credentials configure --type BOOTSTRAP",
        "leverage credentials configure --type MANAGEMENT",
        "leverage credentials configure --type SECURITY",
        "leverage identities password",
        "leverage credentials mfa-device",
        "leverage mfa enable",
        "leverage aws configure sso",
        "leverage aws sso login",
        "leverage tf plan --layers",
        "leverage tf plan --all",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(step)),
            "the guide lacks `{step}`"
        );
    }
}
