//! shape-queries: `x.size()` → `x.shape`, `x.size(d)` → `x.shape[d]`, `x.dim()` → `x.ndim`,
//! `x.numel()` → `x.size`.
//!
//! Why: in MLX `size` is a property holding the element COUNT; `x.size()` raises and
//! `x.size` silently means `numel` (mlx-traps #24).
//!
//! Example: `B, T, C = x.size()` → `B, T, C = x.shape`; `k.size(-1)` → `k.shape[-1]`.
//!
//! Fix safety: safe on known tensors; review when the receiver is not known to be a tensor.
//! Channel-axis reads in channels-last code are the channels-last rule's business.

use super::calls::method_call;
use super::context::{postfix_hole, argument, hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Applicability, Edit};
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;
use crate::tensors::Certainty;

pub struct ShapeQueries;
pub static RULE: ShapeQueries = ShapeQueries;

impl Rule for ShapeQueries {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "shape-queries", step: "2", checklist: "torch-semantics", summary: "size()/dim()/numel() → shape/ndim/size" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some((receiver, method)) = method_call(call) else { return };
        if !matches!(method, "size" | "dim" | "numel" | "ndimension" | "nelement") || cx.is_torch(receiver) {
            return;
        }
        let (applicability, caveat) = match cx.tensor(receiver) {
            Certainty::Tensor => (Applicability::Safe, ""),
            Certainty::Unknown => (Applicability::Review, " (receiver not known to be a tensor)"),
            Certainty::NotTensor => return,
        };
        if super::channels_last::channel_sensitive(cx, receiver) && method == "size" && !call.arguments.is_empty() {
            return;
        }
        let range = span(call);
        let edit = match (method, argument(call, 0, "dim")) {
            ("size", None) => Edit::template(range.clone(), vec![postfix_hole(cx.text, receiver), text(".shape")]),
            ("size", Some(dim)) => Edit::template(range.clone(), vec![postfix_hole(cx.text, receiver), text(".shape["), hole(dim), text("]")]),
            ("dim" | "ndimension", None) => Edit::template(range.clone(), vec![postfix_hole(cx.text, receiver), text(".ndim")]),
            ("numel" | "nelement", None) => Edit::template(range.clone(), vec![postfix_hole(cx.text, receiver), text(".size")]),
            _ => return,
        };
        out.fix(range, applicability, format!("{method}() → MLX shape property (MLX `size` is the element count){caveat}"), vec![edit]);
    }
}
