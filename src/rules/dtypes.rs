//! dtypes: `torch.float32`, `torch.long`, `torch.bool`... → `mx.float32`, `mx.int64`,
//! `mx.bool_`...
//!
//! Why: dtype objects are framework objects; torch's aliases (`torch.float`, `torch.long`,
//! `torch.half`) have no MLX spelling and `torch.bool` is `mx.bool_`. float64 is handled by
//! the float64 rule (MLX has no float64 on the GPU).
//!
//! Example: `torch.arange(0, t, dtype=torch.long)` → `... dtype=mx.int64`; `x: torch.Tensor` →
//! `x: mx.array`.
//!
//! Fix safety: safe: the same type under MLX's name.

use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind};
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

impl Rule for Dtypes {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "dtypes", step: "2", checklist: "torch-semantics", summary: "torch dtypes and torch.Tensor → mx dtypes and mx.array" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprAttribute])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        if !matches!(expr, Expr::Attribute(_)) {
            return;
        }
        let Some(qualified) = cx.torch_name(expr) else { return };
        if qualified == "torch.Tensor" || qualified == "torch.FloatTensor" || qualified == "torch.LongTensor" {
            let range = span(expr);
            out.safe(range.clone(), format!("{qualified} (type) → mx.array"), vec![Edit::replace(range, "mx.array")]);
        } else if let Some(to) = mlx_dtype(&qualified) {
            let range = span(expr);
            out.safe(range.clone(), format!("{qualified} → {to}"), vec![Edit::replace(range, to)]);
        }
    }
}
