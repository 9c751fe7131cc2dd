//! The session's state and its one update function. Every input (a key, a mouse scroll, an
//! analysis that landed, a file saved on disk) goes through here; what needs the outside world
//! (saving, writing, an editor, re-analysis) comes back as an `Effect` for the shell to run.
//! The terminal loop and the tests call exactly these functions.

use crate::analysis::FileAnalysis;
use crate::checklist::{self, Entry};
use crate::decisions::{Decision, Decisions, Position};
use crate::tui::bench::BenchPane;
use crate::tui::keymap::{Action, Key, Keymap};
use crate::tui::proposal::Proposal;
use crate::tui::session::{Item, Session};
use ratatui::crossterm::event::{KeyCode, KeyEvent, MouseEvent, MouseEventKind};
use ratatui::layout::{Position as Cell, Rect};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Files,
    Code,
    Checklist,
    Bench,
}

impl Pane {
    pub const ORDER: [Pane; 4] = [Pane::Files, Pane::Code, Pane::Checklist, Pane::Bench];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Files => "Files",
            Pane::Code => "Torch | MLX",
            Pane::Checklist => "Checklist",
            Pane::Bench => "Benchmark",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    Help,
    RuleDoc {
        rule: String,
        text: String,
    },
    Error(String),
    /// Before a benchmark run: write the current decisions first?
    ConfirmBench,
}

/// What the shell must do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    SaveDecisions,
    Write,
    Edit { path: PathBuf, line: usize },
    Analyse(PathBuf),
    RunBench { write_first: bool },
    CancelBench,
}

/// Where the panes were last drawn (for the mouse and for keeping the hunk in view).
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub files: Rect,
    pub code: Rect,
    pub checklist: Rect,
    pub bench: Rect,
}

pub struct App {
    pub session: Session,
    pub keymap: Keymap,
    pub output: PathBuf,
    pub focus: Pane,
    pub file: usize,
    pub item: Option<usize>,
    pub checklist_cursor: usize,
    /// First row of the code pane on screen.
    pub scroll: usize,
    pub popup: Option<Popup>,
    /// The search being typed, when the search prompt is open.
    pub search: Option<String>,
    pub last_search: String,
    /// A notice for the status line (what a key did, a write's report), until the next key.
    pub message: Option<String>,
    pub quit: bool,
    pub areas: Areas,
    pub proposal: Option<Proposal>,
    pub bench: BenchPane,
    /// Where the previous session stopped, until that file's analysis lands.
    restore: Option<Position>,
}

impl App {
    pub fn new(session: Session, keymap: Keymap, output: PathBuf) -> Self {
        let restore = session.decisions.position.clone();
        let bench = BenchPane::for_project(&session.root);
        Self {
            bench,
            session,
            keymap,
            output,
            focus: Pane::Code,
            file: 0,
            item: None,
            checklist_cursor: 0,
            scroll: 0,
            popup: None,
            search: None,
            last_search: String::new(),
            message: None,
            quit: false,
            areas: Areas::default(),
            proposal: None,
            restore,
        }
    }

    pub fn items(&self) -> &[Item] {
        self.session
            .files
            .get(self.file)
            .map_or(&[], |f| f.items.as_slice())
    }

    pub fn current(&self) -> Option<&Item> {
        self.items().get(self.item?)
    }

    // ----------------------------------------------------------------------------- events

