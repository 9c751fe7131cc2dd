//! manual-layer-norm: a hand-written LayerNorm (mean, biased variance, normalise, optional
//! weight and bias) → `mx.fast.layer_norm`.
//!
//! Why: ported op by op a LayerNorm is two reductions, a subtraction, a root and a division,
//! each a kernel with an intermediate the size of `x`; `mx.fast.layer_norm` normalises the
//! last axis in one pass. Only the biased variance is a LayerNorm: torch's `var` defaults to
//! `unbiased=True` (divides by n - 1), which the fused op does not compute, so a plain
//! `x.var(-1, keepdim=True)` is left to the op-by-op rules.
//!
//! Example: `mean = x.mean(-1, keepdim=True)`, `var = x.var(-1, keepdim=True,
//! unbiased=False)`, `return (x - mean) / torch.sqrt(var + self.eps) * self.weight +
//! self.bias` → `return mx.fast.layer_norm(x, self.weight, self.bias, self.eps)`, the `mean`
//! and `var` statements removed in the same hunk when nothing else reads them.
//! Recognised: the mean as `x.mean(-1, keepdim=True)` or `torch.mean(x, -1, keepdim=True)`,
//! inline or bound to a name earlier in the block; the variance as `x.var(-1, keepdim=True,
//! unbiased=False)` (or `correction=0`, or `torch.var(x, ...)`) or the mean of `(x - mean)`
//! squared; `(x - mean) / torch.sqrt(var + eps)` (also `.sqrt()`, `** 0.5`) or
//! `(x - mean) * torch.rsqrt(var + eps)`; then optionally `* w` and `+ b` (names or `self.`
//! attributes, either side).
//!
//! Fix safety: review. The weight and bias must be one-dimensional with the size of the last
//! axis (the fused op requires it; a LayerNorm's are), and `x` must be the tensor the mean was
//! taken of (checked by name, and that it is not rebound in between).

use super::calls::{method_call, repeatable};
use super::context::{argument, int_literal, keyword, text};
use crate::parse::blocks;
use super::manual_rms_norm::{binary, last_axis_mean, reciprocal_root, square_of, tensor_method_receiver, torch_function_argument};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, ExprContext, NodeKind, Operator, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};
use crate::semantic::self_attribute;
use std::ops::Range;

pub struct ManualLayerNorm;
pub static RULE: ManualLayerNorm = ManualLayerNorm;

impl Rule for ManualLayerNorm {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "manual-layer-norm", step: "6", checklist: "fused-norms", summary: "hand-written LayerNorm (biased variance) → mx.fast.layer_norm" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprBinOp])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Some(norm) = layer_norm(cx, expr) else { return };
        // The weighted form around this one is the finding (`norm * w + b` is two levels up).
        if cx.expr_stack.iter().rev().take(2).any(|outer| layer_norm(cx, outer).is_some()) {
            return;
        }
        let range = span(expr);
        let optional = |part: &Option<Range<usize>>| part.clone().map_or_else(|| text("None"), crate::fix::Piece::Source);
        let pieces = vec![
            text("mx.fast.layer_norm("),
            crate::fix::Piece::Source(norm.input.clone()),
            text(", "),
            optional(&norm.weight),
            text(", "),
            optional(&norm.bias),
            text(", "),
            crate::fix::Piece::Source(norm.eps.clone()),
            text(")"),
        ];
        let mut edits = vec![Edit::template(range.clone(), pieces)];
        let mut replaced = Vec::new();
        // The variance statement goes first: its read of `mean` then no longer counts.
        let mut gone = vec![range.clone()];
        for binding in [&norm.variance, &norm.mean].into_iter().flatten() {
            if reads_outside(cx, binding.name, &gone) {
                continue;
            }
            let Some(lines) = binding.lines.clone() else { continue };
            replaced.push(format!("line {} (`{} = ...`)", line_of(cx.text, lines.start), binding.name));
            gone.push(lines.clone());
            edits.push(Edit::delete(lines));
        }
        replaced.reverse();
        replaced.push(format!("the normalisation on line {}", line_of(cx.text, range.start)));
        out.review(
            range,
            format!("hand-written LayerNorm (biased variance, last axis) → mx.fast.layer_norm, replacing {}; weight and bias must be 1-D over the last axis", replaced.join(", ")),
            edits,
        );
    }
}

