//! Column-aligned plain-text tables, the one text layout every report shares.

use std::fmt;

pub(crate) struct Table<const N: usize> {
    header: [String; N],
    rows: Vec<[String; N]>,
    right: [bool; N],
    show_header: bool,
}

impl<const N: usize> Table<N> {
    pub(crate) fn new(header: [&str; N]) -> Self {
        Table {
            header: header.map(str::to_owned),
            rows: Vec::new(),
            right: [false; N],
            show_header: true,
        }
    }

    /// Numbers read best right-aligned.
    pub(crate) fn right_align<const M: usize>(&mut self, columns: [usize; M]) {
        for column in columns {
            self.right[column] = true;
        }
    }

    /// Rows only: for tables whose columns explain themselves.
    #[cfg(feature = "cli")]
    pub(crate) fn without_header(&mut self) {
        self.show_header = false;
    }

    pub(crate) fn row(&mut self, cells: [String; N]) {
        self.rows.push(cells);
    }

    /// Writes the table, each line prefixed by `indent`, with no trailing spaces.
    pub(crate) fn write(&self, f: &mut fmt::Formatter<'_>, indent: &str) -> fmt::Result {
        let mut widths = [0; N];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let header = self.show_header.then_some(&self.header);
        for row in header.into_iter().chain(&self.rows) {
            let mut line = String::from(indent);
            for (column, cell) in row.iter().enumerate() {
                if column > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(widths[column] - cell.chars().count());
                if self.right[column] {
                    line.push_str(&pad);
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&pad);
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Show<'a>(&'a Table<3>);
    impl fmt::Display for Show<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.write(f, "> ")
        }
    }

    #[test]
    fn columns_align_and_numbers_sit_right() {
        let mut table = Table::new(["name", "where", "n"]);
        table.right_align([2]);
        table.row(["a".into(), "x.rs:1:1".into(), "7".into()]);
        table.row(["längere".into(), "y.rs:10:2".into(), "123".into()]);
        assert_eq!(
            Show(&table).to_string(),
            "> name     where        n\n> a        x.rs:1:1     7\n> längere  y.rs:10:2  123\n"
        );
    }
}
