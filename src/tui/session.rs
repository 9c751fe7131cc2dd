//! The review state of a project, without any UI: every file's latest analysis, its review
//! items, the decisions and their undo history. The session shell and the tests drive this.

use crate::analysis::{FileAnalysis, ProjectAnalysis};
use crate::decisions::{Decision, Decisions};
use crate::fix::Applicability;
use crate::hunk::{HunkId, finding_span};
use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One finding as the reviewer sees it: a hunk to decide, or a manual note.
#[derive(Debug, Clone)]
pub struct Item {
    pub finding: usize,
    pub hunk: Option<HunkId>,
    /// 0-based original lines the finding covers (end exclusive).
    pub lines: Range<usize>,
    pub rule: &'static str,
    pub checklist: &'static str,
    /// Further checklist items the finding settles (see `Finding::covers`).
    pub covers: &'static [&'static str],
    pub applicability: Applicability,
    pub message: String,
}

impl Item {
    pub fn concerns(&self, checklist_item: &str) -> bool {
        self.checklist == checklist_item || self.covers.contains(&checklist_item)
    }
}

#[derive(Debug)]
pub struct FileState {
    pub rel: PathBuf,
    /// `None` until the first analysis lands.
    pub analysis: Option<FileAnalysis>,
    pub items: Vec<Item>,
    /// Saved on disk after the analysis shown: a re-analysis is on its way.
    pub changed_on_disk: bool,
    /// Decisions whose hunks the last re-analysis no longer proposes, described.
    pub vanished: Vec<String>,
}

impl FileState {
    fn pending(rel: PathBuf) -> Self {
        Self {
            rel,
            analysis: None,
            items: Vec::new(),
            changed_on_disk: false,
            vanished: Vec::new(),
        }
    }
}

/// One decision change, undoable.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    rel: PathBuf,
    hunk: HunkId,
    before: Option<Decision>,
    after: Option<Decision>,
}

#[derive(Debug)]
pub struct Session {
    pub root: PathBuf,
    pub files: Vec<FileState>,
    pub decisions: Decisions,
    pub walk_errors: Vec<(PathBuf, String)>,
    pub single_file: bool,
    undo: Vec<Vec<Change>>,
    redo: Vec<Vec<Change>>,
}

impl Session {
    pub fn new(
        root: PathBuf,
        files: Vec<PathBuf>,
        decisions: Decisions,
        walk_errors: Vec<(PathBuf, String)>,
        single_file: bool,
    ) -> Self {
        Self {
            root,
            files: files.into_iter().map(FileState::pending).collect(),
            decisions,
            walk_errors,
            single_file,
            undo: Vec::new(),
            redo: Vec::new(),
        }
    }

    pub fn index_of(&self, rel: &Path) -> Option<usize> {
        self.files.iter().position(|f| f.rel == rel)
    }

    /// Show a (re-)analysis. Decisions stay keyed by hunk id, so every hunk that survived keeps
    /// its decision; decided hunks that are gone are described in `vanished`.
    pub fn set_analysis(&mut self, analysis: FileAnalysis) -> usize {
        let index = match self.index_of(&analysis.rel) {
            Some(index) => index,
            None => {
                let at = self.files.partition_point(|f| f.rel < analysis.rel);
                self.files
                    .insert(at, FileState::pending(analysis.rel.clone()));
                at
            }
        };
        let items = items_of(&analysis);
        let surviving: HashSet<HunkId> = items.iter().filter_map(|i| i.hunk).collect();
        let state = &mut self.files[index];
        let old_items = std::mem::replace(&mut state.items, items);
        for old in old_items {
            let Some(id) = old.hunk else { continue };
            if surviving.contains(&id) {
                continue;
            }
            if let Some(decision) = self.decisions.get(&state.rel, id) {
                let what = match decision {
                    Decision::Accepted => "accepted",
                    Decision::Rejected => "rejected",
                };
                state.vanished.push(format!(
                    "{what} {} at line {} is no longer proposed",
                    old.rule,
                    old.lines.start + 1
                ));
            }
        }
        state.analysis = Some(analysis);
        state.changed_on_disk = false;
        index
    }

    pub fn remove(&mut self, rel: &Path) -> Option<usize> {
        let index = self.index_of(rel)?;
        self.files.remove(index);
        Some(index)
    }

    pub fn decision(&self, file: usize, item: usize) -> Option<Decision> {
        let state = &self.files[file];
        let hunk = state.items.get(item)?.hunk?;
        self.decisions.get(&state.rel, hunk)
    }

    /// Decide several hunks as one undoable step. Returns how many changed.
    pub fn decide(&mut self, targets: &[(usize, usize)], decision: Option<Decision>) -> usize {
        let changes: Vec<Change> = targets
            .iter()
            .filter_map(|&(file, item)| {
                let state = &self.files[file];
                let hunk = state.items.get(item)?.hunk?;
                let before = self.decisions.get(&state.rel, hunk);
                (before != decision).then(|| Change {
                    rel: state.rel.clone(),
                    hunk,
                    before,
                    after: decision,
                })
            })
            .collect();
        let count = changes.len();
        if count > 0 {
            for change in &changes {
                self.decisions.set(&change.rel, change.hunk, change.after);
            }
            self.undo.push(changes);
            self.redo.clear();
        }
        count
    }

