//! dtypes: `torch.float32`, `torch.long`, `torch.bool`... → `mx.float32`, `mx.int64`,
//! `mx.bool_`...; torch types written as types (`x: Tensor`, `isinstance(m, nn.Module)`,
//! `-> torch.Size`) → `mx.array`, `nn.Module`, `tuple`; other torch names in annotations
//! (`opt: torch.optim.Optimizer`) → the same text as a string annotation; `torch.inf`, `torch.pi`, `torch.nan`,
//! `torch.e` → `math`'s. torch.dtype's predicates on a dtype value (`x.dtype.is_floating_point`,
//! `.is_complex`, `.is_signed`, `.itemsize`) → `mx.issubdtype(x.dtype, mx.floating)`... and
//! `.size` (MLX's Dtype has none of them).
//!
//! Why: a type annotation that still names torch keeps `import torch` alive in the port.
//! dtype objects are framework objects; torch's aliases (`torch.float`, `torch.long`,
//! `torch.half`) have no MLX spelling and `torch.bool` is `mx.bool_`. float64 is handled by
//! the float64 rule (MLX has no float64 on the GPU).
//!
//! Example: `torch.arange(0, t, dtype=torch.long)` → `... dtype=mx.int64`; `x: torch.Tensor` →
//! `x: mx.array`.
//!
//! Fix safety: safe: the same type under MLX's name; review for a dtype predicate on a name
//! taken for a dtype (`dtype.is_floating_point`).

use super::context::{hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind};
use crate::parse::span;

pub struct Dtypes;
pub static RULE: Dtypes = Dtypes;

const DTYPES: &[(&str, &str)] = &[
    ("float32", "mx.float32"), ("float", "mx.float32"), ("float16", "mx.float16"), ("half", "mx.float16"),
    ("bfloat16", "mx.bfloat16"), ("int64", "mx.int64"), ("long", "mx.int64"), ("int32", "mx.int32"),
    ("int", "mx.int32"), ("int16", "mx.int16"), ("short", "mx.int16"), ("int8", "mx.int8"),
    ("uint8", "mx.uint8"), ("uint16", "mx.uint16"), ("uint32", "mx.uint32"), ("uint64", "mx.uint64"),
    ("bool", "mx.bool_"), ("complex64", "mx.complex64"),
];

/// The MLX spelling of a qualified torch dtype, if it has one.
pub fn mlx_dtype(qualified: &str) -> Option<&'static str> {
    let name = qualified.strip_prefix("torch.")?;
    DTYPES.iter().find(|(t, _)| *t == name).map(|(_, m)| *m)
}

/// torch types written as types (annotations, `isinstance`): their MLX counterparts.
const TYPES: &[(&str, &str)] = &[
    ("torch.Tensor", "mx.array"), ("torch.FloatTensor", "mx.array"), ("torch.LongTensor", "mx.array"),
    ("torch.IntTensor", "mx.array"), ("torch.BoolTensor", "mx.array"), ("torch.HalfTensor", "mx.array"),
    ("torch.DoubleTensor", "mx.array"), ("torch.ByteTensor", "mx.array"), ("torch.nn.Parameter", "mx.array"),
    ("torch.nn.parameter.Parameter", "mx.array"), ("torch.nn.Module", "nn.Module"),
    ("torch.nn.modules.module.Module", "nn.Module"), ("torch.dtype", "mx.Dtype"), ("torch.Size", "tuple"),
    ("torch.device", "mx.Device"),
    // typing's own, re-exported (timm's DenseNet: `from torch.jit.annotations import List`).
    ("torch.jit.annotations.List", "typing.List"), ("torch.jit.annotations.Dict", "typing.Dict"),
    ("torch.jit.annotations.Tuple", "typing.Tuple"), ("torch.jit.annotations.Optional", "typing.Optional"),
    ("torch.jit.annotations.Union", "typing.Union"), ("torch.jit.annotations.Any", "typing.Any"),
];

/// torch's numeric constants: Python's.
const CONSTANTS: &[(&str, &str)] = &[
    ("torch.inf", "math.inf"), ("torch.nan", "math.nan"), ("torch.pi", "math.pi"), ("torch.e", "math.e"),
    ("torch.newaxis", "None"),
];

