//! tensor-methods: tensor methods → their MLX spelling (`view` → `reshape`, `permute` →
//! `transpose`, `unsqueeze` → `mx.expand_dims`, `float()` → `astype(mx.float32)`,
//! `contiguous()` removed, `repeat` → `mx.tile`, `dim`/`keepdim` keywords...).
//!
//! Why: `mx.array` has most methods, but some have other names, some live only as
//! functions, and some mean something else: MLX's `repeat` interleaves (torch's `repeat`
//! tiles), `permute` does not exist (`transpose` takes the full permutation), `clone` is a
//! copy via `mx.array`, `detach` is `mx.stop_gradient`, `numpy()` is `np.array(x)`, and there is
//! no `contiguous` (`.item()` and `.tolist()` are the same in MLX).
//!
//! Example: `x.view(B, T, C)` → `x.reshape(B, T, C)`; `x.unsqueeze(1)` →
//! `mx.expand_dims(x, 1)`; `y.float()` → `y.astype(mx.float32)`; `x.repeat(2, 1)` →
//! `mx.tile(x, (2, 1))`.
//!
//! Fix safety: safe when the receiver is known to be a tensor; review when static analysis
//! cannot tell (the finding says so), because a method of the same name on another object
//! would be rewritten too. Names that are common on other objects (`split`, `sum`, `float`)
//! are only rewritten on known tensors.

