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
//! `nn.Parameter()` (no data, or `data=None`) is torch's empty float32 tensor: `mx.zeros((0,))`;
//! the data may be given as `data=`, and `torch.nn.parameter.Parameter` is the same class.
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
        if !matches!(cx.torch_name(&call.func).as_deref(), Some("torch.nn.Parameter" | "torch.nn.parameter.Parameter")) {
            return;
        }
        let range = span(call);
        let data = call.arguments.args.first().or_else(|| keyword(call, "data").map(|k| &k.value));
        let value = match data {
            Some(data) if !matches!(data, Expr::NoneLiteral(_)) => unwrapped(cx.text, data),
            // torch's Parameter without data is an empty float32 tensor.
            _ => vec![text("mx.zeros((0,))")],
        };
        if let Some(requires_grad) = keyword(call, "requires_grad") {
            let trained = matches!(&requires_grad.value, Expr::BooleanLiteral(b) if b.value);
            if trained {
                out.safe(range.clone(), "nn.Parameter(t, requires_grad=True) → t: MLX module arrays are parameters", vec![Edit::template(range, value)]);
            } else if let Some((statement, name)) = parameter_assignment(cx, call) {
                let mut pieces = vec![text(format!("portui_shims.set_parameter(self, \"{name}\", "))];
                pieces.extend(value);
                pieces.extend([text(", requires_grad="), hole(&requires_grad.value), text(")")]);
                let edit = Edit::template(statement, pieces);
                out.safe(range, "nn.Parameter(t, requires_grad=g) → the array t, frozen when g is false: MLX trains every unfrozen array", vec![edit]);
            } else {
                out.manual(range, "nn.Parameter(t, requires_grad=...): assign t and call self.freeze(keys=[name], recurse=False) for a frozen one");
            }
            return;
        }
        out.safe(range.clone(), "nn.Parameter(t) → t: MLX module arrays are parameters", vec![Edit::template(range, value)]);
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

#[cfg(test)]
mod tests {
    fn port(body: &str) -> String {
        let source = format!("import torch\nimport torch.nn as nn\n{body}");
        let findings = crate::rules::findings_of("nn-parameter", &source);
        crate::port::port(&source, &findings, |_| true).expect("ports").text
    }

    #[test]
    fn data_by_keyword_or_none_and_the_parameter_module_spelling() {
        let ported = port("a = nn.Parameter(data=t)\nb = nn.Parameter()\nc = torch.nn.parameter.Parameter(t)\nd = nn.Parameter(None, requires_grad=True)\n");
        assert!(ported.contains("a = t\nb = mx.zeros((0,))\nc = t\nd = mx.zeros((0,))\n"), "{ported}");
    }

    #[test]
    fn a_frozen_parameter_given_by_keyword_is_set_frozen() {
        let ported = port("class M(nn.Module):\n    def __init__(self, t, g):\n        self.p = nn.Parameter(data=t, requires_grad=g)\n");
        assert!(ported.contains("portui_shims.set_parameter(self, \"p\", t, requires_grad=g)"), "{ported}");
    }
}