impl Rule for Dtypes {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "dtypes", step: "2", checklist: "torch-semantics", summary: "torch dtypes and types (Tensor, nn.Module, Size) → MLX" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprAttribute, NodeKind::ExprName])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        if !matches!(expr, Expr::Attribute(_) | Expr::Name(_)) {
            return;
        }
        if let Expr::Attribute(attribute) = expr
            && dtype_predicate(cx, attribute, out)
        {
            return;
        }
        let Some(qualified) = cx.torch_name(expr) else { return };
        let range = span(expr);
        if let Some((_, to)) = TYPES.iter().find(|(t, _)| *t == qualified.as_str()) {
            if is_callee_or_base(cx, expr) {
                return; // calls are the API table's; class bases the layers rule's
            }
            out.safe(range.clone(), format!("{qualified} (type) → {to}"), vec![Edit::replace(range, *to)]);
        } else if qualified == "torch.__version__" {
            // `version.parse(torch.__version__) < version.parse('2.0.0')`: a port has no torch;
            // its features were checked against the torch portui's table describes.
            let to = "portui_shims.TORCH_VERSION";
            out.review(range.clone(), format!("torch.__version__ → {to} (\"2.15.0\", the torch portui's rewrites are checked against): a version check takes torch's branch, whose torch features the port replaces"), vec![Edit::replace(range, to)]);
        } else if let Some((_, to)) = CONSTANTS.iter().find(|(t, _)| *t == qualified.as_str()) {
            if !is_callee_or_base(cx, expr) {
                out.safe(range.clone(), format!("{qualified} → {to}"), vec![Edit::replace(range, *to)]);
            }
        } else if let Some(to) = mlx_dtype(&qualified) {
            out.safe(range.clone(), format!("{qualified} → {to}"), vec![Edit::replace(range, to)]);
        } else if cx.in_annotation && !is_callee_or_base(cx, expr) && !ported_where_it_stands(&qualified) {
            // `optimizer: torch.optim.Optimizer`, timm's `Dict[str, torch.tensor]`: no MLX type
            // says the same, and the annotation alone would keep `import torch` alive.
            let quoted = format!("\"{}\"", &cx.text[range.clone()]);
            out.review(range.clone(), format!("{qualified} in an annotation: no MLX type says the same; written as a string (a forward reference, never evaluated), so the port imports without torch"), vec![Edit::replace(range, quoted)]);
        }
    }
}

/// A name another rule ports wherever it stands, annotations included: a layer class (the
/// layers rule: `-> nn.Sequential`) or a name the API table gives a value form (the api rule:
/// `sampler: Sampler`).
fn ported_where_it_stands(qualified: &str) -> bool {
    super::layers::mlx_class(qualified).is_some() || crate::api::table().lookup(qualified).any(|entry| entry.value.is_some())
}

/// `torch.Tensor(...)`, `torch.Tensor.add` or `class M(nn.Module)`: not a type reference of
/// this rule's.
/// `x.dtype.is_floating_point` and torch.dtype's other predicates, read on a dtype value: a
/// `.dtype`, a torch dtype (safe), or a name taken for one, `dtype` or `*_dtype` (review).
/// Whether the attribute was one.
fn dtype_predicate(cx: &Context, attribute: &ast::ExprAttribute, out: &mut Findings) -> bool {
    let kind = match attribute.attr.as_str() {
        "is_floating_point" => "mx.floating",
        "is_complex" => "mx.complexfloating",
        "is_signed" | "itemsize" => "",
        _ => return false,
    };
    let value = attribute.value.as_ref();
    let safe = match value {
        Expr::Attribute(read) if read.attr.as_str() == "dtype" => true,
        Expr::Name(name) if name.id.as_str() == "dtype" || name.id.ends_with("_dtype") => false,
        _ if cx.torch_name(value).is_some_and(|q| mlx_dtype(&q).is_some()) => true,
        _ => return false,
    };
    let range = span(attribute);
    if attribute.attr.as_str() == "is_signed" && !super::calls::repeatable(cx, value) {
        out.manual(range, "dtype.is_signed: MLX spells it `mx.issubdtype(d, mx.signedinteger) or mx.issubdtype(d, mx.inexact)`, which reads the dtype twice: bind it to a name first");
        return true;
    }
    let pieces = match attribute.attr.as_str() {
        "itemsize" => vec![hole(value), text(".size")],
        "is_signed" => vec![text("(mx.issubdtype("), hole(value), text(", mx.signedinteger) or mx.issubdtype("), hole(value), text(", mx.inexact))")],
        _ => vec![text("mx.issubdtype("), hole(value), text(format!(", {kind})"))],
    };
    let message = format!("dtype.{} → MLX's spelling: mlx.core.Dtype has no such attribute", attribute.attr);
    let edits = vec![Edit::template(range.clone(), pieces)];
    if safe {
        out.safe(range, message, edits);
    } else {
        out.review(range, format!("{message} (`{}` taken for a dtype: check it is one)", cx.src(value)), edits);
    }
    true
}

fn is_callee_or_base(cx: &Context, expr: &Expr) -> bool {
    let callee = matches!(cx.parent_expr(), Some(Expr::Call(call)) if span(call.func.as_ref()) == span(expr))
        || matches!(cx.parent_expr(), Some(Expr::Attribute(a)) if span(a.value.as_ref()) == span(expr));
    let base = cx.parent_expr().is_none()
        && matches!(cx.stmt(), Some(crate::parse::ast::Stmt::ClassDef(class)) if class.bases().iter().any(|b| span(b) == span(expr)));
    callee || base
}

#[cfg(test)]
mod tests {
    /// An annotation naming what no MLX type stands for is quoted; one naming what another rule
    /// ports where it stands (a layer class, a name with a value form) is left to that rule, so
    /// the two edits do not overlap.
    #[test]
    fn annotations_are_quoted_unless_another_rule_ports_the_name() {
        let source = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import Sampler\n\
            def f(opt: torch.optim.Optimizer, s: Sampler, x: torch.Tensor) -> nn.Sequential:\n    pass\n";
        let quoted: Vec<&str> = crate::rules::findings_of("dtypes", source)
            .iter()
            .filter(|f| f.message.contains("in an annotation"))
            .map(|f| &source[f.range.clone()])
            .collect();
        assert_eq!(quoted, ["torch.optim.Optimizer"]);
    }
}
