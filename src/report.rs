//! What `check` and `diff` print. The JSON shape is a public contract: fields are only added.

use crate::analysis::{FileAnalysis, ProjectAnalysis};
use crate::checklist::{Entry, Status};
use crate::fix::Applicability;
use crate::hunk::{HunkId, unified_diff};
use crate::port::{SHIMS_MODULE, SHIMS_SOURCE};
use crate::write::{Selection, ported_text};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::value::RawValue;
use std::io::Write;

#[derive(Debug, Serialize)]
pub struct Rate {
    pub converted: usize,
    pub torch_uses: usize,
}

impl Rate {
    pub fn of(analysis: &ProjectAnalysis) -> Self {
        let counted = analysis
            .files
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|f| f.rule != "torch-import");
        let (mut converted, mut torch_uses) = (0, 0);
        for finding in counted {
            torch_uses += 1;
            if finding.applicability != Applicability::Manual {
                converted += 1;
            }
        }
        Self {
            converted,
            torch_uses,
        }
    }

    pub fn ratio(&self) -> f64 {
        if self.torch_uses == 0 {
            1.0
        } else {
            self.converted as f64 / self.torch_uses as f64
        }
    }
}

/// Whether anything is left to do: open findings, open checklist items or unreadable files.
pub fn anything_open(analysis: &ProjectAnalysis) -> bool {
    analysis
        .files
        .iter()
        .any(|f| !f.findings.is_empty() || f.error.is_some())
        || !analysis.walk_errors.is_empty()
        || analysis
            .files
            .iter()
            .any(|f| f.checklist.iter().any(|e| e.status == Status::Open))
}

pub fn check_text(analysis: &ProjectAnalysis) -> String {
    let mut out = String::new();
    for file in &analysis.files {
        for finding in &file.findings {
            let (line, column) = file.location(finding.range.start);
            out.push_str(&format!(
                "{}:{line}:{column}: {} [{}] {}\n",
                file.rel.display(),
                finding.rule,
                finding.applicability.as_str(),
                finding.message
            ));
        }
    }
    let errors: Vec<String> = parse_errors(analysis)
        .into_iter()
        .map(|e| format!("  {}: {}\n", e.path, e.message))
        .collect();
    if !errors.is_empty() {
        out.push_str(&format!(
            "\nfiles that could not be analysed ({}):\n{}",
            errors.len(),
            errors.concat()
        ));
    }
    out.push_str("\nchecklist (project):\n");
    for entry in analysis.checklist() {
        out.push_str(&checklist_line(&entry));
    }
    let rate = Rate::of(analysis);
    let manual = rate.torch_uses - rate.converted;
    out.push_str(&format!(
        "\n{} files, {} findings; conversion rate {:.1}% ({} of {} torch API uses have a rewrite, {} need manual work)\n",
        analysis.files.len(),
        analysis.files.iter().map(|f| f.findings.len()).sum::<usize>(),
        rate.ratio() * 100.0,
        rate.converted,
        rate.torch_uses,
        manual
    ));
    out
}

fn checklist_line(entry: &Entry) -> String {
    let status = match entry.status {
        Status::Open => format!("open {}", entry.open),
        other => other.as_str().to_string(),
    };
    format!("  [{status:>7}] {}\n", entry.title)
}

