//! Shared by the integration tests: where the real Python (with torch, mlx and numpy) is, and
//! the invariants every port must keep.

#![allow(dead_code)] // each test binary uses its own subset

use portui::analysis::{ProjectAnalysis, analyse_path};
use portui::hunk::unified_diff;
use portui::port::port;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The test interpreter: `$PORTUI_TEST_PYTHON`, else the venv `tests/run.sh` creates.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("PORTUI_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or(home.join(".cache"));
    let python = cache.join("portui-tests/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `tests/run.sh`, which creates the test venv (mlx[cpu], numpy, torch)",
        python.display()
    );
    python
}

pub fn analyse(path: &Path) -> ProjectAnalysis {
    analyse_path(path, || {}).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Port every file with every hunk accepted and check the design invariants: the output
/// parses, lines no edit touches are byte-identical, and a second run proposes nothing.
/// Returns the unified diff of the project.
pub fn check_invariants(analysis: &ProjectAnalysis) -> Result<String, String> {
    let mut diff = String::new();
    for file in &analysis.files {
        let Some(source) = &file.source else { continue };
        let ported = port(&source.text, &file.findings, |_| true)
            .map_err(|e| format!("{}: {}", file.rel.display(), e.message))?;
        if !ported.conflicts.is_empty() {
            let rules: Vec<&str> = ported
                .conflicts
                .iter()
                .map(|&i| file.findings[i].rule)
                .collect();
            return Err(format!(
                "{}: overlapping hunks from {rules:?}",
                file.rel.display()
            ));
        }
        untouched_lines_identical(&source.text, &ported.text, &file.findings, &ported.applied)
            .map_err(|e| format!("{}: {e}", file.rel.display()))?;
        let again = portui::analysis::analyse_text(&file.rel, ported.text.clone());
        let proposals: Vec<String> = again
            .findings
            .iter()
            .filter(|f| !f.edits.is_empty())
            .map(|f| format!("{} at byte {}: {}", f.rule, f.range.start, f.message))
            .collect();
        if !proposals.is_empty() {
            return Err(format!(
                "{}: a second run proposes {proposals:?}",
                file.rel.display()
            ));
        }
        let rel = file.rel.display();
        diff.push_str(&unified_diff(
            &source.text,
            &ported.text,
            &format!("a/{rel}"),
            &format!("b/{rel}"),
        ));
    }
    Ok(diff)
}

/// Every original line that changed must overlap an applied edit (or be an import line, which
/// the import normalisation rewrites).
fn untouched_lines_identical(
    original: &str,
    ported: &str,
    findings: &[portui::rules::Finding],
    applied: &[usize],
) -> Result<(), String> {
    let edits: Vec<std::ops::Range<usize>> = applied
        .iter()
        .flat_map(|&i| findings[i].edits.iter().map(|e| e.range.clone()))
        .collect();
    let diff = similar::TextDiff::from_lines(original, ported);
    let mut offset = 0;
    for change in diff.iter_all_changes() {
        let len = change.value().len();
        match change.tag() {
            similar::ChangeTag::Delete => {
                let line = offset..offset + len;
                let touched = edits
                    .iter()
                    .any(|e| e.start < line.end && line.start <= e.end);
                let import = change.value().trim_start().starts_with("import ")
                    || change.value().trim_start().starts_with("from ");
                if !touched && !import {
                    return Err(format!(
                        "line changed without an edit: {:?}",
                        change.value()
                    ));
                }
                offset += len;
            }
            similar::ChangeTag::Equal => offset += len,
            similar::ChangeTag::Insert => {}
        }
    }
    Ok(())
}

/// Run a Python script with the test interpreter; returns (success, stdout, stderr).
pub fn run_python(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let output = Command::new(python())
        .args(args)
        .output()
        .expect("python runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
