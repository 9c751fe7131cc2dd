//! nn-parameter: `nn.Parameter(t)` → `t`.
//!
//! Why: every public array attribute of an MLX module is a parameter; there is no wrapper.
//! `requires_grad=False` means "not trained": that is `freeze` in MLX.
//!
//! Example: `self.weight = nn.Parameter(torch.ones(d))` → `self.weight = mx.ones(d)`;
//! `self.f = nn.Parameter(t, requires_grad=g)` → `self.f = t` then, on the next lines,
//! `if not (g): self.freeze(keys=["f"], recurse=False)`.
//!
//! Fix safety: safe; `requires_grad=` anywhere but `self.name = nn.Parameter(...)` is manual.

use super::context::{hole, keyword};
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
            match frozen_when(cx, call, &requires_grad.value) {
                Some(freeze) => out.safe(
                    range.clone(),
                    "nn.Parameter(t, requires_grad=g) → t, frozen when g is false: MLX trains every unfrozen array",
                    std::iter::once(Edit::template(range, vec![hole(value)])).chain(freeze).collect(),
                ),
                None => out.manual(range, "nn.Parameter(t, requires_grad=...): assign t and call self.freeze(keys=[name], recurse=False) for a frozen one"),
            };
            return;
        }
        out.safe(range.clone(), "nn.Parameter(t) → t: MLX module arrays are parameters", vec![Edit::template(range, vec![hole(value)])]);
    }
}

/// For `self.name = nn.Parameter(t, requires_grad=g)` as a statement of its own: the lines after
/// it that freeze `name` when `g` is false (`g` is moved there, so it is still evaluated once;
/// none for a literal True).
fn frozen_when(cx: &Context, call: &ast::ExprCall, requires_grad: &Expr) -> Option<Option<Edit>> {
    let Some(Stmt::Assign(assign)) = cx.stmt() else { return None };
    let [Expr::Attribute(target)] = assign.targets.as_slice() else { return None };
    let on_self = matches!(target.value.as_ref(), Expr::Name(n) if n.id.as_str() == "self");
    if !on_self || span(assign.value.as_ref()) != span(call) || cx.function.is_none() {
        return None;
    }
    let name = target.attr.as_str();
    let indent = cx.indent_of(assign);
    let freeze = format!("self.freeze(keys=[\"{name}\"], recurse=False)");
    let end = span(assign).end;
    let lines = match requires_grad {
        Expr::BooleanLiteral(b) if b.value => return Some(None),
        Expr::BooleanLiteral(_) => format!("\n{indent}{freeze}"),
        _ => format!("\n{indent}if not ({}):\n{indent}    {freeze}", cx.src(requires_grad)),
    };
    Some(Some(Edit::insert(end, lines)))
}
