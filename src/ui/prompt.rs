//! Questions to the user: a real prompt on a terminal, one line of stdin per question otherwise.
//!
//! Without a terminal (CI, pipes, tests) every question reads the next line of standard input, so a
//! whole interactive flow can be scripted; the end of input is an error that names the flag that
//! avoids the question, because a silent default would hide what happened.

use super::Secret;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("no answer to \"{question}\": standard input ended; {avoid}")]
    NoAnswer { question: String, avoid: String },
    #[error("could not read the answer to \"{question}\": {source}")]
    Io {
        question: String,
        source: std::io::Error,
    },
    #[error("stopped at \"{question}\" (Ctrl-C)")]
    Interrupted { question: String },
}

impl PromptError {
    fn reading(question: &str, source: std::io::Error) -> PromptError {
        let question = question.to_string();
        if source.kind() == std::io::ErrorKind::Interrupted {
            PromptError::Interrupted { question }
        } else {
            PromptError::Io { question, source }
        }
    }
}

impl crate::error::Diagnostic for PromptError {
    fn exit_code(&self) -> i32 {
        match self {
            PromptError::Interrupted { .. } => 130,
            _ => 1,
        }
    }
}

enum Source {
    Terminal,
    Lines(Mutex<Box<dyn BufRead + Send>>),
}

/// Asks questions, interactively or from lines of input.
pub struct Prompt {
    source: Source,
}

impl Prompt {
    /// A terminal prompt when stdin and stderr are terminals, else one stdin line per question.
    pub fn detect() -> Self {
        if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            Prompt {
                source: Source::Terminal,
            }
        } else {
            Prompt::from_lines(UnbufferedStdin::default())
        }
    }

    /// Answers come from `reader`, one line per question.
    pub fn from_lines(reader: impl BufRead + Send + 'static) -> Self {
        Prompt {
            source: Source::Lines(Mutex::new(Box::new(reader))),
        }
    }

    /// Picks one of `options`; `avoid` says which flag makes the question unnecessary.
    /// A line may hold the option's number (from 1), its text, or the start of its text.
    pub fn select(
        &self,
        question: &str,
        options: &[&str],
        avoid: &str,
    ) -> Result<usize, PromptError> {
        match &self.source {
            Source::Terminal => super::menu::pick(question, options)
                .map_err(|source| PromptError::reading(question, source)),
            Source::Lines(reader) => {
                let listed: Vec<String> = options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| format!("{}) {o}", i + 1))
                    .collect();
                announce(&format!("{question} [{}]", listed.join(", ")));
                loop {
                    let line = read_line(reader, question, avoid)?;
                    if let Some(choice) = choose(&line, options) {
                        return Ok(choice);
                    }
                    // The answer is not echoed: a mistyped line may hold anything, a secret too.
                    tracing::warn!(
                        "That answer is not one of the choices for \"{question}\"; answer with \
                         a number from 1 to {}.",
                        options.len()
                    );
                }
            }
        }
    }

    /// Free text; `validate` returns why an answer is refused, and the question is asked again.
    pub fn text(
        &self,
        question: &str,
        avoid: &str,
        validate: impl Fn(&str) -> Result<(), String>,
    ) -> Result<String, PromptError> {
        loop {
            let answer = match &self.source {
                Source::Terminal => dialoguer::Input::<String>::with_theme(
                    &dialoguer::theme::ColorfulTheme::default(),
                )
                .with_prompt(question)
                .interact_text()
                .map_err(|e| io_error(question, e))?,
                Source::Lines(reader) => {
                    announce(question);
                    read_line(reader, question, avoid)?
                }
            };
            match validate(answer.trim()) {
                Ok(()) => return Ok(answer.trim().to_string()),
                Err(why) => tracing::error!("{why}"),
            }
        }
    }

    /// A hidden answer; `validate` works as for [`Prompt::text`] and never sees the value printed.
    pub fn secret(
        &self,
        question: &str,
        avoid: &str,
        validate: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Secret, PromptError> {
        loop {
            let answer = match &self.source {
                Source::Terminal => Secret::new(
                    dialoguer::Password::with_theme(&dialoguer::theme::ColorfulTheme::default())
                        .with_prompt(question)
                        .interact()
                        .map_err(|e| io_error(question, e))?,
                ),
                Source::Lines(reader) => {
                    announce(question);
                    Secret::new(read_line(reader, question, avoid)?)
                }
            };
            match validate(answer.expose().trim()) {
                Ok(()) => return Ok(Secret::new(answer.expose().trim())),
                Err(why) => tracing::error!("{why}"),
            }
        }
    }
}