use super::calls::{arguments_inner, keyword_edits, method_call, method_to_function, pack_shape_varargs, plain_positional};
use super::context::{postfix_hole, hole, int_literal, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Applicability, Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::tensors::Certainty;

pub struct TensorMethods;
pub static RULE: TensorMethods = TensorMethods;

enum Rewrite {
    /// Same arguments, other method name.
    Method(&'static str),
    /// `x.m(args)` → `f(x, args)`.
    Function(&'static str),
    /// `x.m()` → `x.astype(<dtype>)`.
    Cast(&'static str),
    /// Remove `.m()` entirely.
    Remove,
    /// Only keyword renames (`dim` → `axis`, `keepdim` → `keepdims`).
    Keywords,
}

/// (method, rewrite, torch-only name: rewritten even when the receiver type is unknown)
/// The methods with their own arm in `check_expr` (the rest are in `METHODS`).
const SPECIAL: &[&str] = &[
    "expand", "expand_as", "index_select", "log_softmax", "max", "min", "new_empty", "new_ones", "new_zeros", "norm", "repeat",
    "reshape_as", "std", "tril", "triu", "type_as", "var", "view_as",
];

const METHODS: &[(&str, Rewrite, bool)] = &[
    ("view", Rewrite::Method("reshape"), true),
    ("permute", Rewrite::Method("transpose"), true),
    ("contiguous", Rewrite::Remove, true),
    ("detach", Rewrite::Function("mx.stop_gradient"), true),
    ("numpy", Rewrite::Function("np.array"), true),
    ("clone", Rewrite::Function("mx.array"), false),
    ("unsqueeze", Rewrite::Function("mx.expand_dims"), true),
    ("repeat_interleave", Rewrite::Function("mx.repeat"), true),
    ("masked_select", Rewrite::Keywords, true),
    ("float", Rewrite::Cast("mx.float32"), true),
    ("half", Rewrite::Cast("mx.float16"), true),
    ("bfloat16", Rewrite::Cast("mx.bfloat16"), true),
    ("long", Rewrite::Cast("mx.int64"), true),
    ("int", Rewrite::Cast("mx.int32"), true),
    ("bool", Rewrite::Cast("mx.bool_"), true),
    ("pow", Rewrite::Function("mx.power"), true),
    ("softmax", Rewrite::Function("mx.softmax"), false),
    ("clamp", Rewrite::Function("mx.clip"), true),
    ("eq", Rewrite::Function("mx.equal"), true),
    ("ne", Rewrite::Function("mx.not_equal"), true),
    ("lt", Rewrite::Function("mx.less"), true),
    ("le", Rewrite::Function("mx.less_equal"), true),
    ("gt", Rewrite::Function("mx.greater"), true),
    ("ge", Rewrite::Function("mx.greater_equal"), true),
    ("expand_as", Rewrite::Keywords, true),
    ("sum", Rewrite::Keywords, false),
    ("mean", Rewrite::Keywords, false),
    ("prod", Rewrite::Keywords, false),
    ("argmax", Rewrite::Keywords, false),
    ("argmin", Rewrite::Keywords, false),
    ("all", Rewrite::Keywords, false),
    ("any", Rewrite::Keywords, false),
    ("logsumexp", Rewrite::Keywords, false),
    ("cumsum", Rewrite::Keywords, false),
    ("squeeze", Rewrite::Keywords, false),
    ("flatten", Rewrite::Keywords, false),
];

const KEYWORDS: &[(&str, &str)] = &[("start_dim", "start_axis"), ("end_dim", "end_axis"), ("min", "a_min"), ("max", "a_max")];

impl Rule for TensorMethods {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "tensor-methods", step: "2", checklist: "torch-semantics", summary: "tensor methods → MLX methods/functions" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some((receiver, method)) = method_call(call) else { return };
        // Most calls are to methods this rule does not rewrite: they are told apart before
        // asking what the receiver is.
        if !(SPECIAL.contains(&method) || METHODS.iter().any(|(name, _, _)| *name == method)) {
            return;
        }
        if cx.is_torch(receiver) || !(plain_positional(call) || method == "view") {
            return; // torch.<fn>(...) is tensor-ops' business; *args hide positions
        }
        let certainty = cx.tensor(receiver);
        let range = span(call);
        let (applicability, caveat) = match certainty {
            Certainty::Tensor => (Applicability::Safe, ""),
            Certainty::Unknown => (Applicability::Review, " (receiver not known to be a tensor: check it is one)"),
            Certainty::NotTensor => return,
        };
        match method {
            "repeat" if certainty == Certainty::Tensor => {
                let mut pieces = vec![text("mx.tile("), hole(receiver), text(", ")];
                let args = &call.arguments.args;
                match args.len() {
                    0 => return,
                    1 => pieces.push(hole(&args[0])),
                    _ => {
                        pieces.push(text("("));
                        pieces.push(Piece::Source(arguments_inner(call).expect("has arguments")));
                        pieces.push(text(")"));
                    }
                }
                pieces.push(text(")"));
                out.safe(range.clone(), "torch repeat tiles; MLX's repeat interleaves: mx.tile keeps the meaning", vec![Edit::template(range, pieces)]);
                return;
            }
            "expand" if certainty != Certainty::NotTensor => {
                if call.arguments.args.iter().any(|a| int_literal(a) == Some(-1)) {
                    out.manual(range, "expand with -1 (keep this size): use mx.broadcast_to(x, shape) with the full target shape");
                    return;
                }
                let mut edits = vec![Edit::template(range.clone(), {
                    let mut p = vec![text("mx.broadcast_to("), hole(receiver), text(", ")];
                    let args = &call.arguments.args;
                    if args.len() == 1 {
                        p.push(hole(&args[0]));
                    } else if let Some(inner) = arguments_inner(call) {
                        p.extend([text("("), Piece::Source(inner), text(")")]);
                    }
                    p.push(text(")"));
                    p
                })];
                edits.extend(keyword_edits(cx.text, call, &[]));
                out.fix(range, applicability, format!("expand → mx.broadcast_to{caveat}"), edits);
                return;
            }
            "var" | "std" if call.arguments.find_keyword("ddof").is_none() && (certainty == Certainty::Tensor || call.arguments.find_keyword("dim").is_some()) => {
                let mut edits = keyword_edits(cx.text, call, KEYWORDS);
                if let Some(unbiased) = call.arguments.find_keyword("unbiased") {
                    edits.push(Edit::replace(span(unbiased), format!("ddof=int({})", cx.src(&unbiased.value))));
                } else if let Some(correction) = call.arguments.find_keyword("correction") {
                    edits.push(Edit::replace(span(correction.arg.as_ref().expect("named")), "ddof"));
                } else {
                    edits.push(super::calls::append_argument(call, "ddof=1"));
                }
                out.fix(range, applicability, format!("{method}() is unbiased in torch; MLX's ddof defaults to 0, so ddof is made explicit{caveat}"), edits);
                return;
            }
            // Unpacked into two names: torch's (values, indices), whatever the receiver is known as.
            "max" | "min" if certainty != Certainty::Tensor && values_and_indices(cx, call, receiver, method).is_some() => {
                let pieces = values_and_indices(cx, call, receiver, method).expect("checked");
                out.review(range.clone(), format!("x.{method}(dim) returns (values, indices) in torch; MLX's returns the values: unpacked as x.{method}(axis=d), x.arg{method}(axis=d){caveat}"), vec![Edit::template(range, pieces)]);
                return;
            }
            "max" | "min" if !call.arguments.is_empty() && (certainty == Certainty::Tensor || call.arguments.find_keyword("dim").is_some()) => {
                let other_is_tensor = call.arguments.args.first().is_some_and(|a| int_literal(a).is_none() && cx.tensor(a) == Certainty::Tensor);
                if other_is_tensor {
                    let to = if method == "max" { "mx.maximum" } else { "mx.minimum" };
                    out.fix(range.clone(), applicability, format!("x.{method}(y) is elementwise → {to}{caveat}"), vec![method_to_function(call, receiver, to)]);
                } else if let Some(pieces) = values_and_indices(cx, call, receiver, method) {
                    out.fix(range.clone(), applicability, format!("x.{method}(dim) returns (values, indices) in torch; MLX's returns the values: unpacked as x.{method}(axis=d), x.arg{method}(axis=d){caveat}"), vec![Edit::template(range, pieces)]);
                } else {
                    out.manual(range, format!("x.{method}(dim) returns (values, indices) in torch: use x.{method}(axis=...) and x.arg{method}(axis=...)"));
                }
                return;
            }
            "view_as" | "reshape_as" | "expand_as" => {
                let Some(other) = call.arguments.args.first() else { return };
                let pieces = if method == "expand_as" {
                    vec![text("mx.broadcast_to("), hole(receiver), text(", "), postfix_hole(cx.text, other), text(".shape)")]
                } else {
                    vec![postfix_hole(cx.text, receiver), text(".reshape("), postfix_hole(cx.text, other), text(".shape)")]
                };
                out.fix(range.clone(), applicability, format!("{method}(y) → the MLX form with y.shape{caveat}"), vec![Edit::template(range, pieces)]);
                return;
            }
            "norm" | "log_softmax" | "index_select" | "triu" | "tril" if certainty == Certainty::Tensor || torch_keywords(call) => {
                let (function, renames): (&str, &[(&str, &str)]) = match method {
                    "norm" => ("mx.linalg.norm", &[("p", "ord")]),
                    "log_softmax" => ("nn.log_softmax", &[]),
                    "index_select" => ("mx.take", &[]),
                    "triu" => ("mx.triu", &[("diagonal", "k")]),
                    _ => ("mx.tril", &[("diagonal", "k")]),
                };
                if method == "index_select" {
                    let (Some(dim), Some(index)) = (call.arguments.args.first(), call.arguments.args.get(1)) else { return };
                    let edit = Edit::template(range.clone(), vec![text("mx.take("), hole(receiver), text(", "), hole(index), text(", axis="), hole(dim), text(")")]);
                    out.fix(range, applicability, format!("index_select(dim, i) → mx.take(x, i, axis=dim){caveat}"), vec![edit]);
                    return;
                }
                if method == "norm" && !call.arguments.args.is_empty() {
                    out.manual(range, "norm(p, dim) with positional arguments: use mx.linalg.norm(x, ord=p, axis=dim)");
                    return;
                }
                let mut edits = vec![method_to_function(call, receiver, function)];
                edits.extend(keyword_edits(cx.text, call, renames));
                out.fix(range, applicability, format!("{method}() → {function}{caveat}"), edits);
                return;
            }
            "type_as" => {
                if let Some(other) = call.arguments.args.first()
                    && !super::cast_claimed_by_fused_op(cx, call)
                {
                    let edit = Edit::template(range.clone(), vec![postfix_hole(cx.text, receiver), text(".astype("), postfix_hole(cx.text, other), text(".dtype)")]);
                    out.fix(range, applicability, format!("type_as(y) → astype(y.dtype){caveat}"), vec![edit]);
                }
                return;
            }
            "new_zeros" | "new_ones" | "new_empty" => {
                let to = if method == "new_ones" { "mx.ones" } else { "mx.zeros" };
                let Some(inner) = arguments_inner(call) else { return };
                let shape = if call.arguments.args.len() > 1 {
                    vec![text("("), Piece::Source(inner), text(")")]
                } else {
                    vec![Piece::Source(inner)]
                };
                let mut pieces = vec![text(format!("{to}("))];
                pieces.extend(shape);
                if call.arguments.find_keyword("dtype").is_none() {
                    pieces.extend([text(", dtype="), postfix_hole(cx.text, receiver), text(".dtype)")]);
                }
                out.fix(range.clone(), applicability, format!("{method} → {to} with the receiver's dtype{caveat}"), vec![Edit::template(range, pieces)]);
                return;
            }
            _ => {}
        }
        let Some((_, rewrite, torch_only)) = METHODS.iter().find(|(name, _, _)| *name == method) else { return };
        if !torch_only && !torch_keywords(call) && certainty != Certainty::Tensor {
            return;
        }
        let edits = match rewrite {
            Rewrite::Method(to) => {
                if method == "view" && call.arguments.args.len() == 1 && is_dtype(cx, &call.arguments.args[0]) {
                    return; // view(dtype) is MLX's view too; the dtype rule renames the dtype
                }
                let Expr::Attribute(attribute) = call.func.as_ref() else { return };
                let mut edits = vec![Edit::replace(span(&attribute.attr), *to)];
                edits.extend(keyword_edits(cx.text, call, KEYWORDS));
                if method == "permute" {
                    // One tuple: MLX reads it the same, and a second run cannot mistake it for
                    // torch's two-axis transpose.
                    edits.extend(super::calls::pack_shape_varargs(call, 0));
                }
                edits
            }
            Rewrite::Function(function) => {
                let mut edits = vec![method_to_function(call, receiver, function)];
                edits.extend(keyword_edits(cx.text, call, KEYWORDS));
                if method == "clamp" {
                    edits.extend(super::calls::missing_clip_bound(call, 0));
                }
                if method == "unsqueeze" || method == "softmax" {
                    edits.extend(pack_shape_varargs(call, usize::MAX));
                }
                edits
            }
            Rewrite::Cast(dtype) => {
                if !call.arguments.is_empty() {
                    return;
                }
                let Expr::Attribute(attribute) = call.func.as_ref() else { return };
                vec![Edit::replace(span(&attribute.attr).start..range.end, format!("astype({dtype})"))]
            }
            Rewrite::Remove => match super::calls::method_suffix(cx.text, call) {
                Some(suffix) => vec![Edit::delete(suffix)],
                None => return,
            },
            Rewrite::Keywords => {
                let edits = keyword_edits(cx.text, call, KEYWORDS);
                if edits.is_empty() {
                    return;
                }
                edits
            }
        };
        let finding = out.fix(range, applicability, format!("{method}() → MLX{caveat}"), edits);
        if method == "contiguous" {
            finding.checklist = "contiguous-removed";
        }
    }
}

/// `dim=`/`keepdim=` are torch's spellings: such a call is a tensor call even when the
/// receiver's type is unknown.
fn torch_keywords(call: &crate::parse::ast::ExprCall) -> bool {
    call.arguments.keywords.iter().any(|k| k.arg.as_ref().is_some_and(|a| matches!(a.as_str(), "dim" | "keepdim")))
}

fn is_dtype(cx: &Context, expr: &Expr) -> bool {
    cx.torch_name(expr).is_some_and(|q| super::dtypes::mlx_dtype(&q).is_some())
        || matches!(expr, Expr::Attribute(a) if a.attr.as_str() == "dtype")
}

/// `values, indices = x.max(dim)` → `x.max(axis=dim), x.argmax(axis=dim)`: only where the
/// pair is unpacked at once and `x` can be evaluated twice.
fn values_and_indices(cx: &Context, call: &ast::ExprCall, receiver: &Expr, method: &str) -> Option<Vec<Piece>> {
    let unpacked = matches!(cx.stmt(), Some(Stmt::Assign(a))
        if matches!(a.value.as_ref(), Expr::Call(c) if std::ptr::eq(c, call))
            && matches!(&a.targets[..], [Expr::Tuple(t)] if t.elts.len() == 2));
    let allowed = call.arguments.keywords.iter().all(|k| k.arg.as_ref().is_some_and(|a| matches!(a.as_str(), "dim" | "keepdim")));
    if !unpacked || !allowed || call.arguments.args.len() > 1 || !super::calls::repeatable(cx, receiver) {
        return None;
    }
    let dim = call.arguments.args.first().or_else(|| call.arguments.find_keyword("dim").map(|k| &k.value))?;
    let keepdims = call.arguments.find_keyword("keepdim").map(|k| vec![text(", keepdims="), hole(&k.value)]).unwrap_or_default();
    let mut pieces = vec![postfix_hole(cx.text, receiver), text(format!(".{method}(axis=")), hole(dim)];
    pieces.extend(keepdims.iter().cloned());
    pieces.extend([text("), "), postfix_hole(cx.text, receiver), text(format!(".arg{method}(axis=")), hole(dim)]);
    pieces.extend(keepdims);
    pieces.push(text(")"));
    Some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A method given its own arm in `check_expr` but missing from SPECIAL would be turned
    /// away before reaching it: every quoted arm of the rule's match is in SPECIAL or METHODS.
    #[test]
    fn every_arm_of_the_match_is_let_through() {
        let source = include_str!("tensor_methods.rs");
        let body = &source[source.find("fn check_expr").expect("check_expr")..];
        let body = &body[..body.find("\n    }\n").expect("end of check_expr")];
        let mut arms = 0;
        for line in body.lines().filter(|l| l.starts_with("            \"")) {
            let pattern = line.trim().split(" if ").next().expect("a pattern").split(" =>").next().expect("a pattern");
            for name in pattern.split('|').map(|n| n.trim().trim_matches('"')) {
                arms += 1;
                assert!(SPECIAL.contains(&name) || METHODS.iter().any(|(m, _, _)| *m == name), "{name} has an arm but is not in SPECIAL");
            }
        }
        assert!(arms >= SPECIAL.len(), "the arms were not found ({arms})");
    }
}
