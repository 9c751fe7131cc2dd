//! float64: any float64 use is an error for MLX on the GPU.
//!
//! Why: MLX has no float64 on the GPU (Metal); float64 arrays fail there or fall back to the
//! CPU. Use float32 as the highest precision.
//!
//! Example: `torch.tensor(x, dtype=torch.float64)`, `x.double()` → error: use float32.
//!
//! Fix safety: manual: switching precision changes results; decide per use.

use super::calls::method_call;
use super::{Context, Findings, Rule, RuleMeta};
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct Float64;
pub static RULE: Float64 = Float64;

impl Rule for Float64 {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "float64", step: "7", checklist: "no-float64", summary: "float64 (error: no float64 on the MLX GPU)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprAttribute, NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let message = "error: MLX has no float64 on the GPU: use float32 (mx.float32) as the highest precision";
        match expr {
            Expr::Attribute(_) => {
                if matches!(cx.torch_name(expr).as_deref(), Some("torch.float64" | "torch.double")) {
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
