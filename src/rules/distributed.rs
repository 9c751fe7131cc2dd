//! distributed: `nn.DataParallel`, `DistributedDataParallel` and `torch.distributed` →
//! manual, pointing to `mx.distributed`.
//!
//! Why: MLX has no module wrappers for data parallelism; gradients are averaged explicitly
//! with `mx.distributed.all_sum` (or `nn.average_gradients`) inside the training step.
//!
//! Example: `model = nn.DataParallel(model)` → manual: use the model as it is and average
//! gradients with `mlx.nn.average_gradients(grads)` under `mx.distributed.init()`.
//!
//! Fix safety: manual.

use super::{Context, Findings, Rule, RuleMeta};
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct Distributed;
pub static RULE: Distributed = Distributed;

impl Rule for Distributed {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "distributed", step: "1", checklist: "torch-semantics", summary: "DataParallel/DDP/torch.distributed → mx.distributed (manual)" }
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
        if matches!(q.as_str(), "torch.nn.DataParallel" | "torch.nn.parallel.DistributedDataParallel" | "torch.nn.parallel.DataParallel")
            || q.starts_with("torch.distributed.")
        {
            out.manual(span(call), format!("{q}: MLX has no wrapper: call mx.distributed.init() once and average gradients in the step with nn.average_gradients(grads)"));
        }
    }
}