    /// An analysis landed (first pass or after a save).
    pub fn on_analysed(&mut self, analysis: FileAnalysis) -> Vec<Effect> {
        let selected = self.session.files.get(self.file).map(|f| f.rel.clone());
        let kept_hunk = self.current().and_then(|i| i.hunk);
        let index = self.session.set_analysis(analysis);
        // An insertion before the selected file shifts it.
        if let Some(rel) = selected {
            self.file = self.session.index_of(&rel).unwrap_or(self.file);
        }
        let restore_here = self
            .restore
            .as_ref()
            .is_some_and(|p| std::path::Path::new(&p.file) == self.session.files[index].rel);
        if restore_here {
            let position = self.restore.take().expect("checked above");
            self.file = index;
            self.item = self.first_item();
            if let Some(hunk) = position.hunk {
                self.item = self
                    .items()
                    .iter()
                    .position(|i| i.hunk.is_some_and(|h| h.to_string() == hunk))
                    .or(self.item);
            }
            self.refresh();
        } else if index == self.file {
            // Re-analysis of the file on screen: stay on the same hunk if it survived.
            let items = self.items();
            self.item = kept_hunk
                .and_then(|h| items.iter().position(|i| i.hunk == Some(h)))
                .or_else(|| self.item.filter(|&i| i < items.len()))
                .or_else(|| self.first_item());
            self.refresh();
        }
        Vec::new()
    }

    /// The watcher saw `rel` saved (or created): keep showing the old analysis, marked.
    pub fn on_changed(&mut self, rel: PathBuf) -> Vec<Effect> {
        if let Some(index) = self.session.index_of(&rel) {
            self.session.files[index].changed_on_disk = true;
        }
        vec![Effect::Analyse(rel)]
    }

    pub fn on_removed(&mut self, rel: &std::path::Path) {
        let selected = self.session.files.get(self.file).map(|f| f.rel.clone());
        if let Some(removed) = self.session.remove(rel) {
            if selected.as_deref() == Some(rel) {
                self.file = removed.min(self.session.files.len().saturating_sub(1));
                self.item = self.first_item();
                self.message = Some(format!("{} was deleted", rel.display()));
            } else if let Some(selected) = selected {
                self.file = self.session.index_of(&selected).unwrap_or(0);
            }
            self.refresh();
        }
    }

    pub fn on_mouse(&mut self, event: MouseEvent) {
        let over = |area: Rect| area.contains(Cell::new(event.column, event.row));
        let delta: isize = match event.kind {
            MouseEventKind::ScrollDown => 3,
            MouseEventKind::ScrollUp => -3,
            _ => return,
        };
        if over(self.areas.code) {
            let rows = self.proposal.as_ref().map_or(0, |p| p.rows.len());
            self.scroll = self
                .scroll
                .saturating_add_signed(delta)
                .min(rows.saturating_sub(1));
        } else if over(self.areas.files) {
            let steps = delta.signum();
            self.move_file(steps);
        }
    }

