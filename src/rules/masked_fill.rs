//! masked-fill: `x.masked_fill(mask, value)` → `mx.where(mask, value, x)`.
//!
//! Why: MLX arrays have no `masked_fill`; `mx.where` takes the condition first and the
//! original array LAST, so the arguments move (a plain reorder mistake swaps filled and kept
//! values). The in-place `masked_fill_` becomes an assignment of the same expression.
//!
//! Example: `att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))` →
//! `mx.where(self.bias[:, :, :T, :T] == 0, float("-inf"), att)`.
//!
//! Fix safety: safe: `where(mask, value, x)` is exactly masked_fill's meaning, with the
//! value broadcast and cast like torch does for Python scalars.

use super::calls::method_call;
use super::context::{argument, hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct MaskedFill;
pub static RULE: MaskedFill = MaskedFill;

impl Rule for MaskedFill {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "masked-fill", step: "2", checklist: "torch-semantics", summary: "masked_fill(mask, v) → mx.where(mask, v, x) (arguments move)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtAssign, NodeKind::ExprCall])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        // `x[x < t] = v`: boolean-mask assignment (MLX has no boolean indexing).
        let Stmt::Assign(assign) = stmt else { return };
        let [Expr::Subscript(subscript)] = &assign.targets[..] else { return };
        let Expr::Compare(_) = subscript.slice.as_ref() else { return };
        let x = subscript.value.as_ref();
        if cx.tensor(x) != crate::tensors::Certainty::Tensor || !matches!(x, Expr::Name(_) | Expr::Attribute(_)) {
            return;
        }
        let range = span(stmt);
        let edit = Edit::template(range.clone(), vec![hole(x), text(" = mx.where("), hole(subscript.slice.as_ref()), text(", "), hole(assign.value.as_ref()), text(", "), hole(x), text(")")]);
        out.safe(range, "boolean-mask assignment → mx.where (MLX has no boolean indexing)", vec![edit]);
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some((receiver, method)) = method_call(call) else { return };
        if !matches!(method, "masked_fill" | "masked_fill_") || cx.is_torch(receiver) {
            return;
        }
        let (Some(mask), Some(value)) = (argument(call, 0, "mask"), argument(call, 1, "value")) else { return };
        let range = span(call);
        let where_call = vec![text("mx.where("), hole(mask), text(", "), hole(value), text(", "), hole(receiver), text(")")];
        if method == "masked_fill" {
            out.safe(range.clone(), "masked_fill(mask, v) → mx.where(mask, v, x): the array moves to the last argument", vec![Edit::template(range, where_call)]);
            return;
        }
        // In place: only as a statement of its own, on an assignable receiver.
        let is_statement = matches!(cx.stmt(), Some(Stmt::Expr(s)) if span(s.value.as_ref()) == range);
        if is_statement && matches!(receiver, Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_)) {
            let mut pieces = vec![hole(receiver), text(" = ")];
            pieces.extend(where_call);
            out.safe(range.clone(), "masked_fill_ (in place) → assignment of mx.where(mask, v, x)", vec![Edit::template(range, pieces)]);
        } else {
            out.manual(range, "masked_fill_ inside an expression: assign mx.where(mask, v, x) back to the array first");
        }
    }
}
