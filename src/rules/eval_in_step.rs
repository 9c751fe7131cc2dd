//! eval-in-step: `mx.eval(...)` inside a compiled function, a function differentiated by
//! `nn.value_and_grad`, or a module's `__call__` (manual, an error).
//!
//! Why: MLX is lazy and `mx.eval` belongs at iteration boundaries (after
//! `optimizer.update`, before using an output). Inside a function traced by `mx.compile` it
//! raises ("Attempting to eval an array during function transformations like compile or
//! vmap is not allowed"); inside the loss function of `nn.value_and_grad` it forces a sync in
//! the middle of every step; inside `__call__` it syncs on every forward pass and raises as
//! soon as the model runs in a compiled step. Code ported by hand or half-way often has one.
//!
//! Example: `@mx.compile` / `def step(x, y): ...; mx.eval(loss)` → error: remove the
//! `mx.eval` from `step` and evaluate after calling it
//! (`mx.eval(model.parameters(), optimizer.state)`). Recognised: `@mx.compile`,
//! `@partial(mx.compile, ...)`, functions named in `mx.compile(f, ...)`,
//! `nn.value_and_grad(model, f)`, `mx.value_and_grad(f)`, `mx.grad(f)`, and `__call__` of an
//! `nn.Module` subclass (MLX or torch); the enclosing function is the innermost one.
//!
//! Fix safety: manual. Where the evaluation belongs depends on the loop around the call.

use super::{Context, Findings, Rule, RuleMeta};
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};

pub struct EvalInStep;
pub static RULE: EvalInStep = EvalInStep;

impl Rule for EvalInStep {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "eval-in-step", step: "5", checklist: "no-eval-in-step", summary: "mx.eval inside compiled, differentiated or __call__ functions (manual, error)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        if !cx.semantic.qualified_is(&call.func, "mlx.core.eval") {
            return;
        }
        let Some((function, class)) = enclosing_function(cx) else { return };
        let name = function.name.as_str();
        let message = if compiled_by_decorator(cx, function) || traced_by(cx, name, &COMPILERS) {
            format!("error: mx.eval inside `{name}`, which mx.compile traces: MLX raises (no eval during function transformations); remove it and evaluate after calling `{name}`")
        } else if traced_by(cx, name, &DIFFERENTIATORS) {
            format!("error: mx.eval inside `{name}`, which is differentiated (value_and_grad/grad): it forces a sync in the middle of every step and raises once the step is compiled; remove it and evaluate after optimizer.update (mx.eval(model.parameters(), optimizer.state))")
        } else if name == "__call__" && class.is_some_and(|class| is_module_class(cx, class)) {
            "error: mx.eval inside a module's __call__: it syncs on every forward pass and raises when the model runs in a compiled step; evaluate the output where it is used instead".to_string()
        } else {
            return;
        };
        out.manual(span(call), message);
    }
}

/// `mx.compile(f, ...)`: the function is the first argument.
const COMPILERS: [(&str, usize, &str); 1] = [("mlx.core.compile", 0, "fun")];
/// Transformations that trace a function to differentiate it.
const DIFFERENTIATORS: [(&str, usize, &str); 3] = [("mlx.nn.value_and_grad", 1, "fn"), ("mlx.core.value_and_grad", 0, "fun"), ("mlx.core.grad", 0, "fun")];

/// The innermost function around the node, and the class it is a method of (if it is one).
fn enclosing_function<'a>(cx: &Context<'a>) -> Option<(&'a ast::StmtFunctionDef, Option<&'a ast::StmtClassDef>)> {
    let position = cx.stmt_stack.iter().rposition(|stmt| matches!(stmt, Stmt::FunctionDef(_)))?;
    let Stmt::FunctionDef(function) = cx.stmt_stack[position] else { return None };
    let class = match position.checked_sub(1).map(|parent| cx.stmt_stack[parent]) {
        Some(Stmt::ClassDef(class)) => Some(class),
        _ => None,
    };
    Some((function, class))
}

