//! Plain-text tables: a header row, then rows, each column as wide as its widest cell, two
//! spaces apart, no trailing blanks.

/// Renders `header` and `rows` (every row as long as the header).
pub fn render<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let header = header.map(str::to_string);
    let widths: Vec<usize> = (0..N)
        .map(|c| {
            rows.iter()
                .chain([&header])
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in [&header].into_iter().chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let rows = [
            ["bb-management".to_string(), "ok".to_string()],
            ["x".to_string(), "denied".to_string()],
        ];
        insta::assert_snapshot!(super::render(["PROFILE", "STATUS"], &rows), @r"
        PROFILE        STATUS
        bb-management  ok
        x              denied
        ");
    }
}
