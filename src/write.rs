//! Writing a port. The torch original is never touched unless `--in-place` is asked for, and
//! then only when every file is byte-identical to what was analysed (with backups). Every
//! write is atomic (a temporary file renamed over the target), so a crash or a full disk
//! leaves either the old file or the new one, never half of each.

use crate::analysis::{FileAnalysis, ProjectAnalysis};
use crate::atomic::write_atomic;
use crate::decisions::{Decision, Decisions};
use crate::fix::Applicability;
use crate::port::{SHIMS_MODULE, SHIMS_SOURCE, port};
use crate::project::OUTPUT_MARKER;
use crate::weights::WeightMap;
use std::path::{Path, PathBuf};

pub const WEIGHTS_FILE: &str = "portui-weights.json";

/// Which hunks to apply.
pub enum Selection {
    AcceptAll,
    SafeOnly,
    Saved(Decisions),
    /// Accepted and undecided hunks: the session's view of the port while a review is open.
    NotRejected(Decisions),
}

impl Selection {
    pub fn accepts(&self, file: &FileAnalysis, index: usize) -> bool {
        let finding = &file.findings[index];
        match self {
            Self::AcceptAll => true,
            Self::SafeOnly => finding.applicability == Applicability::Safe,
            Self::Saved(decisions) => file.hunks[index]
                .is_some_and(|id| decisions.get(&file.rel, id) == Some(Decision::Accepted)),
            Self::NotRejected(decisions) => file.hunks[index]
                .is_some_and(|id| decisions.get(&file.rel, id) != Some(Decision::Rejected)),
        }
    }
}

pub enum Target {
    Tree(PathBuf),
    InPlace,
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    pub out: PathBuf,
    pub written: Vec<PathBuf>,
    pub hunks_applied: usize,
    pub copied: usize,
    /// Files not written, with why (changed on disk, port does not parse).
    pub refused: Vec<(PathBuf, String)>,
    /// Accepted hunks left out because they overlap an earlier one.
    pub conflicts: Vec<(PathBuf, String)>,
    /// The directories (relative to the output) a copy of the shims was written to: each
    /// holding a ported file that uses them.
    pub shim_dirs: Vec<PathBuf>,
    pub wrote_weights: bool,
}

/// The port of one file: its new text, or why there is none.
pub fn ported_text(
    file: &FileAnalysis,
    selection: &Selection,
) -> Result<(String, usize, Vec<String>, bool), String> {
    let source = file.source.as_ref().ok_or("not analysed")?;
    let ported = port(&source.text, &file.findings, |i| selection.accepts(file, i))
        .map_err(|e| e.message)?;
    let conflicts = ported
        .conflicts
        .iter()
        .map(|&i| {
            let finding = &file.findings[i];
            let place = file.place(finding.range.start);
            format!(
                "{}:{place}: {} overlaps an earlier accepted hunk and was left out",
                file.rel.display(),
                finding.rule
            )
        })
        .collect();
    Ok((
        ported.text,
        ported.applied.len(),
        conflicts,
        ported.uses_shims,
    ))
}