/// Standard input read one byte at a time: an answer never takes lines that a child process
/// started afterwards (terraform asking "yes") should read. Rust's `Stdin` buffers 8 KiB.
#[derive(Default)]
struct UnbufferedStdin {
    byte: [u8; 1],
    filled: bool,
}

impl UnbufferedStdin {
    fn fd() -> std::mem::ManuallyDrop<std::fs::File> {
        use std::os::fd::FromRawFd;
        // SAFETY: fd 0 is open for the life of the process; ManuallyDrop never closes it.
        std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(0) })
    }
}

impl std::io::Read for UnbufferedStdin {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for UnbufferedStdin {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        use std::io::Read;
        if !self.filled {
            self.filled = Self::fd().read(&mut self.byte)? == 1;
        }
        Ok(if self.filled { &self.byte } else { &[] })
    }

    fn consume(&mut self, amount: usize) {
        if amount > 0 {
            self.filled = false;
        }
    }
}

/// Shows the question on stderr so a scripted run still reads like a conversation.
fn announce(question: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "> {question}");
}

fn read_line(
    reader: &Mutex<Box<dyn BufRead + Send>>,
    question: &str,
    avoid: &str,
) -> Result<String, PromptError> {
    let mut line = String::new();
    let mut reader = reader
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let read = reader
        .read_line(&mut line)
        .map_err(|source| PromptError::reading(question, source))?;
    if read == 0 {
        return Err(PromptError::NoAnswer {
            question: question.to_string(),
            avoid: avoid.to_string(),
        });
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A 1-based number, the option's text, or a unique case-insensitive start of it.
fn choose(answer: &str, options: &[&str]) -> Option<usize> {
    let answer = answer.trim();
    if answer.is_empty() {
        return None;
    }
    if let Ok(n) = answer.parse::<usize>() {
        return (1..=options.len()).contains(&n).then(|| n - 1);
    }
    let lower = answer.to_lowercase();
    if let Some(i) = options.iter().position(|o| o.to_lowercase() == lower) {
        return Some(i);
    }
    let starts: Vec<usize> = options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.to_lowercase().starts_with(&lower))
        .map(|(i, _)| i)
        .collect();
    (starts.len() == 1).then(|| starts[0])
}

fn io_error(question: &str, error: dialoguer::Error) -> PromptError {
    let dialoguer::Error::IO(source) = error;
    PromptError::reading(question, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &str) -> Prompt {
        Prompt::from_lines(std::io::Cursor::new(input.to_string().into_bytes()))
    }

    #[test]
    fn select_accepts_number_text_and_unique_prefix() {
        let options = ["Path to an access keys file obtained from AWS", "Manually"];
        let prompt = lines("2\nmanually\npath\n1\n");
        assert_eq!(prompt.select("How?", &options, "").unwrap(), 1);
        assert_eq!(prompt.select("How?", &options, "").unwrap(), 1);
        assert_eq!(prompt.select("How?", &options, "").unwrap(), 0);
        assert_eq!(prompt.select("How?", &options, "").unwrap(), 0);
    }

    #[test]
    fn select_asks_again_after_a_wrong_answer() {
        let prompt = lines("7\nnope\n2\n");
        assert_eq!(prompt.select("Which?", &["a", "b"], "").unwrap(), 1);
    }

    #[test]
    fn end_of_input_names_the_flag_that_avoids_the_question() {
        let prompt = lines("");
        let error = prompt
            .text("Key", "use --credentials-file PATH instead", |_| Ok(()))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "no answer to \"Key\": standard input ended; use --credentials-file PATH instead"
        );
    }

    #[test]
    fn invalid_answers_are_asked_again_until_input_ends() {
        let prompt = lines("short\nAKIAIOSFODNN7EXAMPLE\r\n");
        let answer = prompt
            .text("Key", "", |v| {
                if v.len() == 20 {
                    Ok(())
                } else {
                    Err("wrong length".into())
                }
            })
            .unwrap();
        assert_eq!(answer, "AKIAIOSFODNN7EXAMPLE");
        let prompt = lines("short\n");
        assert!(matches!(
            prompt.secret("Secret", "flag", |_| Err("never".into())),
            Err(PromptError::NoAnswer { .. })
        ));
    }
}
