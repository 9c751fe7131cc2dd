//! nn-parameter: `nn.Parameter(t)` → `t`.
//!
//! Why: every public array attribute of an MLX module is a parameter; there is no wrapper.
//! `requires_grad=False` means "not trained": that is `freeze` in MLX.
//!
//! Example: `self.weight = nn.Parameter(torch.ones(d))` → `self.weight = mx.ones(d)`;
//! `self.f = nn.Parameter(t, requires_grad=g)` → `portui_shims.set_parameter(self, "f", t,
//! requires_grad=g)`, which assigns t and freezes it when g is false (one statement, so it
//! moves with its block when another rule re-indents it).
//!
//! Fix safety: safe; `requires_grad=` anywhere but `self.name = nn.Parameter(...)` is manual.

use super::context::{hole, keyword, text, unwrapped};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct NnParameter;
pub static RULE: NnParameter = NnParameter;

impl Rule for NnParameter {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "nn-parameter", step: "1", checklist: "torch-semantics", summary: "nn.Parameter(t) → t (arrays are parameters)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        if cx.torch_name(&call.func).as_deref() != Some("torch.nn.Parameter") {
            return;
        }
        let range = span(call);
        let Some(value) = call.arguments.args.first() else { return };
        if let Some(requires_grad) = keyword(call, "requires_grad") {
            let trained = matches!(&requires_grad.value, Expr::BooleanLiteral(b) if b.value);
            if trained {
                out.safe(range.clone(), "nn.Parameter(t, requires_grad=True) → t: MLX module arrays are parameters", vec![Edit::template(range, unwrapped(cx.text, value))]);
            } else if let Some((statement, name)) = parameter_assignment(cx, call) {
                let edit = Edit::template(
                    statement,
                    vec![text(format!("portui_shims.set_parameter(self, \"{name}\", ")), hole(value), text(", requires_grad="), hole(&requires_grad.value), text(")")],
                );
                out.safe(range, "nn.Parameter(t, requires_grad=g) → the array t, frozen when g is false: MLX trains every unfrozen array", vec![edit]);
            } else {
                out.manual(range, "nn.Parameter(t, requires_grad=...): assign t and call self.freeze(keys=[name], recurse=False) for a frozen one");
            }
            return;
        }
        out.safe(range.clone(), "nn.Parameter(t) → t: MLX module arrays are parameters", vec![Edit::template(range, unwrapped(cx.text, value))]);
    }
}

/// `self.name = nn.Parameter(...)` as a statement of its own, in a method: the statement's
/// range and `name`.
fn parameter_assignment(cx: &Context, call: &ast::ExprCall) -> Option<(std::ops::Range<usize>, String)> {
    let Some(Stmt::Assign(assign)) = cx.stmt() else { return None };
    let [Expr::Attribute(target)] = assign.targets.as_slice() else { return None };
    let on_self = matches!(target.value.as_ref(), Expr::Name(n) if n.id.as_str() == "self");
    (on_self && span(assign.value.as_ref()) == span(call) && cx.function.is_some()).then(|| (span(assign), target.attr.to_string()))
}
