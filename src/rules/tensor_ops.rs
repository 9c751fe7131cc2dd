//! tensor-ops: `torch.<function>(...)` → its MLX home, with torch's meaning kept.
//!
//! Why: most tensor functions exist in `mlx.core` under the same or a close name, but the
//! call conventions differ: shapes given as varargs (`torch.zeros(2, 3)`) must become one
//! tuple, `dim`/`keepdim` are `axis`/`keepdims`, device keywords do not exist, some names
//! differ (`cat` → `concatenate`, `clamp` → `clip`, `pow` → `power`), `torch.var`/`std` are
//! unbiased by default (MLX: `ddof=0`), `torch.gather` takes `dim` before the index, and
//! `torch.rand`'s shape is MLX's third argument.
//!
//! Example: `torch.cat([a, b], dim=1)` → `mx.concatenate([a, b], axis=1)`;
//! `torch.zeros(2, 3, device=d)` → `mx.zeros((2, 3))`; `torch.var(x, 0)` →
//! `mx.var(x, 0, ddof=1)`.
//!
//! Fix safety: safe for the table's plain renames; review where an argument moves or a
//! default is made explicit; manual (with the reason) for functions that return tuples in
//! torch (`torch.sort`, `torch.max(x, dim)`) or have no MLX equivalent.

use super::calls::{keyword_edits, pack_shape_varargs, plain_positional, rename_callee};
use super::context::{argument, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind};
use crate::parse::span;

pub struct TensorOps;
pub static RULE: TensorOps = TensorOps;

/// torch function → MLX function with the same positional meaning.
const RENAMES: &[(&str, &str)] = &[
    ("cat", "mx.concatenate"), ("concat", "mx.concatenate"), ("concatenate", "mx.concatenate"),
    ("stack", "mx.stack"), ("where", "mx.where"), ("einsum", "mx.einsum"), ("matmul", "mx.matmul"),
    ("bmm", "mx.matmul"), ("mm", "mx.matmul"), ("exp", "mx.exp"), ("log", "mx.log"),
    ("log1p", "mx.log1p"), ("sqrt", "mx.sqrt"), ("rsqrt", "mx.rsqrt"), ("sin", "mx.sin"),
    ("cos", "mx.cos"), ("tanh", "mx.tanh"), ("sigmoid", "mx.sigmoid"), ("abs", "mx.abs"),
    ("maximum", "mx.maximum"), ("minimum", "mx.minimum"), ("pow", "mx.power"), ("erf", "mx.erf"),
    ("floor", "mx.floor"), ("ceil", "mx.ceil"), ("sign", "mx.sign"), ("outer", "mx.outer"),
    ("sum", "mx.sum"), ("mean", "mx.mean"), ("prod", "mx.prod"), ("argmax", "mx.argmax"),
    ("argmin", "mx.argmin"), ("all", "mx.all"), ("any", "mx.any"), ("logsumexp", "mx.logsumexp"),
    ("cumsum", "mx.cumsum"), ("cumprod", "mx.cumprod"), ("softmax", "mx.softmax"),
    ("zeros_like", "mx.zeros_like"), ("ones_like", "mx.ones_like"), ("arange", "mx.arange"),
    ("eye", "mx.eye"), ("tensor", "mx.array"), ("as_tensor", "mx.array"), ("from_numpy", "mx.array"),
    ("isnan", "mx.isnan"), ("isinf", "mx.isinf"), ("square", "mx.square"),
    ("reciprocal", "mx.reciprocal"), ("squeeze", "mx.squeeze"), ("unsqueeze", "mx.expand_dims"),
    ("repeat_interleave", "mx.repeat"), ("tile", "mx.tile"), ("diag", "mx.diag"),
    ("nan_to_num", "mx.nan_to_num"), ("allclose", "mx.allclose"), ("equal", "mx.array_equal"),
    ("logical_not", "mx.logical_not"), ("logical_and", "mx.logical_and"),
    ("logical_or", "mx.logical_or"), ("clamp", "mx.clip"), ("clip", "mx.clip"), ("linspace", "mx.linspace"),
    ("norm", "mx.linalg.norm"), ("erfinv", "mx.erfinv"), ("round", "mx.round"),
    ("broadcast_to", "mx.broadcast_to"), ("tril", "mx.tril"), ("triu", "mx.triu"),
    ("full", "mx.full"), ("roll", "mx.roll"), ("relu", "nn.relu"), ("argsort", "mx.argsort"),
];