/// `@mx.compile` or `@partial(mx.compile, ...)`.
fn compiled_by_decorator(cx: &Context, function: &ast::StmtFunctionDef) -> bool {
    let is_compile = |expr: &Expr| cx.semantic.qualified_is(expr, "mlx.core.compile");
    function.decorator_list.iter().any(|decorator| match &decorator.expression {
        Expr::Call(call) => {
            cx.semantic.qualified_is(&call.func, "functools.partial") && call.arguments.args.first().is_some_and(is_compile)
        }
        expr => is_compile(expr),
    })
}

/// Whether the module passes the function `name` to one of `transforms` (qualified callee,
/// position and keyword of the function argument).
fn traced_by(cx: &Context, name: &str, transforms: &[(&str, usize, &str)]) -> bool {
    struct Finder<'c, 'n> {
        cx: &'c Context<'c>,
        name: &'n str,
        transforms: &'n [(&'n str, usize, &'n str)],
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder<'_, '_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr
                && let Some(callee) = self.cx.semantic.qualified(&call.func)
                && let Some((_, position, keyword)) = self.transforms.iter().find(|(transform, _, _)| *transform == callee)
                && let Some(Expr::Name(function)) = super::context::argument(call, *position, keyword)
                && function.id.as_str() == self.name
            {
                self.found = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder { cx, name, transforms, found: false };
    cx.module.body.iter().for_each(|stmt| finder.visit_stmt(stmt));
    finder.found
}

/// An `nn.Module` subclass: MLX's base, torch's, or a module class of this file.
fn is_module_class(cx: &Context, class: &ast::StmtClassDef) -> bool {
    cx.semantic.classes.get(class.name.id.as_str()).is_some_and(|info| info.is_module)
        || class.bases().iter().any(|base| cx.semantic.qualified_is(base, "mlx.nn.Module"))
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    fn messages(body: &str) -> Vec<String> {
        let source = format!("import torch\nimport mlx.core as mx\nimport mlx.nn as nn\nfrom functools import partial\n\n{body}");
        crate::rules::findings_of("eval-in-step", &source)
            .into_iter()
            .map(|f| {
                assert_eq!(f.applicability, Applicability::Manual);
                f.message
            })
            .collect()
    }

    #[test]
    fn eval_in_compiled_functions_is_an_error() {
        for body in [
            "@mx.compile\ndef step(x):\n    y = x * 2\n    mx.eval(y)\n    return y\n",
            "@partial(mx.compile, inputs=state, outputs=state)\ndef step(x):\n    mx.eval(x)\n    return x\n",
            "def step(x):\n    mx.eval(x)\n    return x\n\nstep = mx.compile(step)\n",
        ] {
            let found = messages(body);
            assert_eq!(found.len(), 1, "{body}");
            assert!(found[0].starts_with("error: mx.eval inside `step`, which mx.compile traces"), "{}", found[0]);
        }
    }

    #[test]
    fn eval_in_differentiated_functions_is_an_error() {
        for body in [
            "def loss_fn(model, x):\n    out = model(x)\n    mx.eval(out)\n    return out.sum()\n\ngrad_fn = nn.value_and_grad(model, loss_fn)\n",
            "def loss_fn(x):\n    mx.eval(x)\n    return x.sum()\n\ng = mx.grad(loss_fn)\n",
        ] {
            let found = messages(body);
            assert_eq!(found.len(), 1, "{body}");
            assert!(found[0].contains("which is differentiated"), "{}", found[0]);
        }
    }

    #[test]
    fn eval_in_a_modules_call_is_an_error() {
        for base in ["nn.Module", "torch.nn.Module"] {
            let found = messages(&format!("class M({base}):\n    def __call__(self, x):\n        y = self.l(x)\n        mx.eval(y)\n        return y\n"));
            assert_eq!(found.len(), 1, "{base}");
            assert!(found[0].contains("inside a module's __call__"), "{}", found[0]);
        }
    }

    #[test]
    fn eval_at_iteration_boundaries_is_fine() {
        let body = "def step(x):\n    return x * 2\n\nstep = mx.compile(step)\n\ndef train(model, data):\n    for x in data:\n        loss = step(x)\n        mx.eval(model.parameters(), loss)\n\nclass Helper:\n    def __call__(self, x):\n        mx.eval(x)\n        return x\n\nclass M(nn.Module):\n    def generate(self, x):\n        y = self(x)\n        mx.eval(y)\n        return y\n";
        assert_eq!(messages(body), Vec::<String>::new());
    }
}
