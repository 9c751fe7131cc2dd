//! What `check` and `diff` print.

mod check;
pub mod rules;
pub use check::{CheckedFile, Format, anything_open, write_check};

use crate::analysis::ProjectAnalysis;
use crate::hunk::unified_diff;
use crate::port::{SHIMS_MODULE, SHIMS_SOURCE};
use crate::write::{Selection, ported_text};

/// A unified diff (paths relative to the project) of everything proposed.
pub fn diff(analysis: &ProjectAnalysis) -> Result<String, String> {
    let mut out = String::new();
    let mut shim_dirs: Vec<std::path::PathBuf> = Vec::new();
    for file in &analysis.files {
        let Some(source) = &file.source else { continue };
        if file.error.is_some() {
            continue;
        }
        let (text, _, _, uses_shims) = ported_text(file, &Selection::AcceptAll)
            .map_err(|why| format!("{}: {why}", file.rel.display()))?;
        if let Some(dir) = file.rel.parent().filter(|_| uses_shims)
            && !shim_dirs.iter().any(|d| d == dir)
        {
            shim_dirs.push(dir.to_path_buf());
        }
        let rel = file.rel.display();
        out.push_str(&unified_diff(
            &source.text,
            &text,
            &format!("a/{rel}"),
            &format!("b/{rel}"),
        ));
    }
    for dir in shim_dirs {
        let path = dir.join(format!("{SHIMS_MODULE}.py"));
        out.push_str(&unified_diff(
            "",
            SHIMS_SOURCE,
            "/dev/null",
            &format!("b/{}", path.display()),
        ));
    }
    Ok(out)
}