/// Creation functions whose shape may come as varargs (index of the first shape argument).
const SHAPED: &[(&str, &str)] = &[("zeros", "mx.zeros"), ("ones", "mx.ones"), ("empty", "mx.zeros"), ("randn", "mx.random.normal")];

const KEYWORDS: &[(&str, &str)] = &[
    ("diagonal", "k"), ("min", "a_min"), ("max", "a_max"), ("steps", "num"), ("input", "a"),
    ("tensors", "arrays"), ("size", "shape"), ("fill_value", "vals"), ("shifts", "shift"), ("dims", "axis"), ("p", "ord"),
];

/// Functions that have no faithful MLX rewrite here, with what to do.
const MANUAL: &[(&str, &str)] = &[
    ("sort", "torch.sort returns (values, indices): use mx.sort for values and mx.argsort for indices"),
    ("flip", "use slicing with a negative step on the axis (x[..., ::-1])"),
    ("polar", "complex RoPE: use mx.fast.rope(..., traditional=True) (guide step 6)"),
    ("view_as_complex", "complex RoPE: use mx.fast.rope(..., traditional=True) (guide step 6)"),
    ("view_as_real", "complex RoPE: use mx.fast.rope(..., traditional=True) (guide step 6)"),
    ("is_tensor", "use isinstance(x, mx.array)"),
    ("full_like", "use mx.full(x.shape, value, dtype=x.dtype)"),
    ("flatten", "use x.flatten(start_axis, end_axis); check the layout if x came from a convolution"),
];

impl Rule for TensorOps {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "tensor-ops", step: "2", checklist: "torch-semantics", summary: "torch.* tensor functions → mx.* with torch's meaning" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some(qualified) = cx.torch_name(&call.func) else { return };
        let Some(name) = qualified.strip_prefix("torch.") else { return };
        let range = span(call);
        if matches!(cx.parent_expr(), Some(Expr::BinOp(_))) && super::scalar_constants::scalar_tensor(cx, expr).is_some() {
            return; // a constant operand: scalar-constants makes it a Python scalar
        }
        if !plain_positional(call) {
            if RENAMES.iter().any(|(n, _)| *n == name) || SHAPED.iter().any(|(n, _)| *n == name) {
                out.manual(range, format!("torch.{name} with *args/**kwargs: port by hand (MLX takes a shape tuple and `axis`)"));
            }
            return;
        }
        if let Some((_, why)) = MANUAL.iter().find(|(n, _)| *n == name) {
            out.manual(range, format!("torch.{name}: {why}"));
            return;
        }
        if keyword(call, "out").is_some() {
            out.manual(range, format!("torch.{name}(..., out=...): MLX has no out= arguments; assign the result"));
            return;
        }
        let src = cx.text;
        match name {
            "max" | "min" => self.max_min(cx, call, name, out),
            "var" | "std" if keyword(call, "ddof").is_none() => {
                let mut edits = vec![rename_callee(call, &format!("mx.{name}"))];
                edits.extend(keyword_edits(src, call, &[]));
                if let Some(unbiased) = keyword(call, "unbiased") {
                    let value = cx.src(&unbiased.value);
                    edits.push(Edit::replace(span(unbiased), format!("ddof=int({value})")));
                } else if let Some(correction) = keyword(call, "correction") {
                    edits.push(Edit::replace(span(correction.arg.as_ref().expect("named")), "ddof"));
                } else {
                    edits.push(super::calls::append_argument(call, "ddof=1"));
                }
                out.review(range, format!("torch.{name} is unbiased by default; MLX's ddof defaults to 0, so ddof is made explicit"), edits);
            }
            "gather" => {
                let (Some(input), Some(dim), Some(index)) = (argument(call, 0, "input"), argument(call, 1, "dim"), argument(call, 2, "index")) else {
                    out.manual(range, "torch.gather: unexpected arguments");
                    return;
                };
                let edit = Edit::template(range.clone(), vec![text("mx.take_along_axis("), hole(input), text(", "), hole(index), text(", axis="), hole(dim), text(")")]);
                out.review(range, "torch.gather(x, dim, index) → mx.take_along_axis(x, index, axis=dim) (argument order differs)", vec![edit]);
            }
            "rand" | "randn" | "randint" => self.random(cx, call, name, out),
            _ => {
                if let Some((_, to)) = SHAPED.iter().find(|(n, _)| *n == name) {
                    let mut edits = vec![rename_callee(call, to)];
                    edits.extend(pack_shape_varargs(call, 0));
                    edits.extend(keyword_edits(src, call, KEYWORDS));
                    let note = if name == "empty" { " (MLX has no uninitialised arrays: zeros)" } else { "" };
                    out.safe(range, format!("torch.{name} → {to}{note}"), edits);
                } else if let Some((_, to)) = RENAMES.iter().find(|(n, _)| *n == name) {
                    let mut edits = vec![rename_callee(call, to)];
                    edits.extend(keyword_edits(src, call, KEYWORDS));
                    if matches!(name, "clamp" | "clip") {
                        edits.extend(super::calls::missing_clip_bound(call, 1));
                    }
                    if name == "argsort" && keyword(call, "descending").is_some() {
                        out.manual(range, "torch.argsort(descending=True): use mx.argsort(-x)");
                        return;
                    }
                    // MLX arrays have no requires_grad: gradients are taken of functions.
                    edits.extend(keyword(call, "requires_grad").map(|k| super::context::remove_keyword(src, call, k)));
                    out.safe(range, format!("torch.{name} → {to}"), edits);
                }
            }
        }
    }
}