pub fn apply(
    analysis: &ProjectAnalysis,
    selection: &Selection,
    target: &Target,
) -> Result<ApplyReport, String> {
    let mut report = ApplyReport::default();
    let mut ports = Vec::new();
    let mut notes = Vec::new();
    for file in &analysis.files {
        if let Some(error) = &file.error {
            report
                .refused
                .push((file.rel.clone(), format!("not ported: {error}")));
            continue;
        }
        let Some(source) = &file.source else { continue };
        match ported_text(file, selection) {
            Ok((text, applied, conflicts, shims)) => {
                report.hunks_applied += applied;
                report
                    .conflicts
                    .extend(conflicts.into_iter().map(|c| (file.rel.clone(), c)));
                if shims {
                    let dir = file.rel.parent().map(Path::to_path_buf).unwrap_or_default();
                    if !report.shim_dirs.contains(&dir) {
                        report.shim_dirs.push(dir);
                    }
                }
                notes.extend(
                    file.findings
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| selection.accepts(file, *i))
                        .flat_map(|(_, f)| f.weights.iter()),
                );
                ports.push((file, source, text));
            }
            Err(why) => report.refused.push((file.rel.clone(), why)),
        }
    }
    let weights = WeightMap::from_notes(notes);
    match target {
        Target::InPlace => {
            report.out = analysis.root.clone();
            let mut checked = Vec::new();
            for (file, source, text) in &ports {
                match on_disk(&analysis.root.join(&file.rel), &source.text, text) {
                    Ok(on_disk) => checked.push((file, source, text, on_disk)),
                    Err(Refusal::Changed) => {
                        return Err(format!(
                            "{} changed on disk since it was analysed; nothing was written (run again to port the new version)",
                            file.rel.display()
                        ));
                    }
                    Err(Refusal::Invalid(why)) => report.refused.push((file.rel.clone(), why)),
                }
            }
            let backup = analysis.root.join(".portui-backup").join(timestamp());
            for (file, source, text, on_disk) in checked {
                if *text == source.text {
                    continue;
                }
                write_atomic(&backup.join(&file.rel), &on_disk.original)?;
                write_atomic(&analysis.root.join(&file.rel), &on_disk.port)?;
                report.written.push(file.rel.clone());
            }
            write_support_files(&analysis.root, &report, &weights)?;
        }
        Target::Tree(out) => {
            report.out = out.clone();
            std::fs::create_dir_all(out).map_err(|e| {
                format!("{}: cannot create the output directory: {e}", out.display())
            })?;
            write_atomic(
                &out.join(OUTPUT_MARKER),
                b"written by portui; portui skips this directory\n",
            )?;
            for (file, source, text) in &ports {
                match on_disk(&analysis.root.join(&file.rel), &source.text, text) {
                    Ok(on_disk) => {
                        write_atomic(&out.join(&file.rel), &on_disk.port)?;
                        report.written.push(file.rel.clone());
                    }
                    Err(Refusal::Changed) => report.refused.push((
                        file.rel.clone(),
                        "changed on disk since it was analysed; run again".into(),
                    )),
                    Err(Refusal::Invalid(why)) => report.refused.push((file.rel.clone(), why)),
                }
            }
            report.copied = copy_other_files(&analysis.root, out, analysis)?;
            write_support_files(out, &report, &weights)?;
        }
    }
    report.wrote_weights = !weights.is_empty();
    Ok(report)
}

fn write_support_files(
    out: &Path,
    report: &ApplyReport,
    weights: &WeightMap,
) -> Result<(), String> {
    for dir in &report.shim_dirs {
        write_atomic(
            &out.join(dir).join(format!("{SHIMS_MODULE}.py")),
            SHIMS_SOURCE.as_bytes(),
        )?;
    }
    if !weights.is_empty() {
        let json = serde_json::to_string_pretty(weights).map_err(|e| e.to_string())?;
        write_atomic(&out.join(WEIGHTS_FILE), format!("{json}\n").as_bytes())?;
    }
    Ok(())
}

/// Copy every non-Python file the project walk sees (data, configs) into the output tree.
fn copy_other_files(root: &Path, out: &Path, analysis: &ProjectAnalysis) -> Result<usize, String> {
    if analysis.single_file {
        return Ok(0);
    }
    let mut copied = 0;
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .require_git(false)
        .build();
    let out_absolute = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    for entry in walker.flatten() {
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) || crate::project::is_source(path) {
            continue;
        }
        if std::path::absolute(path).is_ok_and(|p| p.starts_with(&out_absolute)) {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        if rel.components().any(|c| c.as_os_str() == "__pycache__") {
            continue;
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        write_atomic(&out.join(rel), &bytes)?;
        copied += 1;
    }
    Ok(copied)
}

/// Why a port is not written.
enum Refusal {
    /// The file on disk is no longer what was analysed.
    Changed,
    Invalid(String),
}

/// A file as it is on disk now, and the bytes its port writes.
struct OnDisk {
    original: Vec<u8>,
    port: Vec<u8>,
}

/// Read `path` once: refuse if its analysed text changed since (for a notebook, its code
/// cells), else the port's bytes (for a notebook, the notebook with its ported cells).
fn on_disk(path: &Path, analysed: &str, ported: &str) -> Result<OnDisk, Refusal> {
    let original = std::fs::read(path).map_err(|_| Refusal::Changed)?;
    if !crate::notebook::is_notebook(path) {
        if original != analysed.as_bytes() {
            return Err(Refusal::Changed);
        }
        let port = ported.as_bytes().to_vec();
        return Ok(OnDisk { original, port });
    }
    let json = std::str::from_utf8(&original).map_err(|_| Refusal::Changed)?;
    if crate::notebook::to_source(json).ok().as_deref() != Some(analysed) {
        return Err(Refusal::Changed);
    }
    let port = crate::notebook::write_back(json, ported)
        .map_err(|why| Refusal::Invalid(format!("the notebook could not be rebuilt: {why}")))?
        .into_bytes();
    Ok(OnDisk { original, port })
}

fn timestamp() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    seconds.to_string()
}
