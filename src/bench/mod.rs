//! The benchmark: run the port, time it, prove it matches torch.
//!
//! `config` reads `[bench]` from `portui.toml`; `BenchRequest::prepare` checks that the port
//! exists and chooses the interpreter; `Runner::spawn` runs the embedded harness
//! (`harness.py`) in the background and delivers `BenchEvent`s on a channel; `report` turns the
//! outcome into an exit status and text. Nothing here runs the project's code until a runner
//! is spawned.

pub mod config;
pub mod event;
pub mod python;
pub mod report;
pub mod runner;
pub mod template;
mod torch_uses;
pub mod trace;

pub use config::{BenchConfig, ConfigError, Dtype, InputSpec};
pub use event::{
    BenchEvent, BenchFailure, BenchResult, Exit, FailureKind, Frame, Latency, MlxInfo, OutputDiff,
    Parity, ParityStatus, Progress, Speedup, TorchInfo,
};
pub use report::Outcome;
pub use runner::{BenchRequest, Runner};
pub use template::{init_template, write_template};

/// The module loader the harness and convert-weights' helper import from beside themselves:
/// how a project's `[bench]` file is imported (by its dotted name when it is inside a package).
pub const PROJECT_MODULE_LOADER: (&str, &str) = (
    "portui_project_module.py",
    include_str!("portui_project_module.py"),
);

/// Run to the end, waiting (the headless command). `on_progress` sees each progress event.
pub fn run_blocking(request: &BenchRequest, mut on_progress: impl FnMut(&Progress)) -> Outcome {
    let runner = Runner::spawn(request);
    let mut outcome = None;
    while let Some(event) = runner.recv() {
        match event {
            BenchEvent::Progress(progress) => on_progress(&progress),
            BenchEvent::Result(result) => outcome = Some(Outcome::from_result(*result)),
            BenchEvent::Error(failure) => outcome = Some(Outcome::from_failure(*failure)),
            BenchEvent::Exited(_) => break,
        }
    }
    outcome.expect("a run that was not cancelled ends with a result or an error")
}
