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

/// Bytes between two checkpoints of `LineIndex::chars_before`.
const CHECKPOINT_BYTES: usize = 256;

/// Byte offsets of line starts, and what turns a byte offset into a character column in
/// constant time: counting the characters from the line's start instead would make a file
/// with many findings on one long line (a generated 100k-term expression) quadratic.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Characters before each multiple of `CHECKPOINT_BYTES`; empty for ASCII text, whose
    /// columns are byte distances.
    chars_before: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        // memchr finds newlines a vector at a time; every analysed file is indexed.
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let mut chars_before = Vec::new();
        if !text.is_ascii() {
            let mut count = 0;
            for block in text.as_bytes().chunks(CHECKPOINT_BYTES) {
                chars_before.push(count);
                count += char_starts(block);
            }
            chars_before.push(count);
        }
        Self {
            starts,
            chars_before,
        }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.starts[line - 1];
        let end = offset.min(text.len()).max(start);
        let column = self.chars_to(text, end) - self.chars_to(text, start) + 1;
        (line, column)
    }

    /// Characters that start before byte `offset`.
    fn chars_to(&self, text: &str, offset: usize) -> usize {
        if self.chars_before.is_empty() {
            return offset;
        }
        let block = offset / CHECKPOINT_BYTES;
        self.chars_before[block] + char_starts(&text.as_bytes()[block * CHECKPOINT_BYTES..offset])
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

/// Bytes that start a UTF-8 character (every byte but continuation bytes).
fn char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
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

    #[test]
    fn columns_count_characters_across_checkpoints() {
        let line = "é".repeat(300) + "x";
        let text = format!("a\n{line}\n");
        let index = LineIndex::new(&text);
        let x = text.find('x').unwrap();
        assert_eq!(index.line_col(&text, x), (2, 301));
        assert_eq!(index.line_col(&text, x + 1), (2, 302));
    }
}
