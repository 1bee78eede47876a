//! The AWS CLI's INI dialect, edited without losing a byte the edit does not touch: comments,
//! blank lines, key order, spacing, nested values and unrelated sections all survive.
//!
//! No maintained crate keeps formatting on write (rust-ini and configparser re-serialise), so
//! this is a small line-based editor with its own round-trip tests.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    Section(String),
    /// `key = value`; `delimiter` is the byte offset of `=` (or `:`) in the raw line.
    Key {
        key: String,
        delimiter: usize,
    },
    /// An indented line under a key (`s3 =` followed by `  max_concurrent_requests = 10`).
    Continuation,
}

#[derive(Debug, Clone)]
struct Line {
    raw: String,
    kind: Kind,
    /// Ended by `\r\n` (a file edited on Windows keeps its line ends).
    crlf: bool,
}

/// A parse error: the 1-based line and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// An INI document that renders back to exactly the text it was parsed from, plus the edits.
#[derive(Debug, Clone, Default)]
pub struct Ini {
    lines: Vec<Line>,
    /// Whether the last line ended with a newline (kept as found).
    trailing_newline: bool,
}

impl Ini {
    pub fn parse(text: &str) -> Result<Ini, IniError> {
        let mut lines: Vec<Line> = Vec::new();
        let crlf: Vec<bool> = text
            .split_inclusive('\n')
            .map(|l| l.ends_with("\r\n"))
            .collect();
        for (index, raw) in text.lines().enumerate() {
            let in_section = lines.iter().any(|l| matches!(l.kind, Kind::Section(_)));
            let after_key = lines
                .iter()
                .rev()
                .find(|l| l.kind != Kind::Comment)
                .is_some_and(|l| matches!(l.kind, Kind::Key { .. } | Kind::Continuation));
            let kind = classify(raw, in_section, after_key).map_err(|message| IniError {
                line: index + 1,
                message: message.into(),
            })?;
            lines.push(Line {
                raw: raw.to_string(),
                kind,
                crlf: crlf.get(index).copied().unwrap_or(false),
            });
        }
        let ini = Ini {
            lines,
            trailing_newline: text.is_empty() || text.ends_with('\n'),
        };
        ini.check_unique()?;
        Ok(ini)
    }