#[derive(Serialize)]
struct ParseError {
    path: String,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

fn parse_errors(analysis: &ProjectAnalysis) -> Vec<ParseError> {
    let mut errors: Vec<ParseError> = analysis
        .files
        .iter()
        .filter_map(|file| {
            let error = file.error.as_ref()?;
            let (line, column) = match error {
                crate::analysis::FileError::Syntax { line, column, .. } => {
                    (Some(*line), Some(*column))
                }
                _ => (None, None),
            };
            Some(ParseError {
                path: file.rel.display().to_string(),
                line,
                column,
                message: error.to_string(),
            })
        })
        .collect();
    errors.extend(analysis.walk_errors.iter().map(|(path, why)| ParseError {
        path: path.display().to_string(),
        line: None,
        column: None,
        message: why.clone(),
    }));
    errors
}

/// Files whose findings are rendered at once, on the analysis pool, before they are written.
/// The report for a large project runs to tens of megabytes: it is never held whole.
const RENDERED_TOGETHER: usize = 512;

/// `check --format json`: one object, one finding per line. Each file's findings are rendered
/// on the analysis pool and written in file order.
pub fn write_check_json(
    analysis: &ProjectAnalysis,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct FindingJson<'a> {
        rule: &'a str,
        /// Escaped once per file, not once per finding.
        path: &'a RawValue,
        line: usize,
        column: usize,
        message: &'a str,
        applicability: Applicability,
        checklist: &'a str,
        hunk: Option<Displayed<HunkId>>,
    }
    #[derive(Serialize)]
    struct FileJson<'a> {
        path: &'a str,
        findings: usize,
        hunks: usize,
        error: Option<String>,
    }
    let paths: Vec<String> = analysis
        .files
        .iter()
        .map(|f| f.rel.display().to_string())
        .collect();
    let render = |(file, path): (&FileAnalysis, &String)| {
        let path = serde_json::value::to_raw_value(path).expect("paths serialise");
        let mut rendered = Vec::new();
        for (i, finding) in file.findings.iter().enumerate() {
            let (line, column) = file.location(finding.range.start);
            let json = FindingJson {
                rule: finding.rule,
                path: &path,
                line,
                column,
                message: &finding.message,
                applicability: finding.applicability,
                checklist: finding.checklist,
                hunk: file.hunks[i].map(Displayed),
            };
            rendered.extend_from_slice(b",\n");
            serde_json::to_writer(&mut rendered, &json).expect("findings serialise");
        }
        rendered
    };
    let files: Vec<FileJson> = analysis
        .files
        .iter()
        .zip(&paths)
        .map(|(file, path)| FileJson {
            path,
            findings: file.findings.len(),
            hunks: file.hunks.iter().flatten().count(),
            error: file.error.as_ref().map(|e| e.to_string()),
        })
        .collect();
    let rate = Rate::of(analysis);
    let mut out = std::io::BufWriter::new(out);
    out.write_all(b"{\n")?;
    json_field(&mut out, "files", &files)?;
    out.write_all(b"\"findings\": [")?;
    // Each rendered finding starts with ",\n"; the first one's comma is dropped.
    let mut first = true;
    for (files, paths) in analysis
        .files
        .chunks(RENDERED_TOGETHER)
        .zip(paths.chunks(RENDERED_TOGETHER))
    {
        let rendered: Vec<Vec<u8>> =
            crate::analysis::in_pool(|| files.par_iter().zip(paths).map(render).collect());
        for rendered in rendered.iter().filter(|r| !r.is_empty()) {
            out.write_all(if first { &rendered[1..] } else { rendered })?;
            first = false;
        }
    }
    out.write_all(b"\n],\n")?;
    json_field(&mut out, "checklist", &analysis.checklist())?;
    json_field(&mut out, "parse_errors", &parse_errors(analysis))?;
    json_field(&mut out, "conversion_rate", &rate.ratio())?;
    json_field(&mut out, "torch_uses", &rate.torch_uses)?;
    write!(out, "\"converted\": {}\n}}\n", rate.converted)?;
    out.flush()
}

/// Serialised as the string its `Display` writes, without building that string first.
struct Displayed<T>(T);

impl<T: std::fmt::Display> Serialize for Displayed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// `"name": value,` and a newline.
fn json_field(out: &mut impl Write, name: &str, value: &impl Serialize) -> std::io::Result<()> {
    write!(out, "\"{name}\": ")?;
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b",\n")
}

/// A unified diff (paths relative to the project) of everything proposed.
pub fn diff(analysis: &ProjectAnalysis) -> Result<String, String> {
    let mut out = String::new();
    let mut shims = false;
    for file in &analysis.files {
        let Some(source) = &file.source else { continue };
        if file.error.is_some() {
            continue;
        }
        let (text, _, _, uses_shims) = ported_text(file, &Selection::AcceptAll)
            .map_err(|why| format!("{}: {why}", file.rel.display()))?;
        shims |= uses_shims;
        let rel = file.rel.display();
        out.push_str(&unified_diff(
            &source.text,
            &text,
            &format!("a/{rel}"),
            &format!("b/{rel}"),
        ));
    }
    if shims {
        out.push_str(&unified_diff(
            "",
            SHIMS_SOURCE,
            "/dev/null",
            &format!("b/{SHIMS_MODULE}.py"),
        ));
    }
    Ok(out)
}
