//! randomness: `torch.manual_seed(s)` → `mx.random.seed(s)`; generators are manual.
//!
//! Why: MLX has a global seed too, but its generator is not torch's: the same seed gives
//! other numbers (tests comparing torch and MLX must share data, not seeds). Explicit
//! `torch.Generator` objects map to MLX's explicit keys (`mx.random.key(seed)`, `key=`).
//!
//! Example: `torch.manual_seed(1337)` → `mx.random.seed(1337)`.
//!
//! Fix safety: safe for the global seed; manual for generators and CUDA seeds' device loops.

use super::calls::rename_callee;
use super::{Context, Findings, Rule, RuleMeta};
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct Randomness;
pub static RULE: Randomness = Randomness;

impl Rule for Randomness {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "randomness", step: "7", checklist: "torch-semantics", summary: "seeds → mx.random.seed; generators → keys" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtExpr, NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        let Stmt::Expr(statement) = stmt else { return };
        let Expr::Call(call) = statement.value.as_ref() else { return };
        if matches!(cx.torch_name(&call.func).as_deref(), Some("torch.cuda.manual_seed" | "torch.cuda.manual_seed_all"))
            && let Some(edit) = cx.delete_statement(stmt, cx.is_sole_statement(stmt))
        {
            out.safe(span(stmt), "CUDA seed: MLX has one generator (seeded by mx.random.seed)", vec![edit]);
        }
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let range = span(call);
        match cx.torch_name(&call.func).as_deref() {
            Some("torch.manual_seed" | "torch.random.manual_seed") => {
                out.safe(range, "torch.manual_seed → mx.random.seed (different generator: same seed, other numbers)", vec![rename_callee(call, "mx.random.seed")]);
            }
            Some("torch.Generator") => {
                out.manual(range, "torch.Generator: use an explicit key, key = mx.random.key(seed), and pass key= to mx.random functions (split it with mx.random.split)");
            }
            _ => {}
        }
    }
}
