//! What `check` and `diff` print.

mod check;
pub use check::{CheckedFile, Format, anything_open, write_check};

use crate::analysis::ProjectAnalysis;
use crate::hunk::unified_diff;
use crate::port::{SHIMS_MODULE, SHIMS_SOURCE};
use crate::write::{Selection, ported_text};

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
