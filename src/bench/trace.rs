//! Mapping a line of the port back to the torch original. A port is the original with edits
//! applied, so a line diff of the two files lines them up: an unchanged line maps exactly, a
//! rewritten one to the original line its hunk replaced.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalLine {
    /// Relative to the project root (the same path the port has in the output tree).
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    pub text: String,
    pub change: LineChange,
}

/// How the port's line relates to the original's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    /// Copied as it is.
    Unchanged,
    /// The original line, rewritten (by a hunk, or by hand afterwards).
    Rewritten,
    /// A line the original does not have, added after the original line.
    Added,
}

/// The original line for `line` (1-based) of `ported`, a file inside `output_root`. `None` when
/// the file is not in the output tree or either side cannot be read.
pub fn original_line(
    project_root: &Path,
    output_root: &Path,
    ported: &Path,
    line: usize,
) -> Option<OriginalLine> {
    let rel = ported.strip_prefix(output_root).ok()?;
    let original_text = std::fs::read_to_string(project_root.join(rel)).ok()?;
    let ported_text = std::fs::read_to_string(ported).ok()?;
    let (index, change) = map_line(&original_text, &ported_text, line.checked_sub(1)?)?;
    Some(OriginalLine {
        file: rel.to_path_buf(),
        line: index + 1,
        text: original_text.lines().nth(index)?.trim().to_string(),
        change,
    })
}

/// 0-based line of `original` that 0-based line `target` of `ported` came from, and how.
fn map_line(original: &str, ported: &str, target: usize) -> Option<(usize, LineChange)> {
    LineMap::new(original, ported).original(target)
}

/// The line diff of an original and its port, made once for asking about many lines (the port
/// audit maps each of a file's findings).
pub struct LineMap {
    ops: Vec<similar::DiffOp>,
}

impl LineMap {
    pub fn new(original: &str, ported: &str) -> Self {
        let diff = similar::TextDiff::configure()
            .algorithm(similar::Algorithm::Myers)
            .diff_lines(original, ported);
        Self {
            ops: diff.ops().to_vec(),
        }
    }

    /// 0-based line of the original that 0-based line `target` of the port came from, and how.
    pub fn original(&self, target: usize) -> Option<(usize, LineChange)> {
        // The ops are in port order: the one holding `target` is found by bisection.
        let index = self.ops.partition_point(|op| op.new_range().end <= target);
        let (tag, old, new) = self.ops.get(index)?.as_tag_tuple();
        if !new.contains(&target) {
            return None;
        }
        let offset = target - new.start;
        Some(match tag {
            similar::DiffTag::Equal => (old.start + offset, LineChange::Unchanged),
            // An inserted line (an added import) belongs to the original line before it.
            similar::DiffTag::Insert => (old.start.saturating_sub(1), LineChange::Added),
            _ => (
                old.start + offset.min(old.len().saturating_sub(1)),
                LineChange::Rewritten,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = "import torch\nimport torch.nn as nn\n\nclass M(nn.Module):\n    def forward(self, x):\n        y = x.view(2, -1)\n        return y.sum(dim=1)\n";
    const PORTED: &str = "import mlx.core as mx\nimport mlx.nn as nn\n\nclass M(nn.Module):\n    def __call__(self, x):\n        y = x.reshape(2, -1)\n        return y.sum(axis=1)\n";

    #[test]
    fn unchanged_lines_map_exactly_and_rewritten_lines_to_their_hunk() {
        assert_eq!(
            map_line(ORIGINAL, PORTED, 3),
            Some((3, LineChange::Unchanged))
        );
        assert_eq!(
            map_line(ORIGINAL, PORTED, 5),
            Some((5, LineChange::Rewritten))
        );
        assert_eq!(
            map_line(ORIGINAL, PORTED, 6),
            Some((6, LineChange::Rewritten))
        );
        assert_eq!(map_line(ORIGINAL, PORTED, 99), None);
    }

    #[test]
    fn lines_after_an_inserted_line_shift_back() {
        let ported = format!("import extra\n{ORIGINAL}");
        assert_eq!(map_line(ORIGINAL, &ported, 0), Some((0, LineChange::Added)));
        assert_eq!(
            map_line(ORIGINAL, &ported, 4),
            Some((3, LineChange::Unchanged))
        );
    }

    #[test]
    fn maps_files_on_disk_and_ignores_files_outside_the_output_tree() {
        let dir = std::env::temp_dir().join(format!("portui-trace-{}", std::process::id()));
        let (project, out) = (dir.join("proj"), dir.join("proj_mlx"));
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(project.join("m.py"), ORIGINAL).unwrap();
        std::fs::write(out.join("m.py"), PORTED).unwrap();
        let mapped = original_line(&project, &out, &out.join("m.py"), 7).unwrap();
        assert_eq!(
            mapped,
            OriginalLine {
                file: PathBuf::from("m.py"),
                line: 7,
                text: "return y.sum(dim=1)".into(),
                change: LineChange::Rewritten
            }
        );
        assert_eq!(
            original_line(&project, &out, &project.join("m.py"), 1),
            None
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
