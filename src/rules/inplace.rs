//! inplace: in-place tensor methods used as statements (`x.add_(y)`, `x.mul_(s)`,
//! `x.zero_()`, `x.fill_(v)`, `x.clamp_(a, b)`, `x.copy_(y)`) → functional assignments.
//!
//! Why: MLX arrays are immutable; there are no `*_` methods. An assignment of the new array
//! keeps the meaning for the name assigned; other references to the old array do not see the
//! change (torch's would), which is why a receiver that is not a plain attribute or name is
//! left to a person (mlx-traps #25).
//!
//! Example: `x.mul_(0.5)` → `x = x * 0.5`; `self.w.zero_()` → `self.w = mx.zeros_like(self.w)`.
//!
//! Fix safety: review (aliasing, see above); manual inside expressions.

use super::calls::method_call;
use super::context::{hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::tensors::Certainty;

pub struct Inplace;
pub static RULE: Inplace = Inplace;

const OPERATORS: &[(&str, &str)] = &[("add_", "+"), ("sub_", "-"), ("mul_", "*"), ("div_", "/")];

impl Rule for Inplace {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "inplace", step: "2", checklist: "torch-semantics", summary: "in-place tensor methods → functional assignments" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtExpr])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        let Stmt::Expr(statement) = stmt else { return };
        let Expr::Call(call) = statement.value.as_ref() else { return };
        let Some((x, method)) = method_call(call) else { return };
        if !method.ends_with('_') || method.starts_with('_') || cx.is_torch(x) || matches!(method, "masked_fill_" | "requires_grad_") {
            return;
        }
        if cx.tensor(x) == Certainty::NotTensor || !matches!(x, Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_)) {
            return;
        }
        let range = span(call);
        let args = &call.arguments.args;
        let value: Option<Vec<Piece>> = match (method, &args[..]) {
            (_, [y]) if call.arguments.keywords.is_empty() && OPERATORS.iter().any(|(m, _)| *m == method) => {
                let op = OPERATORS.iter().find(|(m, _)| *m == method).map(|(_, o)| *o).expect("checked");
                Some(vec![hole(x), text(format!(" {op} (")), hole(y), text(")")])
            }
            ("zero_", []) => Some(vec![text("mx.zeros_like("), hole(x), text(")")]),
            ("fill_", [v]) => Some(vec![text("mx.full("), hole(x), text(".shape, "), hole(v), text(", dtype="), hole(x), text(".dtype)")]),
            ("clamp_", _) => {
                let bound = |position, name| match super::context::argument(call, position, name) {
                    Some(value) => hole(value),
                    None => text("None"),
                };
                Some(vec![text("mx.clip("), hole(x), text(", "), bound(0, "min"), text(", "), bound(1, "max"), text(")")])
            }
            ("copy_", [y]) => Some(vec![text("mx.array("), hole(y), text(", dtype="), hole(x), text(".dtype)")]),
            _ => None,
        };
        match value {
            Some(value) => {
                let mut pieces = vec![hole(x), text(" = ")];
                pieces.extend(value);
                out.review(range.clone(), format!("{method} (in place) → assignment: MLX arrays are immutable (other references to the old array keep the old values)"), vec![Edit::template(range, pieces)]);
            }
            None if cx.tensor(x) == Certainty::Tensor => {
                out.manual(range, format!("{method}: MLX arrays are immutable: assign the functional result back"));
            }
            None => {}
        }
    }
}
