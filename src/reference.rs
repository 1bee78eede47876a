//! The reference generated from the command tree: `reference.md` (every command and flag) and one
//! man page per command under `man/`, so the published documentation always matches the CLI.

use crate::error::IoError;
use crate::exit_status::ExitStatus;
use std::path::{Path, PathBuf};

/// Every page for `command`: its path relative to the docs directory, and its content.
pub fn pages(command: clap::Command) -> Result<Vec<(PathBuf, Vec<u8>)>, std::io::Error> {
    let command = command.disable_help_subcommand(true);
    let options = clap_markdown::MarkdownOptions::new()
        .title("Command reference".into())
        .show_footer(false);
    let markdown = clap_markdown::help_markdown_command_custom(&command, &options);
    let mut pages = vec![(PathBuf::from("reference.md"), markdown.into_bytes())];
    // Built, the commands know their full names (`leverage-tf-plan`), which man pages use.
    let mut command = command;
    command.build();
    man_pages(command, &mut pages)?;
    Ok(pages)
}

/// `command` and every visible command below it as a man page (`leverage-tf.1`, ...).
fn man_pages(command: clap::Command, out: &mut Vec<(PathBuf, Vec<u8>)>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render(&mut page)?;
    out.push((Path::new("man").join(man.get_filename()), page));
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub.clone(), out)?;
    }
    Ok(())
}

/// Writes every page of `command` below `dir` (created when missing), replacing older pages.
pub fn write(dir: &Path, command: clap::Command) -> crate::Result<ExitStatus> {
    let pages = pages(command).map_err(|e| IoError::new("render the pages for", dir, e))?;
    for (relative, content) in pages {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(IoError::on("create", parent))?;
        }
        std::fs::write(&path, content).map_err(IoError::on("write", &path))?;
        crate::ui::output::println(&path.display().to_string())?;
    }
    Ok(ExitStatus::Success)
}
