//! How an audit is shown: the full text report (`path:line:col: kind name: message`, then
//! where the line came from), the JSON document, and the one-line summary `apply` and the
//! session print after writing a port.

use super::{Audit, Finding, HunkRef, Kind, Original};
use crate::bench::trace::LineChange;
use std::io::Write;

/// How many findings the one-line summary names before `...`.
const SUMMARY_EXAMPLES: usize = 3;

pub fn write_text(audit: &Audit, mut out: impl Write) -> std::io::Result<()> {
    for finding in &audit.findings {
        let name = if finding.name.is_empty() {
            String::new()
        } else {
            format!(" {}", finding.name)
        };
        writeln!(
            out,
            "{}:{}{}:{}: {}{name}: {}",
            finding.path.display(),
            cell_prefix(finding.cell),
            finding.line,
            finding.column,
            finding.kind.as_str(),
            finding.message
        )?;
        if let Some(original) = &finding.original {
            writeln!(out, "  {}", provenance(original, finding.hunk.as_ref()))?;
        }
    }
    for error in &audit.errors {
        writeln!(out, "{}: error: {}", error.path.display(), error.message)?;
    }
    writeln!(out, "{}", totals(audit))
}

/// `from gpt/model.py:69, rewritten by hunk 0123456789abcdef (attention)`.
fn provenance(original: &Original, hunk: Option<&HunkRef>) -> String {
    let at = format!(
        "{}:{}{}",
        original.path.display(),
        cell_prefix(original.cell),
        original.line
    );
    let named = hunk.map(|hunk| format!("hunk {} ({})", hunk.id, hunk.rule));
    match (original.change, named) {
        (LineChange::Unchanged, None) => format!("from {at}, unchanged"),
        (LineChange::Unchanged, Some(hunk)) => {
            format!("from {at}, unchanged; {hunk} proposes a rewrite there")
        }
        (LineChange::Rewritten, None) => format!("from {at}, rewritten"),
        (LineChange::Rewritten, Some(hunk)) => format!("from {at}, rewritten by {hunk}"),
        (LineChange::Added, None) => format!("added after {at}"),
        (LineChange::Added, Some(hunk)) => format!("added after {at} by {hunk}"),
    }
}

/// `3 files audited: 4 leftovers in 2 files (1 torch-import, 3 torch-use)`.
fn totals(audit: &Audit) -> String {
    let mut line = format!("{} audited: ", plural(audit.files, "file"));
    if audit.findings.is_empty() {
        line.push_str("no leftovers");
    } else {
        let counts: Vec<String> = Kind::ALL
            .iter()
            .filter_map(|&kind| {
                let count = audit.findings.iter().filter(|f| f.kind == kind).count();
                (count > 0).then(|| format!("{count} {}", kind.as_str()))
            })
            .collect();
        line.push_str(&format!(
            "{} in {} ({})",
            plural(audit.findings.len(), "leftover"),
            plural(audit.files_with_findings().len(), "file"),
            counts.join(", ")
        ));
    }
    if !audit.errors.is_empty() {
        line.push_str(&format!(
            "; {} could not be read",
            plural(audit.errors.len(), "path")
        ));
    }
    line
}

/// `{"findings": [...], "files": N, "errors": [...]}`, serialised straight from the audit.
pub fn write_json(audit: &Audit, mut out: impl Write) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        findings: &'a [Finding],
        files: usize,
        errors: &'a [super::AuditError],
    }
    let document = Document {
        findings: &audit.findings,
        files: audit.files,
        errors: &audit.errors,
    };
    serde_json::to_writer_pretty(&mut out, &document)?;
    writeln!(out)
}

/// One line for after a write: how many leftovers, the first few, and how to see them all.
/// `command_path` is the port directory as the user would pass it to `portui audit`.
pub fn summary(audit: &Audit, command_path: &std::path::Path) -> String {
    let unread = if audit.errors.is_empty() {
        String::new()
    } else {
        format!("; {} could not be read", plural(audit.errors.len(), "path"))
    };
    if audit.findings.is_empty() {
        return format!(
            "audit: no leftovers in {}{unread}",
            plural(audit.files, "file")
        );
    }
    let mut examples: Vec<String> = audit
        .findings
        .iter()
        .take(SUMMARY_EXAMPLES)
        .map(example)
        .collect();
    if audit.findings.len() > SUMMARY_EXAMPLES {
        examples.push("...".into());
    }
    format!(
        "audit: {} in {} ({}){unread}; run `portui audit {}` for all",
        plural(audit.findings.len(), "leftover"),
        plural(audit.files_with_findings().len(), "file"),
        examples.join(", "),
        command_path.display()
    )
}

/// Audit a port just written (`apply`, the session's write) and say in one line what is left;
/// an audit that cannot run says why, since the port is written either way.
pub fn after_write(out: &std::path::Path) -> String {
    match super::audit_path(out, super::Originals::Skip) {
        Ok(audit) => summary(&audit, out),
        Err(error) => format!("audit: could not run: {error}"),
    }
}

/// `model.py:12 torch.fft.rfft`.
fn example(finding: &Finding) -> String {
    let name = match finding.kind {
        Kind::Syntax => "syntax error",
        Kind::ArrayMethod => &format!("{}()", finding.name),
        Kind::ArrayAttribute => &format!(".{}", finding.name),
        _ => &finding.name,
    };
    format!(
        "{}:{}{} {name}",
        finding.path.display(),
        cell_prefix(finding.cell),
        finding.line
    )
}

/// `cell 3:` before a line in a notebook.
fn cell_prefix(cell: Option<usize>) -> String {
    cell.map_or_else(String::new, |cell| format!("cell {cell}:"))
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
