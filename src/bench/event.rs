//! What a benchmark run reports: the harness's JSON lines as typed values. The same types are
//! what `portui bench --format json` prints, so the UI, scripts and tests read one vocabulary.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One message from a run, in order: any number of `Progress`, then exactly one of `Result` or
/// `Error` (none when cancelled), then `Exited`, after which the channel closes.
#[derive(Debug, Clone, PartialEq)]
pub enum BenchEvent {
    Progress(Progress),
    Result(Box<BenchResult>),
    Error(Box<BenchFailure>),
    Exited(Exit),
}

/// `done` of `total` steps of `phase`: `torch` (the reference run and torch's timing), `load`
/// (import, build and weights of the port), `warmup`, `timed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub phase: String,
    pub done: u32,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The harness's exit status (`None` when a signal ended it).
    pub status: Option<i32>,
    /// `Runner::cancel` ended the run.
    pub cancelled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    pub mlx: MlxInfo,
    pub latency_ms: Latency,
    /// Wall time of MLX's timed turns (what the latencies add up to, plus the harness's own
    /// work around each iteration; torch's turns in between are not in it).
    pub timed_wall_s: f64,
    /// `mx.get_peak_memory()` over the timed iterations.
    pub peak_memory_bytes: u64,
    pub warmup: u32,
    pub iters: u32,
    /// Items per call: axis 0 of the first input.
    pub batch: u64,
    /// Items per second at the median latency.
    pub throughput: f64,
    /// The torch original, when torch imported.
    pub torch: Option<TorchInfo>,
    /// torch's latency over MLX's, timed in interleaved rounds; `None` when torch was not timed.
    pub speedup: Option<Speedup>,
    pub parity: Parity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlxInfo {
    pub version: String,
    /// `cpu`, `gpu (Metal)` or `gpu (CUDA)`.
    pub device: String,
    /// MLX's device info (`mx.device_info()`; on Apple silicon the GPU's name and memory).
    pub device_info: Option<serde_json::Map<String, serde_json::Value>>,
    /// `Linux x86_64`, `Darwin arm64`.
    pub platform: String,
    /// The pip package: `mlx`, `mlx[cpu]` or `mlx[cuda]`.
    pub package: String,
    pub python: String,
}

impl MlxInfo {
    /// `MLX 0.32.4 on cpu (Linux x86_64; mlx[cpu]; AMD EPYC)`.
    pub fn describe(&self) -> String {
        let mut details = vec![self.platform.clone(), self.package.clone()];
        if let Some(info) = &self.device_info {
            let name = info
                .get("device_name")
                .and_then(|v| v.as_str())
                .filter(|n| !n.is_empty());
            details.extend(name.map(str::to_string));
            let memory = info.get("memory_size").and_then(serde_json::Value::as_u64);
            details.extend(memory.map(|bytes| format!("{} memory", human_bytes(bytes))));
        }
        format!(
            "MLX {} on {} ({})",
            self.version,
            self.device,
            details.join("; ")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    /// Every timed iteration, in order (for a sparkline or histogram).
    pub samples: Vec<f64>,
}

/// torch's latency over MLX's (above 1: MLX is faster). Each round times one torch and one MLX
/// iteration back to back, so both see the same load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speedup {
    /// torch's fastest iteration over MLX's: the pair the machine's load disturbed least.
    pub ratio: f64,
    /// The spread of the rounds' own ratios.
    pub p10: f64,
    pub p90: f64,
    pub rounds: u32,
    /// CPU threads each framework had (torch is held to MLX's CPU backend's one).
    pub threads: u32,
}

impl Speedup {
    /// Past this p90/p10 spread of the rounds' ratios, the machine's load decided the ratio more
    /// than the models did. Measured on a 2-core machine with the GPT fixture (1–5 ms per call,
    /// `tests/bench/speed_ratio.sh`): single rounds spread up to 3x under a load average of 7;
    /// with two more CPU hogs they spread 4–12x.
    pub const SPREAD_LIMIT: f64 = 3.0;

    pub fn reliable(&self) -> bool {
        self.p10 > 0.0 && self.p90 / self.p10 <= Self::SPREAD_LIMIT
    }

    /// `MLX is 2.62x slower (fastest iterations; torch/MLX per round: p10 0.26, p90 0.52 over 10
    /// rounds; 1 CPU thread each)`, or, when the spread is too wide, that there is no ratio.
    pub fn describe(&self) -> String {
        let spread = format!(
            "p10 {:.2}, p90 {:.2} over {} rounds; {} CPU thread{} each",
            self.p10,
            self.p90,
            self.rounds,
            self.threads,
            if self.threads == 1 { "" } else { "s" }
        );
        if !self.reliable() {
            return format!("unreliable: the machine is busy (torch/MLX per round: {spread})");
        }
        format!(
            "MLX is {} (fastest iterations; torch/MLX per round: {spread})",
            self.verdict()
        )
    }

    /// `MLX 2.62x slower`, or `ratio unreliable (busy machine)`: for the session's narrow pane.
    pub fn short(&self) -> String {
        if self.reliable() {
            format!("MLX {}", self.verdict())
        } else {
            "ratio unreliable (busy machine)".into()
        }
    }