/// A whole shape rather than one size: a tuple or list, `x.shape`, or a name that says so.
fn is_shape(expr: &Expr) -> bool {
    let name = match expr {
        Expr::Tuple(_) | Expr::List(_) => return true,
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return false,
    };
    name.contains("shape") || name.ends_with("size") && !name.starts_with("batch") && !name.starts_with("block") && !name.starts_with("hidden") && !name.starts_with("vocab")
}

impl TensorOps {
    /// `torch.max(x)` is a reduction; `torch.max(x, dim)` returns (values, indices);
    /// `torch.max(a, b)` is elementwise.
    fn max_min(&self, cx: &Context, call: &ast::ExprCall, name: &str, out: &mut Findings) {
        let range = span(call);
        let args = &call.arguments.args;
        let second = args.get(1).or_else(|| keyword(call, "dim").map(|k| &k.value));
        match second {
            None => {
                let mut edits = vec![rename_callee(call, &format!("mx.{name}"))];
                edits.extend(keyword_edits(cx.text, call, &[]));
                out.safe(range, format!("torch.{name}(x) → mx.{name}(x)"), edits);
            }
            Some(other) if super::context::int_literal(other).is_none() && keyword(call, "dim").is_none() => {
                let to = if name == "max" { "mx.maximum" } else { "mx.minimum" };
                out.review(range, format!("torch.{name}(a, b) is elementwise → {to}"), vec![rename_callee(call, to)]);
            }
            Some(_) => {
                out.manual(range, format!("torch.{name}(x, dim) returns (values, indices): use mx.{name}(x, axis=...) and mx.arg{name}(x, axis=...)"));
            }
        }
    }

    fn random(&self, cx: &Context, call: &ast::ExprCall, name: &str, out: &mut Findings) {
        let range = span(call);
        if keyword(call, "generator").is_some() {
            out.manual(range, format!("torch.{name}(generator=...): MLX uses explicit keys (mx.random.key(seed), key=...)"));
            return;
        }
        let mut edits = keyword_edits(cx.text, call, KEYWORDS);
        let args = &call.arguments.args;
        match name {
            "randn" | "rand" => {
                let (function, keyword) = if name == "randn" { ("mx.random.normal", "") } else { ("mx.random.uniform", "shape=") };
                edits.push(rename_callee(call, function));
                // MLX takes the shape as one tuple (uniform's first positional is `low`).
                match &args[..] {
                    [] => {}
                    [only] if is_shape(only) => edits.push(Edit::insert(span(only).start, keyword)),
                    // One size: torch.rand(5) is shape (5,).
                    [only] => {
                        edits.push(Edit::insert(span(only).start, format!("{keyword}(")));
                        edits.push(Edit::insert(span(only).end, ",)"));
                    }
                    [first, .., last] => {
                        edits.push(Edit::insert(span(first).start, format!("{keyword}(")));
                        edits.push(Edit::insert(span(last).end, ")"));
                    }
                }
            }
            _ => {
                edits.push(rename_callee(call, "mx.random.randint"));
                if args.len() == 2 {
                    edits.push(Edit::insert(span(&args[0]).start, "0, "));
                }
            }
        }
        out.safe(range, format!("torch.{name} → mx.random (MLX's generator differs: same distribution, different numbers)"), edits);
    }
}
