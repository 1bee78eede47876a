//! The list a question shows on a terminal: arrows (or j/k, Home/End) move, typing an entry's
//! number jumps to it, Enter or Space picks. Typing the number and Enter is what a scripted run
//! answers on stdin, so both ways of answering feel the same. dialoguer's list has no number keys.

use dialoguer::console::{Key, Term, truncate_str};
use dialoguer::theme::{ColorfulTheme, Theme};

/// Where the cursor is and what the user has typed; knows nothing of the terminal.
#[derive(Debug)]
pub struct Menu {
    len: usize,
    cursor: usize,
    typed: String,
}

/// What a key press did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// The cursor may have moved: draw again.
    Moved,
    /// The entry at this index was picked.
    Picked(usize),
}

impl Menu {
    /// A menu of `len` entries (at least one) with the cursor on `default`.
    pub fn new(len: usize, default: usize) -> Menu {
        Menu {
            len: len.max(1),
            cursor: default.min(len.saturating_sub(1)),
            typed: String::new(),
        }
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn press(&mut self, key: &Key) -> Step {
        if let Key::Char(digit @ '0'..='9') = key {
            self.type_digit(*digit);
            return Step::Moved;
        }
        self.typed.clear();
        match key {
            Key::ArrowDown | Key::Tab | Key::Char('j') => {
                self.cursor = (self.cursor + 1) % self.len
            }
            Key::ArrowUp | Key::BackTab | Key::Char('k') => {
                self.cursor = (self.cursor + self.len - 1) % self.len
            }
            Key::Home | Key::PageUp => self.cursor = 0,
            Key::End | Key::PageDown => self.cursor = self.len - 1,
            Key::Enter | Key::Char(' ') => return Step::Picked(self.cursor),
            _ => {}
        }
        Step::Moved
    }

    /// "1" then "2" reaches entry 12 when there is one; otherwise the new digit starts over.
    fn type_digit(&mut self, digit: char) {
        self.typed.push(digit);
        if self.number_in_range().is_none() {
            self.typed = digit.to_string();
        }
        match self.number_in_range() {
            Some(number) => self.cursor = number - 1,
            None => self.typed.clear(),
        }
    }

    fn number_in_range(&self) -> Option<usize> {
        let number: usize = self.typed.parse().ok()?;
        (1..=self.len).contains(&number).then_some(number)
    }

    /// The entries to draw, numbered: a window around the cursor when they do not fit in `rows`.
    fn lines(&self, options: &[&str], rows: usize, theme: &dyn Theme) -> Vec<String> {
        let shown = self.len.min(rows.max(3));
        let first = (self.cursor + 1).saturating_sub(shown);
        (first..first + shown)
            .map(|i| {
                let mut line = String::new();
                let text = format!("{}) {}", i + 1, options[i]);
                let _ = theme.format_select_prompt_item(&mut line, &text, i == self.cursor);
                line
            })
            .collect()
    }
}

/// Asks `question` on the terminal and returns the index picked. Ctrl-C gives an `Interrupted`
/// error; the cursor is shown again whatever happens.
pub fn pick(question: &str, options: &[&str]) -> std::io::Result<usize> {
    let term = Term::stderr();
    let theme = ColorfulTheme::default();
    let mut menu = Menu::new(options.len(), 0);
    let mut heading = String::new();
    let _ = theme.format_select_prompt(&mut heading, question);
    term.hide_cursor()?;
    let _restore = ShowCursorOnDrop(&term);
    let mut drawn = 0;
    loop {
        let (rows, columns) = term.size();
        let lines = menu.lines(options, usize::from(rows).saturating_sub(2), &theme);
        // A line wider than the terminal would wrap, and clearing counts lines, not rows.
        let fit = |line: &str| {
            truncate_str(line, usize::from(columns).saturating_sub(1), "…").into_owned()
        };
        term.clear_last_lines(drawn)?;
        term.write_line(&fit(&heading))?;
        for line in &lines {
            term.write_line(&fit(line))?;
        }
        drawn = lines.len() + 1;
        // Raw keys: Ctrl-C comes back as a key (not a signal that would kill us with the cursor
        // hidden) and ends the question as an interruption.
        let key = term.read_key_raw()?;
        if key == Key::CtrlC {
            let _ = term.clear_last_lines(drawn);
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "Ctrl-C",
            ));
        }
        if let Step::Picked(index) = menu.press(&key) {
            term.clear_last_lines(drawn)?;
            let mut picked = String::new();
            let _ = theme.format_select_prompt_selection(&mut picked, question, options[index]);
            term.write_line(&picked)?;
            return Ok(index);
        }
    }
}

struct ShowCursorOnDrop<'a>(&'a Term);

impl Drop for ShowCursorOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.show_cursor();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(len: usize, keys: &[Key]) -> (usize, Option<usize>) {
        let mut menu = Menu::new(len, 0);
        let mut picked = None;
        for key in keys {
            if let Step::Picked(index) = menu.press(key) {
                picked = Some(index);
            }
        }
        (menu.cursor(), picked)
    }

    #[test]
    fn arrows_move_and_wrap_around() {
        assert_eq!(after(3, &[Key::ArrowDown, Key::ArrowDown]), (2, None));
        assert_eq!(
            after(3, &[Key::ArrowDown, Key::ArrowDown, Key::ArrowDown]),
            (0, None)
        );
        assert_eq!(after(3, &[Key::ArrowUp]), (2, None));
        assert_eq!(
            after(3, &[Key::Char('j'), Key::Char('k'), Key::End]),
            (2, None)
        );
        assert_eq!(after(3, &[Key::End, Key::Home]), (0, None));
    }

    #[test]
    fn a_digit_jumps_to_that_entry_and_enter_picks_it() {
        assert_eq!(after(2, &[Key::Char('2')]), (1, None));
        assert_eq!(after(2, &[Key::Char('2'), Key::Enter]), (1, Some(1)));
        assert_eq!(
            after(2, &[Key::Char('2'), Key::Char('1'), Key::Char(' ')]),
            (0, Some(0))
        );
    }

    #[test]
    fn digits_out_of_range_leave_the_cursor_where_it_was() {
        assert_eq!(after(2, &[Key::ArrowDown, Key::Char('7')]), (1, None));
        assert_eq!(after(2, &[Key::Char('0')]), (0, None));
    }

    #[test]
    fn two_digits_reach_entries_past_nine() {
        assert_eq!(after(12, &[Key::Char('1'), Key::Char('2')]), (11, None));
        // "1" then "3" is 13, past the end: the 3 starts over.
        assert_eq!(after(12, &[Key::Char('1'), Key::Char('3')]), (2, None));
        // Another key ends the number: "1", Down, "2" is entry 2, not 12.
        assert_eq!(
            after(12, &[Key::Char('1'), Key::ArrowDown, Key::Char('2')]),
            (1, None)
        );
    }

    #[test]
    fn a_long_list_shows_a_window_that_holds_the_cursor() {
        let options: Vec<String> = (0..20).map(|i| format!("cluster-{i}")).collect();
        let options: Vec<&str> = options.iter().map(String::as_str).collect();
        let mut menu = Menu::new(20, 0);
        menu.press(&Key::Char('1'));
        menu.press(&Key::Char('5'));
        let theme = dialoguer::theme::SimpleTheme;
        let lines = menu.lines(&options, 5, &theme);
        assert_eq!(
            lines,
            [
                "  11) cluster-10",
                "  12) cluster-11",
                "  13) cluster-12",
                "  14) cluster-13",
                "> 15) cluster-14"
            ]
        );
    }
}
