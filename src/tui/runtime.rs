//! The session minus the terminal: opening a project, streaming its analysis in, watching it,
//! and running the effects the update function asks for. The terminal loop and the tests share
//! it, so what the tests drive is what the user runs.

use crate::analysis::{self, FileAnalysis};
use crate::audit;
use crate::decisions::{self, Decisions};
use crate::project::{default_output, discover};
use crate::tui::app::{App, Effect, Popup};
use crate::tui::keymap::Keymap;
use crate::tui::session::Session;
use crate::tui::watch::{self, Change, Watcher};
use crate::write::{self, Selection, Target};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

/// Something that happened outside the keyboard.
#[derive(Debug)]
pub enum Event {
    Analysed(Box<FileAnalysis>),
    Disk(Change),
    /// Highlighting (or anything else drawn) is ready.
    Redraw,
    Error(String),
}

pub struct Options {
    pub keymap: Keymap,
    /// Where decisions are kept (default: the platform data directory, keyed by project).
    pub store: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub watch: bool,
}

pub struct Runtime {
    pub app: App,
    sender: Sender<Event>,
    events: Receiver<Event>,
    store: Option<PathBuf>,
    _watcher: Option<Watcher>,
}

impl Runtime {
    /// Discover the project and return at once; analyses arrive as events.
    pub fn open(path: &Path, options: Options) -> Result<Self, String> {
        let discovery = discover(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if discovery.files.is_empty() && discovery.errors.is_empty() {
            return Err(format!(
                "{}: no Python files found (hidden directories, virtualenvs, build trees and .gitignore'd files are skipped)",
                path.display()
            ));
        }
        // Canonical, so the watcher's paths (canonical on macOS) line up with ours.
        let root = discovery
            .root
            .canonicalize()
            .unwrap_or_else(|_| discovery.root.clone());
        let store = options.store.or_else(|| decisions::store_path(&root));
        let (saved, load_error) = match store.as_deref().map(decisions::load_from) {
            Some(Ok(saved)) => (saved.unwrap_or_default(), None),
            Some(Err(error)) => (Decisions::default(), Some(error)),
            None => (Decisions::default(), None),
        };
        let output = options.output.unwrap_or_else(|| default_output(&root));
        let files = discovery.files.clone();
        let session = Session::new(
            root.clone(),
            discovery.files,
            saved,
            discovery.errors,
            discovery.single_file,
        );
        let mut app = App::new(session, options.keymap, output);
        if let Some(error) = load_error {
            app.popup = Some(Popup::Error(format!(
                "{error}\nStarting with no decisions; the file is replaced on the next decision."
            )));
        }
        let (sender, events) = channel();
        let watcher = if options.watch && !discovery.single_file {
            let changes = sender.clone();
            let errors = sender.clone();
            match watch::start(
                &root,
                &files,
                move |change| {
                    let _ = changes.send(Event::Disk(change));
                },
                move |error| {
                    let _ = errors.send(Event::Error(error));
                },
            ) {
                Ok(watcher) => Some(watcher),
                Err(error) => {
                    app.message = Some(format!("{error}; saved files will not refresh"));
                    None
                }
            }
        } else {
            None
        };
        stream_analyses(root.clone(), files, sender.clone());
        Ok(Self {
            app,
            sender,
            events,
            store,
            _watcher: watcher,
        })
    }

    pub fn sender(&self) -> Sender<Event> {
        self.sender.clone()
    }

    /// Wait up to `timeout` for an event, then handle every pending one. Returns whether any
    /// arrived (the screen needs drawing).
    pub fn pump(&mut self, timeout: Duration) -> bool {
        let benchmark = self.app.bench.poll();
        let first = match self.events.recv_timeout(timeout) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return benchmark,
        };
        self.handle(first);
        while let Ok(event) = self.events.try_recv() {
            self.handle(event);
        }
        true
    }

