//! Plain aligned tables that respect the display width of CJK text. Every cell goes through
//! [`crate::term::line`]: a cell holds no control character and stays on its line.

use unicode_width::UnicodeWidthStr;

/// Renders rows under headers, columns separated by two spaces, no trailing spaces.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let headers: Vec<String> = headers.iter().map(|h| crate::term::line(h)).collect();
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| crate::term::line(c)).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(w - cell.width() + 2));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = vec![line(headers.iter().map(String::as_str).collect())];
    out.extend(rows.iter().map(|r| line(r.iter().map(String::as_str).collect())));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn aligns_by_display_width() {
        let t = render(&["NAME", "N"], &[vec!["技术群".into(), "1".into()], vec!["ab".into(), "22".into()]]);
        assert_eq!(t, "NAME    N\n技术群  1\nab      22");
    }

    #[test]
    fn cells_with_control_characters_are_stripped_and_stay_aligned() {
        let t = render(
            &["NAME", "N"],
            &[vec!["技\u{1b}[2J术\r群\n".into(), "1\u{7}".into()], vec!["ab".into(), "22".into()]],
        );
        assert_eq!(t, "NAME        N\n技[2J术群   1\nab          22", "the newline is a space in the cell");
    }
}