    /// The AWS CLI refuses a file with a section twice, or a key twice in a section (and an
    /// edit would change only the first), so such a file is refused whole.
    fn check_unique(&self) -> Result<(), IniError> {
        let mut sections: Vec<(&str, usize)> = Vec::new();
        let mut keys: Vec<(String, usize)> = Vec::new();
        let mut section = "";
        for (index, line) in self.lines.iter().enumerate() {
            match &line.kind {
                Kind::Section(name) => {
                    if let Some((_, first)) = sections.iter().find(|(s, _)| s == name) {
                        return Err(IniError {
                            line: index + 1,
                            message: format!(
                                "section [{name}] appears twice (lines {} and {})",
                                first + 1,
                                index + 1
                            ),
                        });
                    }
                    sections.push((name, index));
                    section = name;
                    keys.clear();
                }
                Kind::Key { key, .. } => {
                    // The AWS CLI reads keys case-insensitively.
                    let folded = key.to_lowercase();
                    if let Some((_, first)) = keys.iter().find(|(k, _)| *k == folded) {
                        return Err(IniError {
                            line: index + 1,
                            message: format!(
                                "key {key} appears twice in [{section}] (lines {} and {})",
                                first + 1,
                                index + 1
                            ),
                        });
                    }
                    keys.push((folded, index));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Section names in file order.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().filter_map(|l| match &l.kind {
            Kind::Section(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// The value of `key` in `section`, trimmed; a nested (continued) value reads as empty.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let range = self.section_range(section)?;
        self.lines[range].iter().find_map(|l| match &l.kind {
            Kind::Key { key: k, delimiter } if k == key => Some(l.raw[delimiter + 1..].trim()),
            _ => None,
        })
    }

    /// Sets `key = value` in `section`: the existing line keeps its key and spacing, a new key
    /// goes after the section's last key, and a new section goes at the end of the file.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        let Some(range) = self.section_range(section) else {
            let crlf = self.crlf();
            if self.lines.last().is_some_and(|l| l.kind != Kind::Blank) {
                self.lines.push(Line {
                    raw: String::new(),
                    kind: Kind::Blank,
                    crlf,
                });
            }
            self.lines.push(Line {
                raw: format!("[{section}]"),
                kind: Kind::Section(section.to_string()),
                crlf,
            });
            self.push_key(self.lines.len(), key, value);
            self.trailing_newline = true;
            return;
        };
        for line in &mut self.lines[range.clone()] {
            if let Kind::Key { key: k, delimiter } = &line.kind
                && k == key
            {
                let (before, after) = line.raw.split_at(delimiter + 1);
                let spacing: String = after
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                let spacing = if spacing.is_empty() {
                    " ".to_string()
                } else {
                    spacing
                };
                line.raw = format!("{before}{spacing}{value}");
                return;
            }
        }
        let last_key = self.lines[range.clone()]
            .iter()
            .rposition(|l| matches!(l.kind, Kind::Key { .. } | Kind::Continuation));
        let at = match last_key {
            Some(offset) => range.start + offset + 1,
            None => range.start + 1,
        };
        self.push_key(at, key, value);
    }

    /// The keys of `section`, in order.
    pub fn keys(&self, section: &str) -> Vec<&str> {
        let Some(range) = self.section_range(section) else {
            return Vec::new();
        };
        self.lines[range]
            .iter()
            .filter_map(|l| match &l.kind {
                Kind::Key { key, .. } => Some(key.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Removes `key = ...` (and its indented continuation lines) from `section`; whether it was
    /// there.
    pub fn remove(&mut self, section: &str, key: &str) -> bool {
        let Some(range) = self.section_range(section) else {
            return false;
        };
        let Some(at) = self.lines[range.clone()]
            .iter()
            .position(|l| matches!(&l.kind, Kind::Key { key: k, .. } if k == key))
            .map(|offset| range.start + offset)
        else {
            return false;
        };
        let continued = self.lines[at + 1..range.end]
            .iter()
            .take_while(|l| l.kind == Kind::Continuation)
            .count();
        self.lines.drain(at..at + 1 + continued);
        true
    }

    /// Removes `section`: its header and keys, not the comments or blank lines after its last
    /// key (they may introduce the next section), and one of two blank lines it leaves together.
    pub fn remove_section(&mut self, section: &str) -> bool {
        let Some(range) = self.section_range(section) else {
            return false;
        };
        let last = self.lines[range.clone()]
            .iter()
            .rposition(|l| {
                matches!(
                    l.kind,
                    Kind::Section(_) | Kind::Key { .. } | Kind::Continuation
                )
            })
            .map_or(range.start, |offset| range.start + offset);
        self.lines.drain(range.start..=last);
        let at = range.start;
        let blank_before = at > 0 && self.lines[at - 1].kind == Kind::Blank;
        let blank_or_end_after = self.lines.get(at).is_none_or(|l| l.kind == Kind::Blank);
        if blank_before && blank_or_end_after {
            self.lines.remove(at - 1);
        }
        true
    }

    fn push_key(&mut self, at: usize, key: &str, value: &str) {
        let raw = format!("{key} = {value}");
        let crlf = self.crlf();
        self.lines.insert(
            at,
            Line {
                kind: Kind::Key {
                    key: key.to_string(),
                    delimiter: key.len() + 1,
                },
                raw,
                crlf,
            },
        );
    }

    /// New lines end like the file's first line.
    fn crlf(&self) -> bool {
        self.lines.first().is_some_and(|l| l.crlf)
    }

    /// Lines from the header to the next header (or the end); the first section of that name.
    fn section_range(&self, section: &str) -> Option<std::ops::Range<usize>> {
        let start = self
            .lines
            .iter()
            .position(|l| matches!(&l.kind, Kind::Section(name) if name == section))?;
        let end = self.lines[start + 1..]
            .iter()
            .position(|l| matches!(l.kind, Kind::Section(_)))
            .map_or(self.lines.len(), |i| start + 1 + i);
        Some(start..end)
    }
}

/// What one line is, given whether a section has started and whether the line above (comments
/// aside) is a key or its continuation. Bad lines are described, never echoed: in a credentials
/// file the line may be a secret.
fn classify(raw: &str, in_section: bool, after_key: bool) -> Result<Kind, &'static str> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(Kind::Blank);
    }
    if trimmed.starts_with('#') || trimmed.starts_with(';') {
        return Ok(Kind::Comment);
    }
    if raw.starts_with([' ', '\t']) && after_key {
        return Ok(Kind::Continuation);
    }
    if trimmed.starts_with('[') {
        let name = trimmed
            .strip_suffix(']')
            .map(|s| s[1..].trim())
            .filter(|s| !s.is_empty())
            .ok_or("a `[` line that is not a section header like `[name]`")?;
        return Ok(Kind::Section(name.to_string()));
    }
    let delimiter = raw
        .find(['=', ':'])
        .ok_or("expected `[section]` or `key = value`")?;
    if !in_section {
        return Err("a key before any `[section]` header");
    }
    let key = raw[..delimiter].trim();
    if key.is_empty() {
        return Err("a value without a key");
    }
    Ok(Kind::Key {
        key: key.to_string(),
        delimiter,
    })
}

impl fmt::Display for Ini {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.lines.iter().enumerate() {
            f.write_str(&line.raw)?;
            if i + 1 < self.lines.len() || self.trailing_newline {
                f.write_str(if line.crlf { "\r\n" } else { "\n" })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "# my settings\n[default]\nregion=eu-west-1\n\n[profile other]   \n; hand-made\nregion   =   sa-east-1\ns3 =\n    max_concurrent_requests = 20\n\n# trailing comment\n";

    #[test]
    fn removing_a_section_keeps_its_neighbours_bytes() {
        let text = "[a]\nk = v\n\n# about b\n[b]\nk = v\n";
        let mut ini = Ini::parse(text).unwrap();
        ini.set("c", "x", "1");
        assert!(ini.remove_section("c"));
        assert_eq!(ini.to_string(), text);
        assert!(ini.remove_section("a"));
        assert_eq!(ini.to_string(), "\n# about b\n[b]\nk = v\n");
        assert!(!ini.remove_section("a"));
    }

    #[test]
    fn removing_a_key_takes_its_nested_lines_along() {
        let mut ini = Ini::parse("[a]\ns3 =\n    x = 1\nk = v\n").unwrap();
        assert!(ini.remove("a", "s3"));
        assert!(!ini.remove("a", "s3"));
        assert_eq!(ini.to_string(), "[a]\nk = v\n");
        assert_eq!(ini.keys("a"), ["k"]);
    }

    #[test]
    fn parsing_and_printing_returns_the_same_bytes() {
        for text in [
            CONFIG,
            "",
            "[a]\nk = v",
            "[a]\r\nk = v\r\n",
            "\n\n[a]\n\n\n",
        ] {
            let ini = Ini::parse(text).unwrap();
            assert_eq!(ini.to_string(), text, "{text:?}");
        }
    }

    #[test]
    fn values_are_read_by_section_and_key() {
        let ini = Ini::parse(CONFIG).unwrap();
        assert_eq!(
            ini.sections().collect::<Vec<_>>(),
            ["default", "profile other"]
        );
        assert_eq!(ini.get("profile other", "region"), Some("sa-east-1"));
        assert_eq!(ini.get("profile other", "s3"), Some(""));
        assert_eq!(ini.get("profile other", "max_concurrent_requests"), None);
        assert_eq!(ini.get("profile none", "region"), None);
    }

    #[test]
    fn setting_an_existing_key_keeps_its_spacing_and_everything_else() {
        let mut ini = Ini::parse(CONFIG).unwrap();
        ini.set("profile other", "region", "us-east-1");
        assert_eq!(
            ini.to_string(),
            CONFIG.replace("region   =   sa-east-1", "region   =   us-east-1")
        );
        ini.set("default", "region", "us-east-2");
        assert!(ini.to_string().contains("\nregion= us-east-2\n"));
    }

    #[test]
    fn a_new_key_goes_after_the_section_keys_and_a_new_section_at_the_end() {
        let mut ini = Ini::parse(CONFIG).unwrap();
        ini.set("profile other", "output", "json");
        ini.set("profile bb-shared-oaar", "region", "us-east-1");
        ini.set("profile bb-shared-oaar", "output", "json");
        let expected = CONFIG.replace(
            "max_concurrent_requests = 20\n",
            "max_concurrent_requests = 20\noutput = json\n",
        ) + "\n[profile bb-shared-oaar]\nregion = us-east-1\noutput = json\n";
        assert_eq!(ini.to_string(), expected);
    }

    #[test]
    fn a_file_without_a_final_newline_gets_one_only_when_a_section_is_added() {
        let mut ini = Ini::parse("[a]\nk = v").unwrap();
        ini.set("a", "k", "w");
        assert_eq!(ini.to_string(), "[a]\nk = w");
        ini.set("b", "k", "v");
        assert_eq!(ini.to_string(), "[a]\nk = w\n\n[b]\nk = v\n");
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        assert_eq!(
            Ini::parse("key = value\n").unwrap_err().to_string(),
            "line 1: a key before any `[section]` header"
        );
        assert_eq!(
            Ini::parse("[a]\nk = v\njunk\n").unwrap_err().to_string(),
            "line 3: expected `[section]` or `key = value`"
        );
        assert_eq!(
            Ini::parse("[a\n").unwrap_err().to_string(),
            "line 1: a `[` line that is not a section header like `[name]`"
        );
    }

    #[test]
    fn crlf_line_ends_are_kept_and_new_lines_follow_them() {
        // Found by tests/properties.rs: a Windows-edited file came back with `\n` endings.
        let mut ini = Ini::parse("[a]\r\nk = v\r\n").unwrap();
        assert_eq!(ini.to_string(), "[a]\r\nk = v\r\n");
        ini.set("a", "x", "y");
        ini.set("b", "k", "w");
        assert_eq!(
            ini.to_string(),
            "[a]\r\nk = v\r\nx = y\r\n\r\n[b]\r\nk = w\r\n"
        );
    }

    #[test]
    fn a_malformed_line_is_never_echoed() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let error = Ini::parse(&format!("[a]\n{secret}\n")).unwrap_err();
        assert!(!error.to_string().contains("wJalr"), "{error}");
    }

    #[test]
    fn duplicate_sections_and_keys_are_refused() {
        assert_eq!(
            Ini::parse("[a]\nk = 1\n\n[b]\n[a]\nk = 2\n")
                .unwrap_err()
                .to_string(),
            "line 5: section [a] appears twice (lines 1 and 5)"
        );
        assert_eq!(
            Ini::parse("[a]\nk = 1\nK = 2\n").unwrap_err().to_string(),
            "line 3: key K appears twice in [a] (lines 2 and 3)"
        );
        assert!(Ini::parse("[a]\nk = 1\n[b]\nk = 2\n").is_ok());
    }
}