    pub fn on_key(&mut self, event: KeyEvent) -> Vec<Effect> {
        self.message = None;
        if let Some(query) = self.search.as_mut() {
            match event.code {
                KeyCode::Char(c) => query.push(c),
                KeyCode::Backspace => {
                    query.pop();
                }
                KeyCode::Enter => {
                    let query = self.search.take().unwrap_or_default();
                    self.run_search(query);
                }
                KeyCode::Esc => self.search = None,
                _ => {}
            }
            return Vec::new();
        }
        let action = self.keymap.action(Key::from_event(event));
        if self.popup == Some(Popup::ConfirmBench) {
            return match action {
                Some(Action::Accept) => {
                    self.popup = None;
                    vec![Effect::RunBench { write_first: true }]
                }
                Some(Action::Reject) => {
                    self.popup = None;
                    vec![Effect::RunBench { write_first: false }]
                }
                Some(Action::Close | Action::Quit) => {
                    self.popup = None;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        if self.popup.is_some() {
            // No question is open, so quit still quits; any of the others closes the popup, and
            // nothing else acts behind it.
            match action {
                Some(Action::Quit) => {
                    self.popup = None;
                    return self.act(Action::Quit);
                }
                Some(Action::Close | Action::Help | Action::Select | Action::RuleDoc) => {
                    self.popup = None;
                }
                _ => {}
            }
            return Vec::new();
        }
        match action {
            Some(action) => self.act(action),
            None => Vec::new(),
        }
    }

    fn act(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Next => self.step(1),
            Action::Previous => self.step(-1),
            Action::NextUndecided => self.seek_undecided(true),
            Action::PreviousUndecided => self.seek_undecided(false),
            Action::Accept => return self.decide_current(Some(Decision::Accepted), true),
            Action::Reject => return self.decide_current(Some(Decision::Rejected), true),
            Action::Toggle => {
                let next = match self.session.decision(self.file, self.item.unwrap_or(0)) {
                    Some(Decision::Accepted) => Decision::Rejected,
                    _ => Decision::Accepted,
                };
                return self.decide_current(Some(next), false);
            }
            Action::AcceptRest => return self.accept_rest_of_file(),
            Action::AcceptSafe => {
                let targets = self.session.undecided_safe_hunks();
                let accepted = self.session.decide(&targets, Some(Decision::Accepted));
                self.message = Some(format!(
                    "accepted {accepted} undecided safe hunk(s) in the project (one undo step)"
                ));
                self.refresh();
                return vec![Effect::SaveDecisions];
            }
            Action::AcceptRule => return self.decide_rule(Decision::Accepted),
            Action::RejectRule => return self.decide_rule(Decision::Rejected),
            Action::Undo => return self.undo_redo(true),
            Action::Redo => return self.undo_redo(false),
            Action::SwitchPane => {
                let at = Pane::ORDER
                    .iter()
                    .position(|p| *p == self.focus)
                    .unwrap_or(0);
                self.focus = Pane::ORDER[(at + 1) % Pane::ORDER.len()];
            }
            Action::Select => return self.select(),
            Action::Search => self.search = Some(String::new()),
            Action::Edit => return self.edit(),
            Action::Write => return vec![Effect::Write],
            Action::Bench => return self.bench_key(),
            Action::RuleDoc => self.show_rule_doc(),
            Action::Help => self.popup = Some(Popup::Help),
            Action::Close => {}
            Action::Quit => {
                self.quit = true;
                return vec![Effect::SaveDecisions];
            }
        }
        Vec::new()
    }

    // ----------------------------------------------------------------------------- moving

    /// Where a file opens: its first undecided hunk, so `y` acts at once; else its first
    /// finding.
    fn first_item(&self) -> Option<usize> {
        let undecided = (0..self.items().len()).find(|&i| {
            self.items()[i].hunk.is_some() && self.session.decision(self.file, i).is_none()
        });
        undecided.or((!self.items().is_empty()).then_some(0))
    }

    fn step(&mut self, by: isize) {
        match self.focus {
            Pane::Files => self.move_file(by),
            Pane::Checklist => {
                let last = checklist::ITEMS.len() - 1;
                self.checklist_cursor = self.checklist_cursor.saturating_add_signed(by).min(last);
            }
            Pane::Code | Pane::Bench => self.move_item(by),
        }
    }

    fn move_file(&mut self, by: isize) {
        if self.session.files.is_empty() {
            return;
        }
        let last = self.session.files.len() - 1;
        let file = self.file.saturating_add_signed(by).min(last);
        if file != self.file {
            self.file = file;
            self.item = self.first_item();
            self.refresh();
        }
    }

    /// Next/previous item, crossing into the next/previous file that has any.
    fn move_item(&mut self, by: isize) {
        let here = self.item.map_or(-1, |i| i as isize) + by;
        if here >= 0 && (here as usize) < self.items().len() {
            self.go(self.file, here as usize);
            return;
        }
        let files = &self.session.files;
        let target = if by > 0 {
            (self.file + 1..files.len()).find(|&f| !files[f].items.is_empty())
        } else {
            (0..self.file).rev().find(|&f| !files[f].items.is_empty())
        };
        match target {
            Some(file) => {
                let item = if by > 0 {
                    0
                } else {
                    files[file].items.len() - 1
                };
                self.go(file, item);
            }
            None => {
                self.message = Some(
                    if by > 0 {
                        "no more findings below"
                    } else {
                        "no more findings above"
                    }
                    .into(),
                )
            }
        }
    }

    /// Every item of the project in order, starting after the current one and wrapping.
    fn items_after(&self, forward: bool) -> Vec<(usize, usize)> {
        let all: Vec<(usize, usize)> = self
            .session
            .files
            .iter()
            .enumerate()
            .flat_map(|(f, state)| (0..state.items.len()).map(move |i| (f, i)))
            .collect();
        let here = (self.file, self.item.unwrap_or(0));
        let split = all.partition_point(|&p| p <= here);
        let mut ordered: Vec<(usize, usize)> = if forward {
            all[split..].iter().chain(&all[..split]).copied().collect()
        } else {
            let before = all.partition_point(|&p| p < here);
            all[..before]
                .iter()
                .rev()
                .chain(all[before..].iter().rev())
                .copied()
                .collect()
        };
        ordered.dedup();
        ordered
    }

    fn seek_undecided(&mut self, forward: bool) {
        let found = self.items_after(forward).into_iter().find(|&(f, i)| {
            self.session.files[f].items[i].hunk.is_some() && self.session.decision(f, i).is_none()
        });
        match found {
            Some((file, item)) => self.go(file, item),
            None => self.message = Some("every hunk is decided".into()),
        }
    }

    pub fn go(&mut self, file: usize, item: usize) {
        let file_changed = file != self.file;
        self.file = file;
        self.item = Some(item);
        if file_changed || self.proposal.is_none() {
            self.refresh();
        }
        self.scroll_to_item();
    }

    /// Keep the item's rows on screen, a third of the way down.
    fn scroll_to_item(&mut self) {
        let (Some(proposal), Some(item)) = (&self.proposal, self.current()) else {
            return;
        };
        let rows = proposal.rows_of(&item.lines);
        // Before the first frame the pane's height is unknown: assume a typical one, so a
        // hunk near the top of the file does not scroll the imports out of view.
        let drawn = match self.areas.code.height {
            0 => 24,
            height => height,
        };
        let height = usize::from(drawn.saturating_sub(3)).max(1);
        if rows.start < self.scroll || rows.end > self.scroll + height {
            self.scroll = rows.start.saturating_sub(height / 3);
        }
    }

    // ----------------------------------------------------------------------------- deciding

    fn decide_current(&mut self, decision: Option<Decision>, advance: bool) -> Vec<Effect> {
        let Some(item) = self.current() else {
            self.message = Some("nothing to decide here".into());
            return Vec::new();
        };
        if item.rule == crate::rules::TORCH_IMPORT {
            self.message = Some(
                "nothing to decide: writing replaces the torch import once torch is no longer used"
                    .into(),
            );
            return Vec::new();
        }
        if item.hunk.is_none() {
            self.message = Some(format!(
                "{} is manual: there is no rewrite to accept; press {} to edit the file",
                item.rule,
                self.keymap.keys_for(Action::Edit)
            ));
            return Vec::new();
        }
        let item = self.item.expect("current item exists");
        self.session.decide(&[(self.file, item)], decision);
        self.refresh();
        if advance {
            self.move_item(1);
        }
        vec![Effect::SaveDecisions]
    }

    fn accept_rest_of_file(&mut self) -> Vec<Effect> {
        let Some(item) = self
            .item
            .filter(|_| self.current().is_some_and(|i| i.hunk.is_some()))
        else {
            self.message = Some("no hunk selected".into());
            return Vec::new();
        };
        let targets = self.session.hunk_and_undecided_after(self.file, item);
        let accepted = self.session.decide(&targets, Some(Decision::Accepted));
        let rel = self.session.files[self.file].rel.display();
        self.message = Some(format!(
            "accepted {accepted} hunk(s): this one and every later undecided one in {rel} (one undo step)"
        ));
        self.refresh();
        vec![Effect::SaveDecisions]
    }

    fn decide_rule(&mut self, decision: Decision) -> Vec<Effect> {
        let Some(rule) = self.current().map(|i| i.rule) else {
            self.message = Some("no hunk selected".into());
            return Vec::new();
        };
        let targets = self.session.hunks_of_rule(rule);
        let changed = self.session.decide(&targets, Some(decision));
        let verb = match decision {
            Decision::Accepted => "accepted",
            Decision::Rejected => "rejected",
        };
        self.message = Some(format!(
            "{verb} {changed} hunk(s) of {rule} in the project ({} in all)",
            targets.len()
        ));
        self.refresh();
        vec![Effect::SaveDecisions]
    }

    fn undo_redo(&mut self, undo: bool) -> Vec<Effect> {
        let touched = if undo {
            self.session.undo()
        } else {
            self.session.redo()
        };
        let Some(touched) = touched else {
            self.message = Some(
                if undo {
                    "nothing to undo"
                } else {
                    "nothing to redo"
                }
                .into(),
            );
            return Vec::new();
        };
        self.message = Some(format!(
            "{} {} decision(s)",
            if undo { "undid" } else { "redid" },
            touched.len()
        ));
        if let Some((rel, hunk)) = touched.first()
            && let Some(file) = self.session.index_of(rel)
            && let Some(item) = self.session.files[file]
                .items
                .iter()
                .position(|i| i.hunk == Some(*hunk))
        {
            self.file = file;
            self.item = Some(item);
        }
        self.refresh();
        self.scroll_to_item();
        vec![Effect::SaveDecisions]
    }

    // ----------------------------------------------------------------------------- the rest

    fn select(&mut self) -> Vec<Effect> {
        match self.focus {
            Pane::Files => self.focus = Pane::Code,
            Pane::Checklist => {
                let id = checklist::ITEMS[self.checklist_cursor].id;
                let found = self
                    .items_after(true)
                    .into_iter()
                    .find(|&(f, i)| self.session.files[f].items[i].concerns(id));
                match found {
                    Some((file, item)) => {
                        self.go(file, item);
                        let where_ = self.location();
                        self.message = Some(format!("open location of {id}: {where_}"));
                    }
                    None => self.message = Some(format!("{id}: nothing open")),
                }
            }
            Pane::Bench => {
                if let crate::tui::bench::BenchStatus::Failed {
                    origin: Some((file, line)),
                    ..
                } = &self.bench.status
                {
                    let (file, line) = (file.clone(), *line);
                    self.go_to_line(&file, line);
                }
            }
            Pane::Code => {}
        }
        Vec::new()
    }

    /// The bench key: cancel a run, or offer to write the decisions and start one.
    fn bench_key(&mut self) -> Vec<Effect> {
        if self.bench.is_running() {
            return vec![Effect::CancelBench];
        }
        if !self.bench.is_configured() {
            self.focus = Pane::Bench;
            self.message = Some("the benchmark needs [bench] in portui.toml (see the pane)".into());
            return Vec::new();
        }
        self.popup = Some(Popup::ConfirmBench);
        Vec::new()
    }

    /// Select the finding whose lines hold 1-based `line` of `file` (or the file itself).
    fn go_to_line(&mut self, file: &std::path::Path, line: usize) {
        let Some(index) = self.session.index_of(file) else {
            self.message = Some(format!("{} is not in the project", file.display()));
            return;
        };
        let found = self.session.files[index]
            .items
            .iter()
            .position(|i| i.lines.contains(&(line - 1)));
        match found {
            Some(item) => {
                self.focus = Pane::Code;
                self.go(index, item);
            }
            None => {
                self.file = index;
                self.item = None;
                self.focus = Pane::Code;
                self.refresh();
                self.message = Some(format!("{}:{line} has no finding", file.display()));
            }
        }
    }

    /// The rule of the hunk that rewrote 1-based `line` of `file`, if one did.
    pub fn hunk_at(&self, file: &std::path::Path, line: usize) -> Option<&'static str> {
        let index = self.session.index_of(file)?;
        self.session.files[index]
            .items
            .iter()
            .find(|i| i.hunk.is_some() && i.lines.contains(&(line.saturating_sub(1))))
            .map(|i| i.rule)
    }

    fn location(&self) -> String {
        let rel = self.session.files[self.file].rel.display();
        match self.current() {
            Some(item) => format!("{rel}:{}", item.lines.start + 1),
            None => rel.to_string(),
        }
    }

    fn run_search(&mut self, query: String) {
        let query = if query.is_empty() {
            self.last_search.clone()
        } else {
            query
        };
        if query.is_empty() {
            return;
        }
        let needle = query.to_lowercase();
        let found = self.items_after(true).into_iter().find(|&(f, i)| {
            let state = &self.session.files[f];
            let item = &state.items[i];
            let code = state
                .analysis
                .as_ref()
                .and_then(|a| a.source.as_ref())
                .map(|s| {
                    let start = s.lines.line_start(item.lines.start + 1);
                    let end = s.lines.line_start(item.lines.end + 1).max(start);
                    s.text[start..end.min(s.text.len())].to_lowercase()
                });
            item.rule.contains(&needle)
                || item.message.to_lowercase().contains(&needle)
                || state.rel.to_string_lossy().to_lowercase().contains(&needle)
                || code.is_some_and(|c| c.contains(&needle))
        });
        match found {
            Some((file, item)) => {
                self.go(file, item);
                self.message = Some(format!("/{query}: {}", self.location()));
            }
            None => self.message = Some(format!("/{query}: no match")),
        }
        self.last_search = query;
    }

    fn edit(&mut self) -> Vec<Effect> {
        let Some(state) = self.session.files.get(self.file) else {
            return Vec::new();
        };
        let line = self.current().map_or(1, |i| i.lines.start + 1);
        vec![Effect::Edit {
            path: self.session.root.join(&state.rel),
            line,
        }]
    }

    fn show_rule_doc(&mut self) {
        match self.current() {
            Some(item) => {
                let rule = item.rule.to_string();
                let text = crate::rules::documentation(&rule)
                    .unwrap_or_else(|| format!("{rule}: no documentation"));
                self.popup = Some(Popup::RuleDoc { rule, text });
            }
            None => self.message = Some("no finding selected".into()),
        }
    }

    /// Recompute the side-by-side view of the selected file.
    pub fn refresh(&mut self) {
        self.proposal = self
            .session
            .files
            .get(self.file)
            .and_then(|f| f.analysis.as_ref())
            .and_then(|a| Proposal::build(a, &self.session.decisions));
        if self.item.is_none() {
            self.item = self.first_item();
        }
        self.scroll_to_item();
    }

    /// Decisions plus the position, for saving.
    pub fn decisions_to_save(&self) -> Decisions {
        let mut decisions = self.session.decisions.clone();
        decisions.position = self.session.files.get(self.file).map(|f| Position {
            file: f.rel.to_string_lossy().into_owned(),
            hunk: self.current().and_then(|i| i.hunk).map(|h| h.to_string()),
        });
        decisions
    }

    /// The checklist of the selected file and of the project, with how many open locations
    /// already have an accepted rewrite.
    pub fn checklists(&self) -> (Vec<Entry>, Vec<Entry>, Vec<usize>) {
        let project = checklist::merge(
            self.session
                .files
                .iter()
                .filter_map(|f| f.analysis.as_ref().map(|a| a.checklist.as_slice())),
        );
        let file = self
            .session
            .files
            .get(self.file)
            .and_then(|f| f.analysis.as_ref())
            // No analysis yet: every item n/a, as a project of no files merges to.
            .map_or_else(|| checklist::merge([]), |a| a.checklist.clone());
        let accepted = checklist::ITEMS
            .iter()
            .map(|entry| {
                self.session
                    .files
                    .iter()
                    .enumerate()
                    .flat_map(|(f, state)| {
                        state
                            .items
                            .iter()
                            .enumerate()
                            .filter(|(_, i)| i.concerns(entry.id))
                            .map(move |(i, _)| (f, i))
                    })
                    .filter(|&(f, i)| self.session.decision(f, i) == Some(Decision::Accepted))
                    .count()
            })
            .collect();
        (file, project, accepted)
    }
}
