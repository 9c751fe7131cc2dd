//! float64: any float64 use is an error for MLX on the GPU.
//!
//! Why: MLX has no float64 on the GPU (Metal); float64 arrays fail there or fall back to the
//! CPU. Use float32 as the highest precision.
//!
//! Example: `torch.tensor(x, dtype=torch.float64)`, `x.double()` → error: use float32. A dtype
//! comparison (`x.dtype == torch.float64`, `x.dtype in (float32, float64)`) asks about the
//! dtype, which MLX has: `mx.float64`.
//!
//! Fix safety: manual: switching precision changes results; decide per use. The comparison
//! rewrite is safe: it computes nothing in float64.

use super::calls::method_call;
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{CmpOp, Expr, NodeKind};
use crate::parse::span;

pub struct Float64;
pub static RULE: Float64 = Float64;

impl Rule for Float64 {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "float64", step: "7", checklist: "no-float64", summary: "float64 (error: no float64 on the MLX GPU); dtype comparisons → mx.float64" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprAttribute, NodeKind::ExprName, NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let message = "error: MLX has no float64 on the GPU: use float32 (mx.float32) as the highest precision";
        match expr {
            Expr::Attribute(_) | Expr::Name(_) => {
                if !matches!(cx.torch_name(expr).as_deref(), Some("torch.float64" | "torch.double")) {
                    return;
                }
                // `x.dtype == torch.float64`, `x.dtype in (float32, float64)`: a question about a
                // dtype, which MLX's float64 answers (only computing in it fails on the GPU).
                if compared(cx) {
                    out.safe(span(expr), "float64 in a dtype comparison → mx.float64: MLX has the dtype (only computing in it fails on the GPU)", vec![Edit::replace(span(expr), "mx.float64")]);
                } else if matches!(expr, Expr::Attribute(_)) {
                    out.manual(span(expr), message);
                }
            }
            Expr::Call(call) => {
                if let Some((receiver, "double")) = method_call(call)
                    && call.arguments.is_empty()
                    && cx.tensor(receiver) != crate::tensors::Certainty::NotTensor
                    && !cx.is_torch(receiver)
                {
                    out.manual(span(call), message);
                }
            }
            _ => {}
        }
    }
}

/// Whether the expression being visited is compared (`==`, `!=`, `is`, `is not`), or is an
/// element of a tuple, list or set tested with `in` / `not in`.
fn compared(cx: &Context) -> bool {
    let mut ancestors = cx.expr_stack.iter().rev();
    match ancestors.next() {
        Some(Expr::Compare(compare)) => compare.ops.iter().all(|op| matches!(op, CmpOp::Eq | CmpOp::NotEq | CmpOp::Is | CmpOp::IsNot)),
        Some(Expr::Tuple(_) | Expr::List(_) | Expr::Set(_)) => {
            matches!(ancestors.next(), Some(Expr::Compare(compare)) if compare.ops.iter().all(|op| matches!(op, CmpOp::In | CmpOp::NotIn)))
        }
        _ => false,
    }
}
