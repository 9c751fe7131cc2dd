//! fused-norm: `F.layer_norm` / `F.rms_norm` → `mx.fast.layer_norm` / `mx.fast.rms_norm`.
//!
//! Why: MLX's fused kernels normalise over the last axis in one pass. `F.layer_norm` takes the
//! normalised shape as an argument; the fused op normalises the last axis, which is what a
//! shape of one dimension means. Note mlx-traps #26: in half precision `mx.fast.rms_norm`
//! rounds differently from a torch RMSNorm that casts before the weight.
//!
//! Example: `F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)` →
//! `mx.fast.layer_norm(x, self.weight, self.bias, 1e-5)`.
//!
//! Fix safety: safe. A normalised shape of one dimension (`w.shape`, `(d,)`, `[d]`) takes the
//! fused op; several dimensions, or a shape known only at run time, take portui_shims'
//! layer_norm_over / rms_norm_over, which keep torch's signature.

use super::context::{argument, hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct FusedNorm;
pub static RULE: FusedNorm = FusedNorm;

impl Rule for FusedNorm {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "fused-norm", step: "2", checklist: "fused-norms", summary: "F.layer_norm/F.rms_norm → mx.fast fused ops" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some(q) = cx.torch_name(&call.func) else { return };
        let (fused, default_eps) = match q.as_str() {
            "torch.nn.functional.layer_norm" => ("mx.fast.layer_norm", "1e-05"),
            "torch.nn.functional.rms_norm" => ("mx.fast.rms_norm", "1.1920928955078125e-07"),
            _ => return,
        };
        let range = span(call);
        let (Some(x), Some(shape)) = (argument(call, 0, "input"), argument(call, 1, "normalized_shape")) else { return };
        let one_dim = match shape {
            Expr::Tuple(t) => t.elts.len() == 1,
            Expr::List(l) => l.elts.len() == 1,
            Expr::Attribute(a) => a.attr.as_str() == "shape",
            _ => false,
        };
        if !one_dim {
            // Several axes, or a shape only known at run time (`self.normalized_shape`): the
            // shim normalises over as many trailing axes as the shape has.
            let shim = if fused.ends_with("rms_norm") { "portui_shims.rms_norm_over" } else { "portui_shims.layer_norm_over" };
            let callee = span(call.func.as_ref());
            out.safe(range, format!("{q} → {shim}: over a computed or multi-axis shape, where MLX's fused op normalises the last axis only"), vec![Edit::replace(callee, shim)]);
            return;
        }
        let weight = argument(call, 2, "weight");
        let is_rms = fused.ends_with("rms_norm");
        let bias = if is_rms { None } else { argument(call, 3, "bias") };
        let eps = argument(call, if is_rms { 3 } else { 4 }, "eps");
        let mut pieces = vec![text(format!("{fused}(")), hole(x), text(", ")];
        match weight {
            Some(w) => pieces.push(hole(w)),
            None => pieces.push(text("None")),
        }
        if !is_rms {
            pieces.push(text(", "));
            match bias {
                Some(b) => pieces.push(hole(b)),
                None => pieces.push(text("None")),
            }
        }
        pieces.push(text(", "));
        match eps {
            Some(e) => pieces.push(hole(e)),
            None => pieces.push(text(default_eps)),
        }
        pieces.push(text(")"));
        out.safe(range.clone(), format!("{q} → {fused} (fused, last axis)"), vec![Edit::template(range, pieces)]);
    }
}
