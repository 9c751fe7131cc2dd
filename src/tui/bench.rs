//! The benchmark pane's state: what the project's `[bench]` says, and the run in progress or
//! its outcome. Nothing runs until the user presses the bench key; a run goes through
//! `crate::bench::Runner`, whose events are drained here once per frame.

use crate::bench::config::{self, CONFIG_FILE};
use crate::bench::event::{BenchEvent, BenchFailure, BenchResult, Progress};
use crate::bench::runner::{BenchRequest, Runner};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub enum BenchStatus {
    /// No `portui.toml`, or no `[bench]` in it.
    Unconfigured,
    /// `[bench]` is there but wrong.
    Invalid(String),
    /// Configured; not run in this session.
    Ready {
        model: String,
    },
    Running {
        model: String,
        progress: Option<Progress>,
    },
    Finished(Box<BenchResult>),
    Failed {
        failure: Box<BenchFailure>,
        /// The original file and 1-based line a failing port line was written from.
        origin: Option<(PathBuf, usize)>,
    },
    Cancelled,
}

pub struct BenchPane {
    pub status: BenchStatus,
    /// The last finished run before the current one: the pane shows the change.
    pub previous: Option<Box<BenchResult>>,
    runner: Option<Runner>,
}

impl BenchPane {
    /// Read the configuration (never runs anything).
    pub fn for_project(root: &Path) -> Self {
        Self {
            status: configured(root),
            previous: None,
            runner: None,
        }
    }

    pub fn with_status(status: BenchStatus) -> Self {
        Self {
            status,
            previous: None,
            runner: None,
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self.status, BenchStatus::Running { .. })
    }

    pub fn is_configured(&self) -> bool {
        !matches!(
            self.status,
            BenchStatus::Unconfigured | BenchStatus::Invalid(_)
        )
    }

    /// Start a run of the port in `output`; a request that cannot start is shown as failed.
    pub fn start(&mut self, root: &Path, output: &Path) {
        self.remember_finished();
        match BenchRequest::prepare(root, Some(output), None) {
            Ok(request) => {
                self.status = BenchStatus::Running {
                    model: request.config.model.clone(),
                    progress: None,
                };
                self.runner = Some(Runner::spawn(&request));
            }
            Err(failure) => {
                self.status = BenchStatus::Failed {
                    failure,
                    origin: None,
                };
            }
        }
    }

    pub fn cancel(&mut self) {
        if let Some(runner) = &self.runner {
            runner.cancel();
        }
    }

    /// Take every event the run has sent; returns whether anything changed.
    pub fn poll(&mut self) -> bool {
        let Some(runner) = &self.runner else {
            return false;
        };
        let mut changed = false;
        while let Some(event) = runner.try_recv() {
            changed = true;
            match event {
                BenchEvent::Progress(progress) => {
                    if let BenchStatus::Running {
                        progress: shown, ..
                    } = &mut self.status
                    {
                        *shown = Some(progress);
                    }
                }
                BenchEvent::Result(result) => self.status = BenchStatus::Finished(result),
                BenchEvent::Error(failure) => {
                    let origin = failure
                        .port_frame()
                        .and_then(|frame| frame.original.as_ref())
                        .map(|original| (original.file.clone(), original.line));
                    self.status = BenchStatus::Failed { failure, origin };
                }
                BenchEvent::Exited(exit) => {
                    if self.is_running() {
                        self.status = if exit.cancelled {
                            BenchStatus::Cancelled
                        } else {
                            BenchStatus::Failed {
                                failure: Box::new(BenchFailure::new(
                                    crate::bench::event::FailureKind::Crashed,
                                    "the harness ended without a result",
                                    "run `portui bench` in a terminal to see its output",
                                )),
                                origin: None,
                            }
                        };
                    }
                    self.runner = None;
                    break;
                }
            }
        }
        changed
    }

    fn remember_finished(&mut self) {
        if let BenchStatus::Finished(result) = &self.status {
            self.previous = Some(result.clone());
        }
    }
}

fn configured(root: &Path) -> BenchStatus {
    let path = root.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return BenchStatus::Unconfigured,
        Err(e) => return BenchStatus::Invalid(format!("{}: {e}", path.display())),
    };
    let has_section = text
        .parse::<toml::Table>()
        .map_or(true, |table| table.contains_key("bench"));
    if !has_section {
        return BenchStatus::Unconfigured;
    }
    match config::parse(&text, &path) {
        Ok(config) => BenchStatus::Ready {
            model: config.model,
        },
        Err(error) => BenchStatus::Invalid(error.to_string()),
    }
}
