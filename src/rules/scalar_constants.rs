//! scalar-constants: `torch.tensor(2.0)` used as a constant in arithmetic → the Python
//! scalar `2.0`.
//!
//! Why: in MLX an array constant promotes half-precision operands to float32
//! (`x * mx.array(2.0)` is float32 even when x is float16), while a Python scalar adapts to
//! the other operand's dtype (guide step 7).
//!
//! Example: `x * torch.tensor(0.5)` → `x * 0.5`.
//!
//! Fix safety: safe: a 0-d float constant in arithmetic means the same number.

use super::context::hole;
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct ScalarConstants;
pub static RULE: ScalarConstants = ScalarConstants;

impl Rule for ScalarConstants {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "scalar-constants", step: "7", checklist: "scalar-constants", summary: "0-d tensor constants in arithmetic → Python scalars" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprBinOp])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::BinOp(binop) = expr else { return };
        for operand in [binop.left.as_ref(), binop.right.as_ref()] {
            if let Some(number) = scalar_tensor(cx, operand) {
                let range = span(operand);
                out.safe(range.clone(), "a tensor constant would promote half precision to float32 in MLX: use the Python scalar", vec![Edit::template(range, vec![hole(number)])]);
            }
        }
    }
}

/// `torch.tensor(<number>)` with no other argument → the number.
pub fn scalar_tensor<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    let Expr::Call(call) = expr else { return None };
    if !matches!(cx.torch_name(&call.func).as_deref(), Some("torch.tensor" | "torch.as_tensor")) || call.arguments.len() != 1 {
        return None;
    }
    let value = call.arguments.args.first()?;
    matches!(value, Expr::NumberLiteral(_)).then_some(value)
}
