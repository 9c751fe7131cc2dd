//! What a finished run means: the exit status and the readable summary `portui bench` prints
//! (the pane can reuse the lines). The JSON form is `Outcome` serialised.

use super::event::{BenchFailure, BenchResult, ParityStatus, human_bytes};
use super::trace::LineChange;
use serde::Serialize;

/// How a run ended, as `portui bench --format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The run completed and parity held (or torch was not there to check it).
    pub ok: bool,
    pub result: Option<BenchResult>,
    pub error: Option<BenchFailure>,
}

impl Outcome {
    pub fn from_result(result: BenchResult) -> Self {
        Self {
            ok: result.parity.status != ParityStatus::Failed,
            result: Some(result),
            error: None,
        }
    }

    pub fn from_failure(failure: BenchFailure) -> Self {
        Self {
            ok: false,
            result: None,
            error: Some(failure),
        }
    }

    /// 0: completed and parity held or was skipped; 1: parity failed or the port failed to
    /// run; 2: the setup is wrong (config, no port, no Python, no mlx).
    pub fn exit_code(&self) -> u8 {
        match (&self.error, self.ok) {
            (Some(failure), _) => failure.kind.exit_code(),
            (None, true) => 0,
            (None, false) => 1,
        }
    }

    pub fn text(&self) -> String {
        match (&self.result, &self.error) {
            (Some(result), _) => result_text(result),
            (None, Some(failure)) => failure_text(failure),
            (None, None) => String::new(),
        }
    }
}

/// The summary of a completed run, device first.
pub fn result_text(result: &BenchResult) -> String {
    let latency = &result.latency_ms;
    let mut lines = vec![
        result.mlx.describe(),
        format!(
            "latency     median {} ms, p10 {} ms, p90 {} ms ({} timed iterations after {} warm-up)",
            ms(latency.median),
            ms(latency.p10),
            ms(latency.p90),
            result.iters,
            result.warmup
        ),
        format!(
            "throughput  {:.1} items/s (batch {})",
            result.throughput, result.batch
        ),
        format!("peak memory {}", human_bytes(result.peak_memory_bytes)),
    ];
    if let Some(torch) = &result.torch {
        lines.push(match (&torch.latency_ms, &torch.device, &result.speedup) {
            (Some(torch_latency), Some(device), Some(speedup)) => format!(
                "torch       {} on {device}: median {} ms (p10 {}, p90 {})\nspeed       {}",
                torch.version,
                ms(torch_latency.median),
                ms(torch_latency.p10),
                ms(torch_latency.p90),
                speedup.describe()
            ),
            _ => format!(
                "torch       {}: not timed ({})",
                torch.version,
                torch
                    .timing_error
                    .as_deref()
                    .unwrap_or("the original did not run")
            ),
        });
    }
    lines.extend(parity_lines(result));
    lines.join("\n") + "\n"
}

fn parity_lines(result: &BenchResult) -> Vec<String> {
    let parity = &result.parity;
    let mut lines = Vec::new();
    match parity.status {
        ParityStatus::Held => lines.push(format!(
            "parity      held: max abs error {:.3e} (tolerance {:e}) over {} output(s)",
            parity.max_abs().unwrap_or(0.0),
            parity.tolerance,
            parity.outputs.len()
        )),
        ParityStatus::Skipped => lines.push(format!(
            "parity      not checked: {} (`portui bench --setup --with-torch` adds it)",
            parity.reason.as_deref().unwrap_or("torch did not run")
        )),
        ParityStatus::Failed => {
            lines.push(format!(
                "parity      FAILED: {}",
                parity.reason.as_deref().unwrap_or("the outputs differ")
            ));
            for output in &parity.outputs {
                let at = output.at.as_ref().map_or(String::new(), |at| {
                    format!(
                        " at {at:?}: torch {} vs MLX {}",
                        output.torch_value.map_or("?".into(), |v| format!("{v:.6}")),
                        output.mlx_value.map_or("?".into(), |v| format!("{v:.6}")),
                    )
                });
                let how = match (&output.problem, output.max_abs, output.max_rel) {
                    (Some(problem), _, _) => problem.clone(),
                    (None, Some(abs), Some(rel)) => {
                        format!("max abs error {abs:.3e} (relative {rel:.3e})")
                    }
                    _ => "not compared".into(),
                };
                lines.push(format!("  output {}: {how}{at}", output.index));
            }
            for weight in &parity.unmatched_torch {
                lines.push(format!(
                    "  torch weight {} {:?} has no MLX parameter",
                    weight.name, weight.shape
                ));
            }
            for weight in &parity.unmatched_mlx {
                lines.push(format!(
                    "  MLX parameter {} {:?} gets no torch weight",
                    weight.name, weight.shape
                ));
            }
            for mismatch in &parity.shape_mismatches {
                lines.push(format!(
                    "  {}: torch {} is {:?} (in MLX layout), MLX expects {:?}",
                    mismatch.name, mismatch.torch_name, mismatch.torch_shape, mismatch.mlx_shape
                ));
            }
        }
    }
    lines
}

/// A failed run: what failed, where (the port's line and the original's), what to do.
pub fn failure_text(failure: &BenchFailure) -> String {
    let mut out = format!("error: {}\n", failure.message);
    if let Some(frame) = failure.port_frame() {
        out.push_str(&format!(
            "  in the port: {}:{}: {}\n",
            frame.file.display(),
            frame.line,
            frame.text.as_deref().unwrap_or("")
        ));
        if let Some(original) = &frame.original {
            let how = match original.change {
                LineChange::Unchanged => "from the original",
                LineChange::Rewritten => "rewritten from the original",
                LineChange::Added => "not in the original; added after",
            };
            out.push_str(&format!(
                "  {how}: {}:{}: {}\n",
                original.file.display(),
                original.line,
                original.text
            ));
        }
    }
    if let Some(traceback) = &failure.traceback {
        out.push('\n');
        out.push_str(traceback.trim_end());
        out.push('\n');
    } else if !failure.log.trim().is_empty() {
        out.push_str("\nharness output:\n");
        out.push_str(failure.log.trim_end());
        out.push('\n');
    }
    if let Some(hint) = &failure.hint {
        out.push_str(&format!("\nnext: {hint}\n"));
    }
    out
}

/// Milliseconds with three significant digits.
fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}
