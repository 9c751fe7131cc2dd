//! Which torch imports the port shown still has, and the torch uses that keep each alive. The
//! torch import is not a decision: writing drops every torch import nothing uses any more, so
//! the reviewer needs to know what writing will do and, when an import stays, which lines
//! hold it there.

use crate::audit::{self, Kind};
use crate::tui::proposal::Row;
use std::path::Path;

/// A torch import of the original that the port keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptImport {
    /// 0-based torch line of the import statement.
    pub line: usize,
    /// The torch uses left in the port that go through this import: 0-based torch line (the
    /// original line the port line came from) and the qualified name.
    pub uses: Vec<(usize, String)>,
    /// The port imports it only inside the functions that use it (so importing the module
    /// needs no torch).
    pub moved: bool,
}

/// The torch imports `mlx` (the port of `torch`, aligned by `rows`) still has. A use belongs
/// to the import whose module is the longest prefix of its qualified name (`F.pad` is
/// `torch.nn.functional.pad`: `import torch.nn.functional as F`, not `import torch`).
pub fn kept_imports(torch: &str, mlx: &str, rows: &[Row]) -> Vec<KeptImport> {
    let port = audit::audit_source(Path::new(""), mlx);
    let torch_line_of = |port_line: usize| {
        let at = rows.iter().position(|r| r.right == Some(port_line))?;
        // A line the port added sits under the nearest original line above it.
        rows[..=at].iter().rev().find_map(|r| r.left)
    };
    let original: Vec<(usize, String)> = audit::audit_source(Path::new(""), torch)
        .into_iter()
        .filter(|f| f.kind == Kind::TorchImport)
        .map(|f| (f.line - 1, f.name))
        .collect();
    // (original import line, moved): an import the port moved into the functions that use
    // it sits under another original line; it is the original import of the same name.
    let kept_lines: Vec<(usize, bool)> = port
        .iter()
        .filter(|f| f.kind == Kind::TorchImport)
        .filter_map(|f| {
            let at = torch_line_of(f.line - 1)?;
            if original.iter().any(|(line, _)| *line == at) {
                return Some((at, false));
            }
            original
                .iter()
                .find(|(_, name)| *name == f.name)
                .map(|(line, _)| (*line, true))
        })
        .collect();
    let imports: Vec<(usize, String)> = original
        .into_iter()
        .filter(|(line, _)| kept_lines.iter().any(|(kept, _)| kept == line))
        .collect();
    let mut kept: Vec<KeptImport> = Vec::new();
    for (line, _) in &imports {
        if !kept.iter().any(|k| k.line == *line) {
            kept.push(KeptImport {
                line: *line,
                uses: Vec::new(),
                moved: kept_lines.iter().all(|(at, moved)| at != line || *moved),
            });
        }
    }
    for used in port.iter().filter(|f| f.kind == Kind::TorchUse) {
        let through =
            |module: &str| used.name == module || used.name.starts_with(&format!("{module}."));
        let owner = imports
            .iter()
            .filter(|(_, module)| through(module))
            .max_by_key(|(_, module)| module.len());
        if let (Some((line, _)), Some(at)) = (owner, torch_line_of(used.line - 1))
            && let Some(import) = kept.iter_mut().find(|k| k.line == *line)
        {
            import.uses.push((at, used.name.clone()));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::proposal::Proposal;

    #[test]
    fn each_kept_import_names_the_uses_that_keep_it() {
        let torch = "import torch\nimport torch.nn.functional as F\n\nx = F.pad(y, (1, 1))\nz = torch.zeros(3)\n";
        let mlx = "import mlx.core as mx\nimport torch.nn.functional as F\n\nx = F.pad(y, (1, 1))\nz = mx.zeros(3)\n";
        let proposal = Proposal::align(torch, mlx, None);
        let kept = kept_imports(torch, mlx, &proposal.rows);
        assert_eq!(
            kept,
            vec![KeptImport {
                line: 1,
                uses: vec![(3, "torch.nn.functional.pad".into())],
                moved: false
            }]
        );
    }

    #[test]
    fn a_port_without_torch_keeps_no_import() {
        let torch = "import torch\n\nz = torch.zeros(3)\n";
        let mlx = "import mlx.core as mx\n\nz = mx.zeros(3)\n";
        let proposal = Proposal::align(torch, mlx, None);
        assert!(kept_imports(torch, mlx, &proposal.rows).is_empty());
    }
}
