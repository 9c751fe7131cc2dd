//! transpose: torch `x.transpose(a, b)` / `torch.transpose(x, a, b)` → `x.swapaxes(a, b)`;
//! `x.t()` → `x.T`.
//!
//! Why: MLX `transpose` takes a full permutation. A plain rename raises on 4-D arrays and,
//! worse, on 2-D `x.transpose(0, 1)` is read as the permutation (0, 1): the identity. The
//! numbers come out silently untransposed (mlx-traps #1).
//!
//! Example: `k.transpose(-2, -1)` → `k.swapaxes(-2, -1)`.
//!
//! Fix safety: safe on known tensors; review when the receiver's type is unknown (numpy's
//! two-argument transpose is also a permutation, so the rewrite would be wrong there).

use super::calls::method_call;
use super::context::{hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Applicability, Edit};
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;
use crate::tensors::Certainty;

pub struct Transpose;
pub static RULE: Transpose = Transpose;

impl Rule for Transpose {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "transpose", step: "2", checklist: "torch-semantics", summary: "transpose(a, b) swaps two axes → swapaxes" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let range = span(call);
        if cx.torch_name(&call.func).as_deref() == Some("torch.transpose") {
            if let [x, a, b] = &call.arguments.args[..] {
                let edit = Edit::template(range.clone(), vec![text("mx.swapaxes("), hole(x), text(", "), hole(a), text(", "), hole(b), text(")")]);
                out.safe(range, "torch.transpose swaps two axes: mx.swapaxes (MLX transpose takes a permutation)", vec![edit]);
            } else {
                out.manual(range, "torch.transpose with keywords: use mx.swapaxes(x, dim0, dim1)");
            }
            return;
        }
        let Some((receiver, method)) = method_call(call) else { return };
        // The method name before the receiver: judging the receiver costs more.
        if !matches!(method, "transpose" | "t") || cx.is_torch(receiver) {
            return;
        }
        let certainty = cx.tensor(receiver);
        let (applicability, caveat) = match certainty {
            Certainty::Tensor => (Applicability::Safe, ""),
            Certainty::Unknown => (Applicability::Review, " (receiver not known to be a tensor)"),
            Certainty::NotTensor => return,
        };
        let Expr::Attribute(attribute) = call.func.as_ref() else { return };
        match method {
            "transpose" if call.arguments.args.len() == 2 && call.arguments.keywords.is_empty() => {
                out.fix(range, applicability, format!("transpose(a, b) swaps two axes: swapaxes{caveat}"), vec![Edit::replace(span(&attribute.attr), "swapaxes")]);
            }
            "transpose" if !call.arguments.keywords.is_empty() => {
                out.manual(range, "transpose(dim0=, dim1=): use x.swapaxes(dim0, dim1)");
            }
            "t" if call.arguments.is_empty() => {
                out.fix(range.clone(), applicability, format!("t() → .T{caveat}"), vec![Edit::replace(span(&attribute.attr).start..range.end, "T")]);
            }
            _ => {}
        }
    }
}
