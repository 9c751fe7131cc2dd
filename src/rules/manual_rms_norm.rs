//! manual-rms-norm: a hand-written RMSNorm expression → `mx.fast.rms_norm`.
//!
//! Why: LLaMA-style models normalise with `x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) +
//! eps)`. Ported op by op this is five MLX kernels and a float32 intermediate the size of `x`;
//! `mx.fast.rms_norm` does it in one pass over the last axis, accumulating in float32 as the
//! usual upcast (`x.float()` ... `.type_as(x)`) does. Note mlx-traps #26: in half precision
//! the fused op rounds once, a torch RMSNorm that casts before the weight rounds twice.
//!
//! Example: `x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)` →
//! `mx.fast.rms_norm(x, None, self.eps)`; `(x.float() * torch.rsqrt(x.float().pow(2).mean(-1,
//! keepdim=True) + self.eps)).type_as(x) * self.weight` → `mx.fast.rms_norm(x, self.weight,
//! self.eps)`. Recognised: the square as `x.pow(2)`, `torch.pow(x, 2)`, `x ** 2`, `x * x`,
//! `x.square()`; the mean as `s.mean(-1, keepdim=True)` or `torch.mean(s, -1, keepdim=True)`
//! (`dim=` accepted); the root as `torch.rsqrt(v)`, `v.rsqrt()` or `1 / torch.sqrt(v)`; a
//! `self.<weight>` factor on either side. Anything else is left to the op-by-op rules.
//!
//! Fix safety: review. The weight must be one-dimensional with the size of the last axis (the
//! fused op requires it; an RMSNorm's `self.weight` is), and half-precision results round
//! differently (see above).
//! The cast rules (device, tensor-methods) leave the cast back to this rewrite, so rejecting
//! the hunk leaves `.type_as(x)` / `.to(x.dtype)` to port by hand.

use super::calls::{cast_to_dtype_of, float32_source, method_call, repeatable};
use super::context::{argument, hole, int_literal, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind, Operator};
use crate::parse::span;
use crate::semantic::self_attribute;

pub struct ManualRmsNorm;
pub static RULE: ManualRmsNorm = ManualRmsNorm;

impl Rule for ManualRmsNorm {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "manual-rms-norm", step: "6", checklist: "fused-norms", summary: "hand-written RMSNorm → mx.fast.rms_norm" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprBinOp, NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Some(norm) = rms_norm(cx, expr) else { return };
        // The weighted or cast-back form around this one is the finding; an enclosing match
        // is at most two levels up (`(norm).type_as(x) * self.weight`).
        if cx.expr_stack.iter().rev().take(2).any(|outer| rms_norm(cx, outer).is_some()) {
            return;
        }
        let range = span(expr);
        let mut pieces = vec![text("mx.fast.rms_norm("), hole(norm.input), text(", ")];
        match norm.weight {
            Some(weight) => pieces.push(hole(weight)),
            None => pieces.push(text("None")),
        }
        pieces.extend([text(", "), hole(norm.eps), text(")")]);
        out.review(
            range.clone(),
            "hand-written RMSNorm → mx.fast.rms_norm (one fused pass over the last axis, float32 accumulation)",
            vec![Edit::template(range, pieces)],
        );
    }
}

/// The parts of a recognised RMSNorm expression.
struct RmsNorm<'e> {
    /// What the port normalises: the tensor before any float32 upcast that is cast back.
    input: &'e Expr,
    weight: Option<&'e Expr>,
    eps: &'e Expr,
}

/// `norm * self.w`, `self.w * norm`, or `norm` alone, where `norm` may be cast back.
fn rms_norm<'e>(cx: &Context, expr: &'e Expr) -> Option<RmsNorm<'e>> {
    if let Some((left, right)) = binary(expr, Operator::Mult) {
        for (weight, norm) in [(right, left), (left, right)] {
            if self_attribute(weight).is_some()
                && let Some(norm) = cast_back_norm(cx, norm)
            {
                return Some(RmsNorm { weight: Some(weight), ..norm });
            }
        }
    }
    cast_back_norm(cx, expr)
}

/// The unweighted norm, or one computed in float32 and cast back (see `upcast_norm`).
fn cast_back_norm<'e>(cx: &Context, expr: &'e Expr) -> Option<RmsNorm<'e>> {
    match expr {
        Expr::Call(call) => upcast_norm(cx, call),
        _ => unweighted_norm(cx, expr),
    }
}

