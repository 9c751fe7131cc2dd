//! forward-call: `def forward` → `def __call__`, and `self.forward(...)` → `self(...)`.
//!
//! Why: an MLX `nn.Module` is called through `__call__`; there is no `forward` hook, so a
//! ported module that keeps `forward` raises when called.
//!
//! Example: `def forward(self, x):` → `def __call__(self, x):`; `self.forward(x)` → `self(x)`;
//! `super().forward(x)` → `super().__call__(x)`.
//!
//! Fix safety: safe inside `nn.Module` subclasses (the class is the module being ported).

use super::{Context, Findings, Rule, RuleMeta};
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::fix::Edit;

pub struct ForwardCall;
pub static RULE: ForwardCall = ForwardCall;

impl Rule for ForwardCall {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "forward-call", step: "1", checklist: "forward-renamed", summary: "forward → __call__" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtFunctionDef, NodeKind::ExprCall])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        if let Stmt::FunctionDef(function) = stmt
            && function.name.as_str() == "forward"
            && cx.in_module()
            && cx.function.is_none()
        {
            out.safe(span(&function.name), "MLX modules are called through __call__", vec![Edit::replace(span(&function.name), "__call__")]);
        }
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        if let Expr::Call(call) = expr
            && let Expr::Attribute(method) = call.func.as_ref()
            && method.attr.as_str() == "forward"
            && cx.in_module()
        {
            let receiver = span(method.value.as_ref());
            // `super()(x)` calls the super object, which is not callable: the parent's call
            // is `super().__call__(x)`.
            let edit = if is_super_call(method.value.as_ref()) {
                Edit::replace(span(&method.attr), "__call__")
            } else {
                Edit::delete(receiver.end..span(&method.attr).end)
            };
            out.safe(span(call.func.as_ref()), "call the module itself: MLX has no forward()", vec![edit]);
        }
    }
}

/// `super()` or `super(Class, self)`.
fn is_super_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if matches!(call.func.as_ref(), Expr::Name(name) if name.id.as_str() == "super"))
}
