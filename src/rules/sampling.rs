//! sampling: `torch.topk` and `torch.multinomial` → MLX with torch's results.
//!
//! Why: `mx.topk` returns the k largest values only, UNSORTED and without indices, so
//! `v[:, [-1]]` is not the k-th largest (mlx-traps #13): `portui_shims.topk` returns
//! torch's (values, indices), sorted. `mx.random.categorical` takes LOGITS, not
//! probabilities (#14): sampling `probs` needs `mx.log(probs)`; it returns uint32.
//!
//! Example: `v, _ = torch.topk(logits, k)` → `v, _ = portui_shims.topk(logits, k)`;
//! `torch.multinomial(probs, num_samples=1)` →
//! `mx.random.categorical(mx.log(probs), num_samples=1).astype(mx.int64)`.
//!
//! Fix safety: safe for topk; review for multinomial (the random stream differs from
//! torch's; the distribution is the same). `replacement=False` with several samples is manual.

use super::context::{argument, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct Sampling;
pub static RULE: Sampling = Sampling;

impl Rule for Sampling {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "sampling", step: "2", checklist: "torch-semantics", summary: "topk (sorted, with indices) and multinomial (logits)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let range = span(call);
        let method = match call.func.as_ref() {
            // The method name first: judging the receiver costs more, and few calls qualify.
            Expr::Attribute(a)
                if matches!(a.attr.as_str(), "topk" | "multinomial")
                    && !cx.is_torch(&call.func)
                    && cx.tensor(&a.value) == crate::tensors::Certainty::Tensor =>
            {
                Some((a.value.as_ref(), a.attr.as_str()))
            }
            _ => None,
        };
        let q = cx.torch_name(&call.func);
        let (input, function) = match (q.as_deref(), method) {
            (Some("torch.topk"), _) => (argument(call, 0, "input"), "topk"),
            (Some("torch.multinomial"), _) => (argument(call, 0, "input"), "multinomial"),
            (None, Some((receiver, "topk"))) => (Some(receiver), "topk"),
            (None, Some((receiver, "multinomial"))) => (Some(receiver), "multinomial"),
            _ => return,
        };
        let Some(input) = input else { return };
        let offset = usize::from(method.is_none());
        if function == "topk" {
            let Some(k) = argument(call, offset, "k") else { return };
            let mut pieces = vec![text("portui_shims.topk("), hole(input), text(", "), hole(k)];
            if let Some(dim) = argument(call, offset + 1, "dim") {
                pieces.extend([text(", axis="), hole(dim)]);
            }
            if let Some(largest) = argument(call, offset + 2, "largest") {
                pieces.extend([text(", largest="), hole(largest)]);
            }
            pieces.push(text(")"));
            out.safe(range.clone(), "torch.topk → portui_shims.topk: (values, indices) sorted like torch (mx.topk is values-only and unsorted)", vec![Edit::template(range, pieces)]);
            return;
        }
        let samples = argument(call, offset, "num_samples");
        let several = samples.is_some_and(|s| cx.src(s) != "1");
        let replacement = argument(call, offset + 1, "replacement").is_some_and(|r| cx.src(r) == "True");
        if several && !replacement || keyword(call, "generator").is_some() {
            out.manual(range, "multinomial without replacement (or with a generator): no MLX equivalent; sample one at a time masking drawn classes");
            return;
        }
        let mut pieces = vec![text("mx.random.categorical(mx.log("), hole(input), text(")")];
        if let Some(samples) = samples {
            pieces.extend([text(", num_samples="), hole(samples)]);
        }
        pieces.push(text(").astype(mx.int64)"));
        out.review(range.clone(), "torch.multinomial(probs) → mx.random.categorical(mx.log(probs)): categorical takes logits", vec![Edit::template(range, pieces)]);
    }
}
