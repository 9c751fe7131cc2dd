//! The port audit (`portui audit PORT`): what a written MLX port still has that keeps it from
//! running on mlx alone. Rules can only rewrite what they recognise; the audit reads the result
//! and names every leftover, so a port is known to be clean rather than hoped to be.
//!
//! Kinds of findings:
//! - `torch-import`: an import of `torch` or a submodule, or of a PyTorch package whose name
//!   starts with `torch` (`torchvision`, `torchaudio`, `torch_geometric`...): each of them
//!   imports torch, so a port that imports one still needs torch.
//! - `torch-use`: a use of a name such an import binds (a call, an attribute, an annotation),
//!   reported once per name chain (`torch.nn.functional.relu`). String annotations are not read.
//! - `mlx-name`: a name rooted in mlx (through `import mlx.core as mx`, `from mlx import nn`,
//!   `from mlx.core import fast`...) that the pinned mlx lacks, judged against the generated
//!   lists (`src/api/names/mlx.txt`, `src/audit/mlx_facts.txt`) link by link up to the first
//!   call: `nn.Linear(3, 4).weight` checks `mlx.nn.Linear` only. Names under a module the list
//!   does not enumerate (`mlx.nn.layers.base`), private names and names on instances are not
//!   judged. A name that is not rooted in an mlx import (a local `nn`) is not MLX's business.
//! - `array-method`: `receiver.method(...)` where `method` is a torch.Tensor method that
//!   mx.array does not have (or has as a property, like `size`), on a receiver that may be an
//!   array. A receiver may be an array unless it is known not to be: a literal, a name bound
//!   only to str/bytes/number/list/tuple/dict/set literals or to builtin constructors (`str()`,
//!   `list()`, `sorted()`...), a numpy value (from a `numpy` call, or a method of one), an MLX
//!   layer or optimizer built in place or kept in `self.<name>`, a method's `self`, an
//!   `x.at[...]` update helper, or an annotated `str`/`int`/`list`... parameter. Values from
//!   `mx.*` functions that return arrays, `mx.array(...)`, arithmetic with an array, array
//!   methods that return arrays, and parameters the function uses like arrays (`x.shape`,
//!   `x.reshape`, `x @ w`) and like nothing else (no `isinstance(x, ...)`, no `x.items()`, no
//!   union annotation) are known arrays. Names that a str, list, tuple, dict, set, MLX
//!   module or optimizer also has (`index`, `sort`, `values`, `add`) are reported only on known
//!   arrays. Binding is by scope, as Python does it (a parameter shadows an import; class
//!   bodies are invisible from methods); `self.<name>` is what any method of the class assigns.
//! - `array-attribute`: `receiver.name`, read, set or deleted but not called, where `name` is a
//!   torch.Tensor attribute that mx.array lacks (`p.grad`, `p.requires_grad = False`,
//!   `x.is_leaf`, `x.H`), on a receiver that may be an array. On a receiver not known to be one,
//!   only the attributes no ordinary object is likely to have are reported (not `name`,
//!   `layout`, `device`, `data`).
//! - `syntax`: the file does not parse (nothing else in it is audited).
//!
//! Where portui wrote the port (the output tree holds portui's marker and is `<project>_mlx`
//! beside the project, or the caller names the original), each finding also gives the original
//! line it came from (the line diff `bench::trace` uses for failing frames), whether the port
//! changed it, and the hunk over it: the narrowest hunk the original's analysis proposes there
//! (the one that rewrote the line, or on a line kept as it was, the one that would port it).
//!
//! Files are audited in parallel on the analysis pool; each is parsed once, and its tree walked
//! once for each scope's bindings and once for the checks.

mod frames;
mod names;
mod origin;
mod report;
mod results;
pub(crate) mod scope;
mod values;
mod walk;

pub use origin::{Originals, Roots};
pub use report::{after_write, summary, write_json, write_text};

use crate::analysis::read;
use crate::bench::trace::LineChange;
use crate::notebook::CellMap;
use crate::parse::parse_module;
use crate::project::discover;
use crate::source::LineIndex;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    TorchImport,
    TorchUse,
    MlxName,
    ArrayMethod,
    ArrayAttribute,
    Syntax,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::TorchImport,
        Kind::TorchUse,
        Kind::MlxName,
        Kind::ArrayMethod,
        Kind::ArrayAttribute,
        Kind::Syntax,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::TorchImport => "torch-import",
            Kind::TorchUse => "torch-use",
            Kind::MlxName => "mlx-name",
            Kind::ArrayMethod => "array-method",
            Kind::ArrayAttribute => "array-attribute",
            Kind::Syntax => "syntax",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Relative to the audited directory (the file's name when one file is audited).
    pub path: PathBuf,
    /// The notebook cell (numbered from 1, see `notebook`); `line` is then within it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<usize>,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub kind: Kind,
    /// The qualified name (`torch.nn.functional.relu`, `mlx.core.fast.rmsnorm`) or the method
    /// (`float`); empty for a syntax error.
    pub name: String,
    pub message: String,
    /// The line of the torch original this line of the port came from.
    pub original: Option<Original>,
    /// The hunk over that original line, when the original's analysis proposes one there.
    pub hunk: Option<HunkRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Original {
    pub path: PathBuf,
    /// The notebook cell, as for `Finding`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<usize>,
    pub line: usize,
    /// `unchanged` (the port kept the original line), `rewritten`, or `added` (a line the
    /// original does not have, written after `line`).
    pub change: LineChange,
}

/// The hunk over the original line: the one that rewrote it, or, on a line the port kept as
/// it was, the one that proposes a rewrite there (not applied, or applied around it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HunkRef {
    /// The hunk id (16 hex digits), as decisions and `check --format json` name it.
    pub id: String,
    pub rule: &'static str,
}

