//! training-loop: `loss.backward()`, `optimizer.zero_grad()`, `optimizer.step()`,
//! `clip_grad_norm_` and `DataLoader` are named, with what the MLX version looks like
//! (optimizers and schedulers have their own rules).
//!
//! Why: MLX has no `.grad` on arrays; gradients come from a function transform
//! (`nn.value_and_grad(model, loss_fn)`), optimizers are built without parameters and
//! applied with `optimizer.update(model, grads)`, and there is nothing to zero. Porting the
//! loop means restructuring it into a loss function and a step; until portui does that
//! automatically, each piece is reported here.
//!
//! Example: `loss.backward(); optimizer.step()` →
//! `loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y); optimizer.update(model, grads);
//! mx.eval(model.parameters(), optimizer.state)`.
//!
//! Fix safety: manual.

use super::calls::method_call;
use super::{Context, Findings, Rule, RuleMeta};
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct TrainingLoop;
pub static RULE: TrainingLoop = TrainingLoop;

impl Rule for TrainingLoop {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "training-loop", step: "3", checklist: "backward-replaced", summary: "backward/zero_grad/step/clip_grad_norm_/DataLoader (manual)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let range = span(call);
        if let Some(q) = cx.torch_name(&call.func) {
            let message = if q == "torch.nn.utils.clip_grad_norm_" {
                "clip_grad_norm_: grads, total_norm = optim.clip_grad_norm(grads, max_norm) on the gradient tree".to_string()
            } else if q.starts_with("torch.utils.data.") {
                format!("{q}: iterate NumPy batches and convert with mx.array at the boundary")
            } else if q.ends_with("GradScaler") {
                "GradScaler: not needed (no autocast in MLX): remove it and use the loss directly".to_string()
            } else {
                return;
            };
            out.manual(range, message).checklist = "step-replaced";
            return;
        }
        let Some((_, method)) = method_call(call) else { return };
        let (message, item) = match method {
            "backward" if call.arguments.is_empty() || call.arguments.keywords.iter().any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "retain_graph")) => (
                "loss.backward(): write the loss as a function of the model and use loss, grads = nn.value_and_grad(model, loss_fn)(model, ...)",
                "backward-replaced",
            ),
            "zero_grad" => ("zero_grad(): remove: MLX gradients are returned, never accumulated", "zero-grad-removed"),
            "step" if looks_like_optimizer(call) => ("optimizer.step(): optimizer.update(model, grads), then mx.eval(model.parameters(), optimizer.state)", "step-replaced"),
            _ => return,
        };
        out.manual(range, message).checklist = item;
    }
}

fn looks_like_optimizer(call: &crate::parse::ast::ExprCall) -> bool {
    let Some((receiver, _)) = method_call(call) else { return false };
    let name = match receiver {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return false,
    };
    name.contains("optim") || name == "opt" || name.ends_with("scaler")
}