/// `(norm of y.float()).type_as(y)` / `.to(y.dtype)` normalises `y`: the fused op accumulates
/// in float32 and returns `y`'s dtype.
fn upcast_norm<'e>(cx: &Context, call: &'e ast::ExprCall) -> Option<RmsNorm<'e>> {
    let (value, target) = cast_to_dtype_of(call)?;
    let norm = unweighted_norm(cx, value)?;
    let upcast = float32_source(cx, norm.input)?;
    same(cx, target, upcast).then_some(RmsNorm { input: upcast, ..norm })
}

/// Whether this rule replaces the cast `call` together with the norm inside it.
pub fn claims_cast(cx: &Context, call: &ast::ExprCall) -> bool {
    upcast_norm(cx, call).is_some()
}

/// `x * rsqrt(mean(x²) + eps)` in either order, with the same side-effect-free `x` twice.
fn unweighted_norm<'e>(cx: &Context, expr: &'e Expr) -> Option<RmsNorm<'e>> {
    let (left, right) = binary(expr, Operator::Mult)?;
    for (input, root) in [(left, right), (right, left)] {
        if !repeatable(cx, input) {
            continue;
        }
        let Some(variance) = reciprocal_root(cx, root) else { continue };
        let Some((mean, eps)) = binary(variance, Operator::Add) else { continue };
        if !matches!(eps, Expr::Name(_) | Expr::Attribute(_) | Expr::NumberLiteral(_)) {
            continue;
        }
        if let Some(squared) = last_axis_mean(cx, mean)
            && square_of(cx, squared).is_some_and(|base| same(cx, base, input))
        {
            return Some(RmsNorm { input, weight: None, eps });
        }
    }
    None
}

pub(super) fn binary(expr: &Expr, op: Operator) -> Option<(&Expr, &Expr)> {
    match expr {
        Expr::BinOp(binary) if binary.op == op => Some((&binary.left, &binary.right)),
        _ => None,
    }
}

fn same(cx: &Context, a: &Expr, b: &Expr) -> bool {
    cx.src(a) == cx.src(b)
}

/// `v` of `torch.rsqrt(v)`, `v.rsqrt()` or `1 / torch.sqrt(v)`.
pub(super) fn reciprocal_root<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    if let Some((one, root)) = binary(expr, Operator::Div) {
        let is_one = matches!(one, Expr::NumberLiteral(n) if matches!(&n.value, ast::Number::Int(i) if i.as_i64() == Some(1)) || matches!(&n.value, ast::Number::Float(f) if *f == 1.0));
        return is_one.then(|| torch_function_argument(cx, root, "torch.sqrt")).flatten();
    }
    torch_function_argument(cx, expr, "torch.rsqrt").or_else(|| tensor_method_receiver(expr, "rsqrt"))
}

/// The single argument of `name(v)`.
pub(super) fn torch_function_argument<'e>(cx: &Context, expr: &'e Expr, name: &str) -> Option<&'e Expr> {
    let Expr::Call(call) = expr else { return None };
    (cx.torch_name(&call.func).as_deref() == Some(name) && call.arguments.len() == 1)
        .then(|| call.arguments.args.first())
        .flatten()
}

/// `v` of `v.method()` without arguments.
pub(super) fn tensor_method_receiver<'e>(expr: &'e Expr, name: &str) -> Option<&'e Expr> {
    let Expr::Call(call) = expr else { return None };
    let (receiver, method) = method_call(call)?;
    (method == name && call.arguments.is_empty()).then_some(receiver)
}

/// `s` of `s.mean(-1, keepdim=True)` or `torch.mean(s, -1, keepdim=True)` (`dim=` accepted):
/// only the last axis with kept dims is what `mx.fast.rms_norm` computes.
pub(super) fn last_axis_mean<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    let Expr::Call(call) = expr else { return None };
    let (reduced, first_option) = if cx.torch_name(&call.func).as_deref() == Some("torch.mean") {
        (argument(call, 0, "input")?, 1)
    } else {
        match method_call(call)? {
            (receiver, "mean") if !cx.is_torch(receiver) => (receiver, 0),
            _ => return None,
        }
    };
    let last_axis = argument(call, first_option, "dim").and_then(int_literal) == Some(-1);
    let keeps_dims = matches!(argument(call, first_option + 1, "keepdim"), Some(Expr::BooleanLiteral(b)) if b.value);
    let nothing_else = call.arguments.len() == first_option + 2 && keyword(call, "dtype").is_none();
    (last_axis && keeps_dims && nothing_else).then_some(reduced)
}

