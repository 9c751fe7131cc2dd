//! From a line of the port to the torch original it came from and the hunk over it. The line
//! is mapped by `bench::trace::LineMap` (the diff the benchmark uses for a failing frame); the
//! hunk is the narrowest one the original's own analysis proposes over that line.

use super::{Finding, HunkRef, Original};
use crate::analysis::{FileAnalysis, analyse_one};
use crate::bench::trace::LineMap;
use crate::hunk::finding_span;
use crate::notebook::CellMap;
use crate::project::OUTPUT_MARKER;
use std::path::{Path, PathBuf};

/// Where the originals of an audited port are.
pub enum Originals {
    /// Found from the port: an output tree portui wrote (it holds portui's marker) named
    /// `<project>_mlx`, beside `<project>` (or beside `<project>.py` for a one-file project).
    Find,
    /// Given: `apply --out` trees, the benchmark's run.
    At(Roots),
    /// Not wanted (a summary has no use for them).
    Skip,
}

/// A port tree and the torch project it was written from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots {
    pub port: PathBuf,
    pub original: PathBuf,
}

impl Originals {
    /// The roots for an audit whose walk starts at `root`.
    pub(super) fn resolve(self, root: &Path) -> Option<Roots> {
        match self {
            Originals::Skip => None,
            Originals::At(roots) => Some(roots),
            Originals::Find => find(root),
        }
    }
}

/// The nearest directory at or above `start` that portui wrote as `<name>_mlx`, and its project.
fn find(start: &Path) -> Option<Roots> {
    let absolute = std::path::absolute(start).ok()?;
    let port = absolute
        .ancestors()
        .find(|dir| dir.join(OUTPUT_MARKER).is_file())?;
    let name = port.file_name()?.to_str()?.strip_suffix("_mlx")?;
    let parent = port.parent()?;
    let original = if parent.join(name).is_dir() {
        parent.join(name)
    } else if parent.join(format!("{name}.py")).is_file() {
        parent.to_path_buf()
    } else {
        return None;
    };
    Some(Roots {
        port: port.to_path_buf(),
        original,
    })
}

impl Roots {
    /// Give `findings` of the port file at `path` (text `ported`) their original lines and
    /// hunks. Findings stay as they are when the file has no original.
    pub(super) fn annotate(&self, path: &Path, ported: &str, findings: &mut [Finding]) {
        let Some(rel) = self.relative(path) else {
            return;
        };
        let original_path = self.original.join(&rel);
        let Ok(original) = crate::analysis::read(&original_path) else {
            return;
        };
        let cells = crate::notebook::is_notebook(&rel).then(|| CellMap::of(&original));
        let lines = LineMap::new(&original, ported);
        // As `apply` analysed it: inside its project (imported classes' layouts included).
        let analysis = analyse_one(&self.original, &rel);
        let shown = display_path(&original_path);
        for finding in findings {
            let Some((line, change)) = lines.original(finding.line - 1) else {
                continue;
            };
            let (cell, in_cell) = match &cells {
                Some(cells) => super::in_cell(cells, line + 1),
                None => (None, line + 1),
            };
            finding.original = Some(Original {
                path: shown.clone(),
                cell,
                line: in_cell,
                change,
            });
            finding.hunk = covering_hunk(&analysis, line);
        }
    }

    /// `path` inside the port tree, relative to it.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        let absolute = std::path::absolute(path).ok()?;
        let port = std::path::absolute(&self.port).ok()?;
        absolute.strip_prefix(port).ok().map(Path::to_path_buf)
    }
}

/// Relative to the working directory when it is below it (as a person would type it).
fn display_path(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    std::env::current_dir()
        .ok()
        .and_then(|cwd| absolute.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or(absolute)
}

/// The narrowest hunk whose edits span 0-based original line `line`.
fn covering_hunk(analysis: &FileAnalysis, line: usize) -> Option<HunkRef> {
    let source = analysis.source.as_ref()?;
    analysis
        .findings
        .iter()
        .zip(&analysis.hunks)
        .filter_map(|(finding, hunk)| {
            let hunk = (*hunk)?;
            let span = finding_span(finding);
            let first = source.lines.line(span.start) - 1;
            let last = source.lines.line(span.end.max(span.start + 1) - 1) - 1;
            (first..=last)
                .contains(&line)
                .then_some((last - first, finding.rule, hunk))
        })
        .min_by_key(|&(width, _, _)| width)
        .map(|(_, rule, hunk)| HunkRef {
            id: hunk.to_string(),
            rule,
        })
}