    fn verdict(&self) -> String {
        if self.ratio >= 1.0 {
            format!("{:.2}x faster", self.ratio)
        } else {
            format!("{:.2}x slower", 1.0 / self.ratio)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TorchInfo {
    pub version: String,
    /// `cuda`, `mps` or `cpu`: torch's best device here. `None` when timing failed.
    pub device: Option<String>,
    pub latency_ms: Option<Latency>,
    /// Why torch could not be timed on its best device (parity does not depend on it).
    pub timing_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParityStatus {
    Held,
    Failed,
    /// torch (or numpy) is not installed: nothing to compare with.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parity {
    pub status: ParityStatus,
    /// Why it failed or was skipped.
    pub reason: Option<String>,
    pub tolerance: f64,
    /// One entry per output the two models both return as an array.
    pub outputs: Vec<OutputDiff>,
    pub unmatched_torch: Vec<UnmatchedWeight>,
    pub unmatched_mlx: Vec<UnmatchedWeight>,
    pub shape_mismatches: Vec<ShapeMismatch>,
}

impl Parity {
    /// The largest max-abs error over the compared outputs.
    pub fn max_abs(&self) -> Option<f64> {
        self.outputs
            .iter()
            .filter_map(|o| o.max_abs)
            .reduce(f64::max)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputDiff {
    /// Position in the model's returned tuple (0 for a single array).
    pub index: usize,
    pub max_abs: Option<f64>,
    /// `max_abs` over the largest |torch value| of the output.
    pub max_rel: Option<f64>,
    /// Where the largest difference is, and the two values there.
    pub at: Option<Vec<u64>>,
    pub torch_value: Option<f64>,
    pub mlx_value: Option<f64>,
    /// A difference that is not a number: shapes differ, NaN on one side only.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedWeight {
    pub name: String,
    pub shape: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShapeMismatch {
    pub name: String,
    pub torch_name: String,
    /// Already moved to MLX's layout (conv weights channels-last).
    pub torch_shape: Vec<u64>,
    pub mlx_shape: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// `portui.toml` is missing or wrong.
    Config,
    /// The output tree (or the model file in it) does not exist.
    MissingOutput,
    /// The interpreter could not be started.
    NoPython,
    /// The interpreter has no `mlx`.
    MlxMissing,
    /// The port fails to import.
    Import,
    /// The `[bench].model` expression fails on the port.
    Build,
    /// `portui-weights.json` cannot be applied to the port.
    Weights,
    /// The `[bench].inputs` cannot be made in the port's layout.
    Inputs,
    /// The port's forward pass fails.
    Run,
    /// The harness or a phase died without reporting.
    Crashed,
}

impl FailureKind {
    /// 2 when nothing about the port was measured because the setup is wrong (as for usage
    /// errors), 1 when the port itself failed.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Config | Self::MissingOutput | Self::NoPython | Self::MlxMissing => 2,
            Self::Import
            | Self::Build
            | Self::Weights
            | Self::Inputs
            | Self::Run
            | Self::Crashed => 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchFailure {
    pub kind: FailureKind,
    pub message: String,
    /// What to do next.
    pub hint: Option<String>,
    pub traceback: Option<String>,
    /// The traceback's frames, innermost last.
    #[serde(default)]
    pub frames: Vec<Frame>,
    /// The end of the harness's stderr (the model's prints, Python's warnings).
    #[serde(default)]
    pub log: String,
}

impl BenchFailure {
    pub fn new(kind: FailureKind, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: Some(hint.into()),
            traceback: None,
            frames: Vec::new(),
            log: String::new(),
        }
    }

    /// The innermost frame in the port, where the fix usually goes.
    pub fn port_frame(&self) -> Option<&Frame> {
        self.frames.iter().rev().find(|f| f.original.is_some())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub file: PathBuf,
    pub line: usize,
    pub function: String,
    pub text: Option<String>,
    /// For a frame in the output tree: the line of the torch original it came from.
    #[serde(default)]
    pub original: Option<crate::bench::trace::OriginalLine>,
}

/// `1.5 MB`, `3.2 GB`.
pub fn human_bytes(bytes: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < units.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::Speedup;

    fn speedup(p10: f64, ratio: f64, p90: f64) -> Speedup {
        Speedup {
            ratio,
            p10,
            p90,
            rounds: 10,
            threads: 1,
        }
    }

    #[test]
    fn a_narrow_spread_gives_a_ratio_and_a_wide_one_says_the_machine_is_busy() {
        assert_eq!(
            speedup(0.3, 0.4, 0.5).describe(),
            "MLX is 2.50x slower (fastest iterations; torch/MLX per round: p10 0.30, p90 0.50 over 10 rounds; 1 CPU thread each)"
        );
        assert_eq!(
            speedup(0.1, 0.4, 1.5).describe(),
            "unreliable: the machine is busy (torch/MLX per round: p10 0.10, p90 1.50 over 10 rounds; 1 CPU thread each)"
        );
    }
}