struct Norm<'a> {
    input: Range<usize>,
    weight: Option<Range<usize>>,
    bias: Option<Range<usize>>,
    eps: Range<usize>,
    mean: Option<Binding<'a>>,
    variance: Option<Binding<'a>>,
}

/// A statement `name = value` earlier in the block that the norm reads through `name`.
pub(super) struct Binding<'a> {
    pub name: &'a str,
    /// Its whole lines, when it has them to itself.
    pub lines: Option<Range<usize>>,
}

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// A weight or bias: a name or a `self.` attribute.
fn parameter(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(_)) || self_attribute(expr).is_some()
}

/// `norm * w + b` (terms in either order), `norm * w`, or `norm`.
fn layer_norm<'a>(cx: &Context<'a>, expr: &Expr) -> Option<Norm<'a>> {
    if let Some((left, right)) = binary(expr, Operator::Add) {
        for (scaled, bias) in [(left, right), (right, left)] {
            if parameter(bias)
                && let Some(norm) = weighted(cx, scaled)
            {
                return Some(Norm { bias: Some(span(bias)), ..norm });
            }
        }
    }
    weighted(cx, expr)
}

fn weighted<'a>(cx: &Context<'a>, expr: &Expr) -> Option<Norm<'a>> {
    if let Some((left, right)) = binary(expr, Operator::Mult) {
        for (norm, weight) in [(left, right), (right, left)] {
            if parameter(weight)
                && let Some(norm) = normalised(cx, norm)
            {
                return Some(Norm { weight: Some(span(weight)), ..norm });
            }
        }
    }
    normalised(cx, expr)
}

/// `(x - mean) / sqrt(var + eps)` or `(x - mean) * rsqrt(var + eps)`.
fn normalised<'a>(cx: &Context<'a>, expr: &Expr) -> Option<Norm<'a>> {
    let (centred, variance_eps) = if let Some((centred, root)) = binary(expr, Operator::Div) {
        (centred, square_root(cx, root)?)
    } else {
        let (left, right) = binary(expr, Operator::Mult)?;
        [(left, right), (right, left)].into_iter().find_map(|(centred, root)| Some((centred, reciprocal_root(cx, root)?)))?
    };
    let (input, mean_value) = binary(centred, Operator::Sub)?;
    if !repeatable(cx, input) {
        return None;
    }
    let (mean_expr, mean) = resolve(cx, mean_value, input)?;
    if last_axis_mean(cx, mean_expr).is_none_or(|reduced| cx.src(reduced) != cx.src(input)) {
        return None;
    }
    let (variance_value, eps) = binary(variance_eps, Operator::Add)?;
    if !matches!(eps, Expr::Name(_) | Expr::Attribute(_) | Expr::NumberLiteral(_)) {
        return None;
    }
    let (variance_expr, variance) = resolve(cx, variance_value, input)?;
    if !biased_variance(cx, variance_expr, input, cx.src(centred)) {
        return None;
    }
    Some(Norm { input: span(input), weight: None, bias: None, eps: span(eps), mean, variance })
}

/// `v` of `torch.sqrt(v)`, `v.sqrt()` or `v ** 0.5`.
fn square_root<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    if let Some((base, exponent)) = binary(expr, Operator::Pow) {
        let half = matches!(exponent, Expr::NumberLiteral(n) if matches!(&n.value, ast::Number::Float(f) if *f == 0.5));
        return half.then_some(base);
    }
    torch_function_argument(cx, expr, "torch.sqrt").or_else(|| tensor_method_receiver(expr, "sqrt"))
}

