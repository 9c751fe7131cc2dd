//! compile: `torch.compile(...)` → a note on `mx.compile`.
//!
//! Why: `mx.compile` compiles pure functions, traced with their input shapes; a module is
//! compiled by compiling the function that calls it, with the model (and optimizer) state
//! captured through `inputs=`/`outputs=`. Varying Python scalars recompile; `mx.eval` and
//! prints are not allowed inside.
//!
//! Example: `model = torch.compile(model)` → manual: compile the step function instead:
//! `step = mx.compile(step, inputs=state, outputs=state)` with `state = [model.state, optimizer.state]`.
//!
//! Fix safety: manual.

use super::{Context, Findings, Rule, RuleMeta};
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct Compile;
pub static RULE: Compile = Compile;

impl Rule for Compile {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "compile", step: "7", checklist: "torch-semantics", summary: "torch.compile → mx.compile of the step function (manual)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        if cx.torch_name(&call.func).as_deref() == Some("torch.compile") {
            out.manual(span(call), "torch.compile: remove it here and compile the step function: mx.compile(step, inputs=state, outputs=state) with state = [model.state, optimizer.state] (pure functions only: no mx.eval or print inside)");
        }
    }
}