/// `y` of `y.pow(2)`, `torch.pow(y, 2)`, `y ** 2`, `y * y`, `y.square()`, `torch.square(y)`.
pub(super) fn square_of<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    let two = |e: &Expr| matches!(e, Expr::NumberLiteral(n) if matches!(&n.value, ast::Number::Int(i) if i.as_i64() == Some(2)) || matches!(&n.value, ast::Number::Float(f) if *f == 2.0));
    if let Some((base, exponent)) = binary(expr, Operator::Pow) {
        return two(exponent).then_some(base);
    }
    if let Some((a, b)) = binary(expr, Operator::Mult) {
        return same(cx, a, b).then_some(a);
    }
    let Expr::Call(call) = expr else { return None };
    match cx.torch_name(&call.func).as_deref() {
        Some("torch.square") if call.arguments.len() == 1 => return call.arguments.args.first(),
        Some("torch.pow") => {
            let (base, exponent) = (argument(call, 0, "input")?, argument(call, 1, "exponent")?);
            return (call.arguments.len() == 2 && two(exponent)).then_some(base);
        }
        Some(_) => return None,
        None => {}
    }
    match method_call(call)? {
        (base, "pow") if call.arguments.len() == 1 => two(argument(call, 0, "exponent")?).then_some(base),
        (base, "square") if call.arguments.is_empty() => Some(base),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::fix::{Applicability, apply_edits};

    fn port(source: &str) -> Vec<String> {
        crate::rules::findings_of("manual-rms-norm", source)
            .into_iter()
            .map(|f| {
                assert_eq!(f.applicability, Applicability::Review);
                let edits: Vec<_> = f.edits.iter().collect();
                apply_edits(source, &edits)
            })
            .collect()
    }

    fn one_line(body: &str) -> String {
        format!("import torch\n\nclass N(torch.nn.Module):\n    def forward(self, x):\n        return {body}\n")
    }

    fn ported_line(body: &str) -> Option<String> {
        let ported = port(&one_line(body));
        assert!(ported.len() <= 1, "one finding per norm: {ported:?}");
        ported.first().map(|text| text.lines().nth(4).expect("return line").trim().trim_start_matches("return ").to_string())
    }

    #[test]
    fn recognised_shapes_become_one_fused_call() {
        for (torch, mlx) in [
            ("x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)", "mx.fast.rms_norm(x, None, self.eps)"),
            ("torch.rsqrt((x * x).mean(dim=-1, keepdim=True) + 1e-6) * x", "mx.fast.rms_norm(x, None, 1e-6)"),
            ("x * (1 / torch.sqrt(torch.mean(x ** 2, -1, keepdim=True) + self.eps)) * self.weight", "mx.fast.rms_norm(x, self.weight, self.eps)"),
            ("self.weight * (x * (x.square().mean(-1, keepdim=True) + self.eps).rsqrt())", "mx.fast.rms_norm(x, self.weight, self.eps)"),
            (
                "(x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x) * self.weight",
                "mx.fast.rms_norm(x, self.weight, self.eps)",
            ),
            ("(x.float() * torch.rsqrt(torch.pow(x.float(), 2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)", "mx.fast.rms_norm(x, None, self.eps)"),
        ] {
            assert_eq!(ported_line(torch).as_deref(), Some(mlx), "{torch}");
        }
    }

    #[test]
    fn other_shapes_are_left_alone() {
        for torch in [
            // Not the last axis, or dims not kept: not what the fused op computes.
            "x * torch.rsqrt(x.pow(2).mean(1, keepdim=True) + self.eps)",
            "x * torch.rsqrt(x.pow(2).mean(-1) + self.eps)",
            // Normalising one tensor by another's statistics.
            "y * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)",
            // Not a square.
            "x * torch.rsqrt(x.pow(3).mean(-1, keepdim=True) + self.eps)",
            // A call would be evaluated once instead of twice.
            "f(x) * torch.rsqrt(f(x).pow(2).mean(-1, keepdim=True) + self.eps)",
        ] {
            assert_eq!(ported_line(torch), None, "{torch}");
        }
    }

    #[test]
    fn a_cast_to_another_tensors_dtype_stays_outside_the_fused_call() {
        let torch = "(x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)).type_as(y)";
        assert_eq!(
            ported_line(torch).as_deref(),
            Some("(mx.fast.rms_norm(x.float(), None, self.eps)).type_as(y)")
        );
    }
}