/// The expression `value` stands for: itself, or the value bound to its name earlier in the
/// block (with no rebinding of the name or of `input` in between).
pub(super) fn resolve<'a, 'e>(cx: &Context<'a>, value: &'e Expr, input: &Expr) -> Option<(&'e Expr, Option<Binding<'a>>)>
where
    'a: 'e,
{
    let Expr::Name(name) = value else { return Some((value, None)) };
    let current = cx.stmt()?;
    let block: &'a [Stmt] = match cx.stmt_stack.iter().rev().nth(1) {
        Some(parent) => blocks(parent).into_iter().find(|block| block.iter().any(|s| std::ptr::eq(s, current)))?,
        None => &cx.module.body,
    };
    let position = block.iter().position(|s| std::ptr::eq(s, current))?;
    let input_name = match input {
        Expr::Name(input) => Some(input.id.as_str()),
        _ => None,
    };
    for stmt in block[..position].iter().rev() {
        let assigned = bound_names(stmt);
        if let Stmt::Assign(assign) = stmt
            && let [Expr::Name(target)] = assign.targets.as_slice()
            && target.id == name.id
        {
            return Some((&assign.value, Some(Binding { name: target.id.as_str(), lines: cx.statement_lines(stmt) })));
        }
        if assigned.iter().any(|n| *n == name.id.as_str() || Some(*n) == input_name) {
            return None;
        }
    }
    None
}

/// Names a simple statement binds (assignment targets, tuple targets included).
fn bound_names(stmt: &Stmt) -> Vec<&str> {
    let targets: Vec<&Expr> = match stmt {
        Stmt::Assign(assign) => assign.targets.iter().collect(),
        Stmt::AugAssign(assign) => vec![&assign.target],
        Stmt::AnnAssign(assign) => vec![&assign.target],
        _ => return Vec::new(),
    };
    let mut names = Vec::new();
    let mut pending = targets;
    while let Some(target) = pending.pop() {
        match target {
            Expr::Name(name) => names.push(name.id.as_str()),
            Expr::Tuple(tuple) => pending.extend(tuple.elts.iter()),
            Expr::List(list) => pending.extend(list.elts.iter()),
            _ => {}
        }
    }
    names
}

/// `x.var(-1, keepdim=True, unbiased=False)` (or `correction=0`, or `torch.var(x, ...)`), or
/// the last-axis mean of `(x - mean)` squared, where `centred` is the source of `x - mean`.
fn biased_variance(cx: &Context, expr: &Expr, input: &Expr, centred: &str) -> bool {
    if let Some(squared) = last_axis_mean(cx, expr) {
        return square_of(cx, squared).is_some_and(|base| cx.src(base) == centred);
    }
    let Expr::Call(call) = expr else { return false };
    let (reduced, first_option) = if cx.torch_name(&call.func).as_deref() == Some("torch.var") {
        let Some(reduced) = argument(call, 0, "input") else { return false };
        (reduced, 1)
    } else {
        match method_call(call) {
            Some((receiver, "var")) if !cx.is_torch(receiver) => (receiver, 0),
            _ => return false,
        }
    };
    let is_true = |e: Option<&ast::Keyword>, value: bool| matches!(e.map(|k| &k.value), Some(Expr::BooleanLiteral(b)) if b.value == value);
    let last_axis = argument(call, first_option, "dim").and_then(int_literal) == Some(-1);
    let biased = is_true(keyword(call, "unbiased"), false) || keyword(call, "correction").and_then(|k| int_literal(&k.value)) == Some(0);
    let keeps_dims = is_true(keyword(call, "keepdim"), true);
    let expected = first_option + 3;
    cx.src(reduced) == cx.src(input) && last_axis && biased && keeps_dims && call.arguments.len() == expected && call.arguments.args.len() <= first_option + 1
}

/// Whether `name` is read in the enclosing function (or module) outside the `gone` ranges.
pub(super) fn reads_outside(cx: &Context, name: &str, gone: &[Range<usize>]) -> bool {
    struct Reads<'g> {
        name: &'g str,
        gone: &'g [Range<usize>],
        found: bool,
    }
    impl<'a> Visitor<'a> for Reads<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr
                && name.ctx == ExprContext::Load
                && name.id.as_str() == self.name
                && !self.gone.iter().any(|range| range.contains(&span(name).start))
            {
                self.found = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let body = cx.function.as_ref().map_or(&cx.module.body[..], |(function, _)| &function.body[..]);
    let mut reads = Reads { name, gone, found: false };
    body.iter().for_each(|stmt| reads.visit_stmt(stmt));
    reads.found
}
