//! A Python source file as portui sees it: the exact text and a line index for turning byte
//! offsets into the 1-based line/column pairs that findings and diffs show.

use crate::notebook::CellMap;
use std::path::PathBuf;

/// One analysed file. `rel` is the path relative to the project root (what reports print).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub rel: PathBuf,
    pub text: String,
    pub lines: LineIndex,
    /// A notebook's cells (its `text` is their source, see `notebook`).
    pub cells: Option<CellMap>,
}

impl SourceFile {
    pub fn new(rel: impl Into<PathBuf>, text: String) -> Self {
        let rel = rel.into();
        let lines = LineIndex::new(&text);
        let cells = crate::notebook::is_notebook(&rel).then(|| CellMap::of(&text));
        Self {
            rel,
            text,
            lines,
            cells,
        }
    }
}

/// Byte offsets of line starts.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        // memchr finds newlines a vector at a time; every analysed file is indexed.
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self { starts }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.starts[line - 1];
        let end = offset.min(text.len());
        let column = text.get(start..end).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// Byte offset where the 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.saturating_sub(1).min(self.starts.len() - 1)]
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_line_and_column() {
        let text = "ab\ncé\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 3), (2, 1));
        assert_eq!(index.line_col(text, 6), (2, 3));
        assert_eq!(index.line_col(text, 7), (3, 1));
        assert_eq!(index.line_col(text, 8), (4, 1));
        assert_eq!(index.line_start(2), 3);
    }
}