    /// Undo the last step; returns the hunks it touched.
    pub fn undo(&mut self) -> Option<Vec<(PathBuf, HunkId)>> {
        let changes = self.undo.pop()?;
        for change in &changes {
            self.decisions.set(&change.rel, change.hunk, change.before);
        }
        let touched = changes.iter().map(|c| (c.rel.clone(), c.hunk)).collect();
        self.redo.push(changes);
        Some(touched)
    }

    pub fn redo(&mut self) -> Option<Vec<(PathBuf, HunkId)>> {
        let changes = self.redo.pop()?;
        for change in &changes {
            self.decisions.set(&change.rel, change.hunk, change.after);
        }
        let touched = changes.iter().map(|c| (c.rel.clone(), c.hunk)).collect();
        self.undo.push(changes);
        Some(touched)
    }

    /// Every hunk of `rule` in the project, as `(file, item)`.
    pub fn hunks_of_rule(&self, rule: &str) -> Vec<(usize, usize)> {
        self.files
            .iter()
            .enumerate()
            .flat_map(|(f, state)| {
                state
                    .items
                    .iter()
                    .enumerate()
                    .filter(move |(_, item)| item.rule == rule && item.hunk.is_some())
                    .map(move |(i, _)| (f, i))
            })
            .collect()
    }

    /// Hunk `item` of `file` and every undecided hunk after it in that file (`git add -p`'s
    /// `a`), as `(file, item)`.
    pub fn hunk_and_undecided_after(&self, file: usize, item: usize) -> Vec<(usize, usize)> {
        let later = (item + 1..self.files[file].items.len()).filter(|&i| {
            self.files[file].items[i].hunk.is_some() && self.decision(file, i).is_none()
        });
        std::iter::once(item)
            .chain(later)
            .map(|i| (file, i))
            .collect()
    }

    /// Every undecided `safe` hunk in the project, as `(file, item)`. Rejections stand: a bulk
    /// accept of what needs no review must not undo a person's review.
    pub fn undecided_safe_hunks(&self) -> Vec<(usize, usize)> {
        self.files
            .iter()
            .enumerate()
            .flat_map(|(f, state)| {
                state
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(_, item)| {
                        item.hunk.is_some() && item.applicability == Applicability::Safe
                    })
                    .map(move |(i, _)| (f, i))
            })
            .filter(|&(f, i)| self.decision(f, i).is_none())
            .collect()
    }

    /// `(decided, total)` hunks of one file.
    pub fn progress(&self, file: usize) -> (usize, usize) {
        let state = &self.files[file];
        let hunks = state.items.iter().filter_map(|i| i.hunk);
        let total = hunks.clone().count();
        let decided = hunks
            .filter(|&h| self.decisions.get(&state.rel, h).is_some())
            .count();
        (decided, total)
    }

    /// Saved decisions of a file that match no current hunk (the file changed between runs).
    pub fn unmatched_decisions(&self, file: usize) -> usize {
        let state = &self.files[file];
        if state.analysis.is_none() {
            return 0;
        }
        let current: HashSet<String> = state
            .items
            .iter()
            .filter_map(|i| i.hunk.map(|h| h.to_string()))
            .collect();
        self.decisions
            .decided(&state.rel)
            .filter(|(id, _)| !current.contains(*id))
            .count()
    }

    pub fn analysed(&self) -> usize {
        self.files.iter().filter(|f| f.analysis.is_some()).count()
    }

    /// The project as `apply` sees it, or why it cannot be written yet.
    pub fn project_analysis(&self) -> Result<ProjectAnalysis, String> {
        let waiting = self.files.len() - self.analysed();
        if waiting > 0 {
            return Err(format!(
                "{waiting} file(s) are still being analysed; write again in a moment"
            ));
        }
        Ok(ProjectAnalysis {
            root: self.root.clone(),
            files: self
                .files
                .iter()
                .filter_map(|f| f.analysis.clone())
                .collect(),
            walk_errors: self.walk_errors.clone(),
            single_file: self.single_file,
        })
    }
}

fn items_of(analysis: &FileAnalysis) -> Vec<Item> {
    let Some(source) = &analysis.source else {
        return Vec::new();
    };
    let mut items: Vec<Item> = analysis
        .findings
        .iter()
        .enumerate()
        .map(|(index, finding)| {
            let span = finding_span(finding);
            let first = source.lines.line_col(&source.text, span.start).0 - 1;
            let last = source
                .lines
                .line_col(&source.text, span.end.saturating_sub(1).max(span.start))
                .0;
            Item {
                finding: index,
                hunk: analysis.hunks[index],
                lines: first..last.max(first + 1),
                rule: finding.rule,
                checklist: finding.checklist,
                covers: finding.covers,
                applicability: finding.applicability,
                message: finding.message.lines().next().unwrap_or("").to_string(),
            }
        })
        .collect();
    items.sort_by_key(|item| (item.lines.start, item.finding));
    items
}
