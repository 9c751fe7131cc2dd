//! nn-parameter: `nn.Parameter(t)` → `t`.
//!
//! Why: every public array attribute of an MLX module is a parameter; there is no wrapper.
//! `requires_grad=False` means "not trained": that is `freeze` in MLX.
//!
//! Example: `self.weight = nn.Parameter(torch.ones(d))` → `self.weight = mx.ones(d)`.
//!
//! Fix safety: safe; `requires_grad=False` is manual (freeze the attribute instead).

use super::context::{keyword, unwrapped};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct NnParameter;
pub static RULE: NnParameter = NnParameter;

impl Rule for NnParameter {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "nn-parameter", step: "1", checklist: "torch-semantics", summary: "nn.Parameter(t) → t (arrays are parameters)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        if cx.torch_name(&call.func).as_deref() != Some("torch.nn.Parameter") {
            return;
        }
        let range = span(call);
        if keyword(call, "requires_grad").is_some() {
            out.manual(range, "nn.Parameter(t, requires_grad=...): assign t and call self.freeze(keys=[name], recurse=False) for a frozen one");
            return;
        }
        let Some(value) = call.arguments.args.first() else { return };
        out.safe(range.clone(), "nn.Parameter(t) → t: MLX module arrays are parameters", vec![Edit::template(range, unwrapped(cx.text, value))]);
    }
}
