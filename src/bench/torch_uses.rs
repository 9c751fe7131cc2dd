//! A port that imports torch fails in the benchmark (the harness makes torch unimportable).
//! Fixing the `import torch` line is the wrong advice when the file still uses torch: the
//! import is what the uses need. This names the uses instead, from the port audit.

use super::event::BenchFailure;
use super::runner::BenchRequest;
use crate::audit::{self, Finding, Kind, Originals, Roots};
use std::path::Path;

/// What harness.py's `BlockTorch` says when the port imports torch.
pub const TORCH_BLOCKED: &str = "a port must run without torch";
/// How many uses the hint names before `and N more`.
const NAMED: usize = 5;

/// The hint for a failure caused by the port importing torch: the torch uses of the file that
/// imported it. `None` for other failures, or when the file uses nothing of torch (then the
/// import line itself is the thing to fix, as the harness's own hint says).
pub fn hint(failure: &BenchFailure, request: &BenchRequest) -> Option<String> {
    if !failure.message.contains(TORCH_BLOCKED) {
        return None;
    }
    let file = &failure.port_frame()?.file;
    let roots = Roots {
        port: request.output_root.clone(),
        original: request.project_root.clone(),
    };
    let audit = audit::audit_path(file, Originals::At(roots)).ok()?;
    let uses: Vec<&Finding> = audit
        .findings
        .iter()
        .filter(|finding| finding.kind == Kind::TorchUse)
        .collect();
    if uses.is_empty() {
        return None;
    }
    let rel = file.strip_prefix(&request.output_root).unwrap_or(file);
    let mut named: Vec<String> = uses.iter().take(NAMED).map(|u| describe(rel, u)).collect();
    if uses.len() > NAMED {
        named.push(format!("and {} more", uses.len() - NAMED));
    }
    Some(format!(
        "the port still uses torch, which keeps its import: {}; port these uses (in the original, or accept the hunks that rewrite them), then write the port again (`portui apply`); `portui audit {}` lists every leftover",
        named.join(", "),
        request.output_root.display()
    ))
}

/// `model.py:40 torch.fft.rfft (original line 38)`.
fn describe(rel: &Path, finding: &Finding) -> String {
    let original = finding
        .original
        .as_ref()
        .map_or(String::new(), |o| format!(" (original line {})", o.line));
    format!(
        "{}:{} {}{original}",
        rel.display(),
        finding.line,
        finding.name
    )
}

#[cfg(test)]
mod tests {
    /// The hint recognises the harness's message by its words: they must stay in step.
    #[test]
    fn the_harness_says_what_the_hint_looks_for() {
        assert!(include_str!("harness.py").contains(super::TORCH_BLOCKED));
    }
}
