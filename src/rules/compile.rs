//! compile: `torch.compile(...)` removed, with how to compile in MLX.
//!
//! Why: `mx.compile` compiles pure functions, traced with their input shapes; a module is
//! compiled by compiling the function that calls it, with the model (and optimizer) state
//! captured through `inputs=`/`outputs=`: compiling a function that merely closes over a
//! model freezes its weights as constants at trace time, so after an update it computes with
//! stale weights. `torch.compile` only makes code faster, so removing it keeps every number;
//! compiling the ported step is a deliberate second step.
//!
//! Example: `model = torch.compile(model)` → removed; `fast = torch.compile(model, mode="max-autotune")`
//! → `fast = model`; `@torch.compile` or `@torch.compile(mode=...)` on a function → removed.
//! The finding says how to compile the step: `step = mx.compile(step, inputs=state,
//! outputs=state)` with `state = [model.state, optimizer.state]`.
//!
//! Fix safety: review (the speed-up is gone until the step is compiled with `mx.compile`).

use super::context::hole;
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct Compile;
pub static RULE: Compile = Compile;

impl Rule for Compile {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "compile", step: "7", checklist: "torch-semantics", summary: "torch.compile removed, with how to mx.compile the step" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        // Names and attributes: `@torch.compile` as a decorator.
        Some(&[NodeKind::ExprCall, NodeKind::ExprName, NodeKind::ExprAttribute])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        // The decorator test first: it is cheap, and torch names are many. A decorator is
        // `torch.compile` itself or a call configuring it (`@torch.compile(mode=...)`).
        let compiler = match expr {
            Expr::Call(call) if call.arguments.args.is_empty() => call.func.as_ref(),
            _ => expr,
        };
        if let Some(Stmt::FunctionDef(function)) = cx.stmt()
            && let Some(decorator) = function.decorator_list.iter().find(|d| std::ptr::eq(&d.expression, expr))
            && cx.torch_name(compiler).as_deref() == Some("torch.compile")
        {
            let line_start = cx.text[..span(decorator).start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = cx.text[span(decorator).end..].find('\n').map_or(cx.text.len(), |n| span(decorator).end + n + 1);
            if cx.text[line_start..span(decorator).start].trim() == "@" || cx.text[line_start..span(decorator).start].trim().is_empty() {
                out.review(span(decorator), format!("@torch.compile removed (numbers unchanged); {HOW}"), vec![Edit::delete(line_start..line_end)]);
            }
            return;
        }
        let Expr::Call(call) = expr else { return };
        if cx.torch_name(&call.func).as_deref() != Some("torch.compile") {
            return;
        }
        let (Some(compiled), true) = (call.arguments.args.first(), call.arguments.args.len() == 1) else {
            out.manual(span(call), format!("torch.compile: {HOW}"));
            return;
        };
        let same_name = matches!(cx.stmt(), Some(Stmt::Assign(a))
            if std::ptr::eq(a.value.as_ref(), expr) && matches!(&a.targets[..], [target] if cx.src(target) == cx.src(compiled)));
        let edit = match cx.stmt().filter(|_| same_name).and_then(|stmt| cx.statement_lines(stmt)) {
            Some(lines) => Edit::delete(lines),
            None => Edit::template(span(call), vec![hole(compiled)]),
        };
        out.review(span(call), format!("torch.compile removed (numbers unchanged); {HOW}"), vec![edit]);
    }
}

const HOW: &str = "to compile in MLX, compile the step function with its state: mx.compile(step, inputs=state, outputs=state) with state = [model.state, optimizer.state] (pure functions only: no mx.eval or print inside)";