    fn handle(&mut self, event: Event) {
        let effects = match event {
            Event::Analysed(analysis) => self.app.on_analysed(*analysis),
            Event::Disk(Change::Saved(rel)) => self.app.on_changed(rel),
            Event::Disk(Change::Removed(rel)) => {
                self.app.on_removed(&rel);
                Vec::new()
            }
            Event::Redraw => Vec::new(),
            Event::Error(error) => {
                self.app.message = Some(error);
                Vec::new()
            }
        };
        let left = self.perform(effects);
        debug_assert!(left.is_empty(), "events never ask for the terminal");
    }

    /// Run `effects`; returns those only the terminal shell can run (opening an editor).
    pub fn perform(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut left = Vec::new();
        for effect in effects {
            match effect {
                Effect::SaveDecisions => self.save(),
                Effect::Write => {
                    self.write();
                }
                Effect::Analyse(rel) => self.analyse(rel),
                Effect::RunBench { write_first } => self.run_bench(write_first),
                Effect::CancelBench => self.app.bench.cancel(),
                Effect::Edit { .. } => left.push(effect),
            }
        }
        left
    }

    fn save(&mut self) {
        let Some(store) = &self.store else {
            self.app.message = Some("no data directory: decisions are not saved".into());
            return;
        };
        if let Err(error) = decisions::save_to(store, &self.app.decisions_to_save()) {
            self.app.popup = Some(Popup::Error(format!("cannot save decisions: {error}")));
        }
    }

    /// Start the benchmark on the output tree, writing the decisions there first if asked.
    fn run_bench(&mut self, write_first: bool) {
        if write_first {
            if !self.write() {
                return;
            }
            self.app.popup = None;
        }
        let output = self.app.output.clone();
        self.app.bench.start(&self.app.session.root, &output);
        self.app.focus = crate::tui::app::Pane::Bench;
    }

    /// Write the accepted hunks; returns whether the write happened.
    fn write(&mut self) -> bool {
        let analysis = match self.app.session.project_analysis() {
            Ok(analysis) => analysis,
            Err(why) => {
                self.app.popup = Some(Popup::Error(why));
                return false;
            }
        };
        let selection = Selection::Saved(self.app.session.decisions.clone());
        let target = Target::Tree(self.app.output.clone());
        match write::apply(&analysis, &selection, &target) {
            Ok(report) => {
                let mut text = format!(
                    "wrote {} file(s) with {} accepted hunk(s) to {}; {}",
                    report.written.len(),
                    report.hunks_applied,
                    report.out.display(),
                    audit::after_write(&report.out)
                );
                let refused: Vec<String> = report
                    .refused
                    .iter()
                    .chain(&report.conflicts)
                    .map(|(rel, why)| format!("not written: {}: {why}", rel.display()))
                    .collect();
                if refused.is_empty() {
                    // A notice, not a popup: it must not stand between the user and `q`.
                    self.app.message = Some(text);
                } else {
                    text.push('\n');
                    text.push_str(&refused.join("\n"));
                    self.app.popup = Some(Popup::Error(text));
                }
                true
            }
            Err(error) => {
                self.app.popup = Some(Popup::Error(format!("write failed: {error}")));
                false
            }
        }
    }

    /// Re-analyse one file off the UI thread; the old result stays on screen until then.
    pub fn analyse(&self, rel: PathBuf) {
        let root = self.app.session.root.clone();
        let sender = self.sender.clone();
        std::thread::spawn(move || {
            let event = if root.join(&rel).is_file() {
                Event::Analysed(Box::new(analysis::analyse_one(&root, &rel)))
            } else {
                Event::Disk(Change::Removed(rel))
            };
            let _ = sender.send(event);
        });
    }
}

/// Analyse every file on the analysis pool, each sent as soon as it is done, in the background.
fn stream_analyses(root: PathBuf, files: Vec<PathBuf>, sender: Sender<Event>) {
    std::thread::spawn(move || {
        analysis::in_pool(|| {
            files.par_iter().for_each_with(sender, |sender, rel| {
                let _ = sender.send(Event::Analysed(Box::new(analysis::analyse_one(&root, rel))));
            });
        });
    });
}
