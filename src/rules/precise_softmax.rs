//! precise-softmax: a softmax upcast to float32 and cast back → `mx.softmax(x, axis=d,
//! precise=True)`.
//!
//! Why: LLaMA-family attention writes `F.softmax(scores.float(), dim=-1).type_as(scores)` so
//! half-precision scores are normalised in float32. Ported cast by cast this materialises a
//! float32 copy of the scores and a second cast; `precise=True` makes MLX's softmax
//! accumulate in float32 and return the input's dtype, in one kernel.
//!
//! Example: `F.softmax(scores.float(), dim=-1).type_as(scores)` →
//! `mx.softmax(scores, axis=-1, precise=True)`. Recognised: `F.softmax` / `torch.softmax` of
//! `y.float()` or `y.to(torch.float32)`, or of `y` with `dtype=torch.float32`; the method form
//! `y.float().softmax(d)`; cast back with `.type_as(y)` or `.to(y.dtype)` to the same `y`,
//! which must be a name or attribute chain (it is written twice).
//!
//! Fix safety: safe. Float32 inputs compute the same softmax; half-precision inputs are
//! rounded to their dtype once at the end either way.
//! The cast rules (device, tensor-methods) leave the cast back to this rewrite, so rejecting
//! the hunk leaves `.type_as(x)` / `.to(x.dtype)` to port by hand.

use super::calls::{cast_to_dtype_of, float32_source, method_call, repeatable};
use super::context::{argument, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind};
use crate::parse::span;

pub struct PreciseSoftmax;
pub static RULE: PreciseSoftmax = PreciseSoftmax;

impl Rule for PreciseSoftmax {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "precise-softmax", step: "6", checklist: "torch-semantics", summary: "softmax upcast to float32 and cast back → mx.softmax(precise=True)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(cast) = expr else { return };
        let Some((input, axis)) = precise_softmax(cx, cast) else { return };
        let range = span(cast);
        let pieces = vec![text("mx.softmax("), hole(input), text(", axis="), hole(axis), text(", precise=True)")];
        out.safe(
            range.clone(),
            "softmax in float32 cast back → mx.softmax(precise=True) (float32 accumulation, input dtype out, one kernel)",
            vec![Edit::template(range, pieces)],
        );
    }
}

/// `(y, dim)` when `cast` is a softmax over `y` in float32 cast back to `y`'s dtype.
fn precise_softmax<'e>(cx: &Context, cast: &'e ast::ExprCall) -> Option<(&'e Expr, &'e Expr)> {
    let (value, target) = cast_to_dtype_of(cast)?;
    let Expr::Call(softmax) = value else { return None };
    let (input, axis) = float32_softmax(cx, softmax)?;
    (cx.src(input) == cx.src(target) && repeatable(cx, input)).then_some((input, axis))
}

/// Whether this rule replaces the cast `call` together with the softmax inside it.
pub fn claims_cast(cx: &Context, call: &ast::ExprCall) -> bool {
    precise_softmax(cx, call).is_some()
}

/// `(y, dim)` of a softmax over `y` computed in float32.
fn float32_softmax<'e>(cx: &Context, call: &'e ast::ExprCall) -> Option<(&'e Expr, &'e Expr)> {
    if matches!(cx.torch_name(&call.func).as_deref(), Some("torch.nn.functional.softmax" | "torch.softmax")) {
        let (input, axis) = (argument(call, 0, "input")?, argument(call, 1, "dim")?);
        return match (call.arguments.len(), keyword(call, "dtype")) {
            (2, None) => Some((float32_source(cx, input)?, axis)),
            (3, Some(dtype)) => matches!(cx.torch_name(&dtype.value).as_deref(), Some("torch.float32" | "torch.float")).then_some((input, axis)),
            _ => None,
        };
    }
    match method_call(call)? {
        (receiver, "softmax") if call.arguments.len() == 1 => Some((float32_source(cx, receiver)?, argument(call, 0, "dim")?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    /// The line `y = <expression>` once every hunk is accepted, and the rules that reported.
    fn ported(expression: &str) -> (String, Vec<&'static str>) {
        let source = format!("import torch\nimport torch.nn.functional as F\n\ndef f(x, s):\n    y = {expression}\n    return y\n");
        let module = crate::parse::parse_module(&source).expect("parses");
        let findings = crate::rules::check(&source, &module);
        let ported = crate::port::port(&source, &findings, |_| true).expect("ports");
        assert!(ported.conflicts.is_empty(), "{expression}: conflicting hunks {:?}", ported.conflicts);
        let line = ported.text.lines().find_map(|line| line.trim().strip_prefix("y = ")).expect("assignment").to_string();
        (line, findings.iter().map(|f| f.rule).collect())
    }

    #[test]
    fn upcast_softmaxes_become_precise_and_win_over_the_cast_rewrites() {
        for (torch, mlx) in [
            ("F.softmax(x.float(), dim=-1).type_as(x)", "mx.softmax(x, axis=-1, precise=True)"),
            ("torch.softmax(s.float(), -1).to(s.dtype)", "mx.softmax(s, axis=-1, precise=True)"),
            ("F.softmax(s.to(torch.float32), dim=1).type_as(s)", "mx.softmax(s, axis=1, precise=True)"),
            ("F.softmax(x, dim=-1, dtype=torch.float32).type_as(x)", "mx.softmax(x, axis=-1, precise=True)"),
            ("x.float().softmax(-1).type_as(x)", "mx.softmax(x, axis=-1, precise=True)"),
            ("x.float().softmax(dim=-1).to(x.dtype)", "mx.softmax(x, axis=-1, precise=True)"),
        ] {
            let (line, rules) = ported(torch);
            assert_eq!(line, mlx, "{torch}");
            assert!(rules.contains(&"precise-softmax"), "{torch}: {rules:?}");
        }
    }

    #[test]
    fn other_softmaxes_are_left_to_the_op_rules() {
        for torch in [
            // No upcast, or cast back to another tensor's dtype.
            "F.softmax(x, dim=-1).type_as(x)",
            "F.softmax(x.float(), dim=-1).type_as(s)",
            // An expression written twice would be evaluated once.
            "F.softmax((x + 1).float(), dim=-1).type_as(x + 1)",
            // No axis given (torch picks one implicitly).
            "F.softmax(x.float()).type_as(x)",
            "F.softmax(x, dim=-1, dtype=torch.float16).type_as(x)",
        ] {
            let (_, rules) = ported(torch);
            assert!(!rules.contains(&"precise-softmax"), "{torch}: {rules:?}");
        }
    }
}