/// A file the audit could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditError {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug)]
pub struct Audit {
    /// The audited directory (a file's directory when one file is audited).
    pub root: PathBuf,
    /// Python files audited (read, parsed or not).
    pub files: usize,
    pub findings: Vec<Finding>,
    pub errors: Vec<AuditError>,
}

impl Audit {
    /// 0: clean; 1: something was found; 2: a file or directory could not be read.
    pub fn exit_code(&self) -> u8 {
        if !self.errors.is_empty() {
            2
        } else {
            u8::from(!self.findings.is_empty())
        }
    }

    /// The files with findings, in order.
    pub fn files_with_findings(&self) -> Vec<&Path> {
        let mut files: Vec<&Path> = self.findings.iter().map(|f| f.path.as_path()).collect();
        files.dedup();
        files
    }
}

/// The leftovers in one file's text (no originals: the engine alone, text in, data out).
pub fn audit_source(rel: &Path, text: &str) -> Vec<Finding> {
    let lines = LineIndex::new(text);
    let finding = |kind, offset, name: String, message: String| {
        let (line, column) = lines.line_col(text, offset);
        Finding {
            path: rel.to_path_buf(),
            cell: None,
            line,
            column,
            kind,
            name,
            message,
            original: None,
            hunk: None,
        }
    };
    match parse_module(text) {
        Ok(module) => walk::leftovers(text, &module)
            .into_iter()
            .map(|leftover| {
                finding(
                    leftover.kind,
                    leftover.range.start,
                    leftover.name,
                    leftover.message,
                )
            })
            .collect(),
        Err(error) => vec![finding(
            Kind::Syntax,
            error.offset,
            String::new(),
            format!(
                "does not parse ({}), so nothing else in it was audited",
                error.message
            ),
        )],
    }
}

/// Audit every Python file under `path` (a directory or one `.py` file), walking it as every
/// command does (`.gitignore` honoured; virtualenvs, caches and other output trees skipped).
pub fn audit_path(path: &Path, originals: Originals) -> Result<Audit, String> {
    let discovery = discover(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let roots = originals.resolve(&discovery.root);
    // Largest first, so a large file does not start last and leave one thread working alone.
    let mut order: Vec<usize> = (0..discovery.files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(discovery.sizes[i]));
    let mut outcomes: Vec<(usize, Result<Vec<Finding>, AuditError>)> =
        crate::analysis::in_pool(|| {
            order
                .par_iter()
                .map(|&i| {
                    let rel = &discovery.files[i];
                    (i, audit_file(&discovery.root, rel, roots.as_ref()))
                })
                .collect()
        });
    outcomes.sort_unstable_by_key(|(i, _)| *i);
    let mut audit = Audit {
        root: discovery.root,
        files: outcomes.len(),
        findings: Vec::new(),
        errors: discovery
            .errors
            .into_iter()
            .map(|(path, message)| AuditError { path, message })
            .collect(),
    };
    for (_, outcome) in outcomes {
        match outcome {
            Ok(findings) => audit.findings.extend(findings),
            Err(error) => audit.errors.push(error),
        }
    }
    Ok(audit)
}

fn audit_file(root: &Path, rel: &Path, roots: Option<&Roots>) -> Result<Vec<Finding>, AuditError> {
    let path = root.join(rel);
    let text = read(&path).map_err(|error| AuditError {
        path: rel.to_path_buf(),
        message: error.to_string(),
    })?;
    let mut findings = audit_source(rel, &text);
    if let Some(roots) = roots
        && !findings.is_empty()
    {
        roots.annotate(&path, &text, &mut findings);
    }
    // Lines so far count in the notebook's whole source; a person looks for them in a cell.
    if let Some(cells) = crate::notebook::is_notebook(rel).then(|| CellMap::of(&text)) {
        for finding in &mut findings {
            (finding.cell, finding.line) = in_cell(&cells, finding.line);
        }
    }
    Ok(findings)
}

/// `(cell, line within it)` of a line of a notebook's source.
fn in_cell(cells: &CellMap, line: usize) -> (Option<usize>, usize) {
    cells
        .locate(line)
        .map_or((None, line), |(cell, line)| (Some(cell), line))
}
