//! torch-import: every `import torch...` becomes exactly the MLX imports the file needs.
//!
//! Why: a port that still imports torch is not a port: it needs torch installed to run, and
//! any name it still takes from torch computes with torch, not MLX.
//!
//! Example: `import torch`, `import torch.nn as nn`, `import torch.nn.functional as F` →
//! `import mlx.core as mx`, `import mlx.nn as nn` (only those the rewritten code uses).
//!
//! Fix safety: safe, and not a hunk of its own: when a file is written, torch imports that
//! nothing uses any more are dropped and the MLX imports that the accepted rewrites use are
//! added. A torch import stays while some torch use in the file is not ported: at the top when
//! a use is at module or class level, otherwise inside the functions that use it
//! (`src/port/local_imports.rs`), so the module imports without torch.

use super::{Context, Findings, Rule, RuleMeta};
use crate::parse::ast::{NodeKind, Stmt};
use crate::parse::span;
use crate::semantic::is_torch;

/// The session shows this rule's findings as what writing will do, not as decisions.
pub const ID: &str = "torch-import";

pub struct TorchImport;
pub static RULE: TorchImport = TorchImport;

impl Rule for TorchImport {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: ID, step: "1", checklist: "no-torch-import", summary: "torch imports → the MLX imports the port needs" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtImport, NodeKind::StmtImportFrom])
    }

    fn check_stmt(&self, _cx: &Context, stmt: &Stmt, out: &mut Findings) {
        let torch = match stmt {
            Stmt::Import(import) => import.names.iter().any(|a| is_torch(a.name.as_str())),
            Stmt::ImportFrom(import) => import.level == 0 && import.module.as_ref().is_some_and(|m| is_torch(m.as_str())),
            _ => false,
        };
        if torch {
            out.manual(span(stmt), "torch import: replaced by the MLX imports the port needs when the file is written; it stays while torch uses remain");
        }
    }
}
