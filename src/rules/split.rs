//! split: torch `x.split(size, dim)` / `torch.split` / `chunk` → MLX `split` with torch's
//! meaning.
//!
//! Why: torch's integer argument is a chunk SIZE; MLX's integer is a NUMBER of sections
//! (mlx-traps #2). `q, k, v = x.split(n, dim=2)` ported as `mx.split(x, n, axis=2)` makes `n`
//! pieces, not pieces of size `n`. Split indices keep the meaning: for an integer literal
//! whose result is unpacked into k names, the indices are `[n, 2*n, ..., (k-1)*n]`; a list of
//! sizes written out becomes indices too. Otherwise the helper `portui_shims.split` computes
//! them from the shape: a name or attribute may hold an int or a list of sizes (timm's
//! `torch.split(x, self.split_indexes, dim=1)` holds a tuple), and only the run tells.
//! `torch.chunk(x, k, dim)` is a number of sections, which MLX's int means: but MLX needs it
//! to divide the axis evenly (torch allows a short last chunk).
//!
//! Example: `q, k, v = self.c_attn(x).split(64, dim=2)` →
//! `q, k, v = mx.split(self.c_attn(x), [64, 2 * 64], axis=2)`;
//! `q, k, v = self.c_attn(x).split(self.n_embd, dim=2)` →
//! `q, k, v = portui_shims.split(self.c_attn(x), self.n_embd, axis=2)`.
//!
//! Fix safety: safe for the unpacked form on a known tensor; review otherwise; `str.split`
//! (string arguments or receivers) is never touched.

use super::calls::method_call;
use super::context::{argument, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Applicability, Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::tensors::Certainty;

pub struct Split;
pub static RULE: Split = Split;

impl Rule for Split {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "split", step: "2", checklist: "torch-semantics", summary: "split(size) is a chunk size in torch, a count in MLX" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let (x, size, dim, applicability, chunk) = match cx.torch_name(&call.func).as_deref() {
            Some("torch.split" | "torch.functional.split") => (argument(call, 0, "tensor"), argument(call, 1, "split_size_or_sections"), argument(call, 2, "dim"), Applicability::Safe, false),
            Some("torch.chunk") => (argument(call, 0, "input"), argument(call, 1, "chunks"), argument(call, 2, "dim"), Applicability::Review, true),
            Some(_) => return,
            None => {
                let Some((receiver, method)) = method_call(call) else { return };
                if !matches!(method, "split" | "chunk") {
                    return;
                }
                let applicability = match cx.tensor(receiver) {
                    Certainty::Tensor => Applicability::Safe,
                    // `split` is common on strings: rewrite only when the call looks like torch's.
                    Certainty::Unknown if keyword(call, "dim").is_some() => Applicability::Review,
                    _ => return,
                };
                let chunk = method == "chunk";
                (Some(receiver), argument(call, 0, if chunk { "chunks" } else { "split_size" }), argument(call, 1, "dim"), if chunk { Applicability::Review } else { applicability }, chunk)
            }
        };
        let (Some(x), Some(size)) = (x, size) else { return };
        if matches!(size, Expr::StringLiteral(_)) {
            return;
        }
        let range = span(call);
        let axis: Vec<Piece> = match dim {
            Some(dim) => vec![text(", axis="), hole(dim)],
            None => vec![],
        };
        if chunk {
            let mut pieces = vec![text("mx.split("), hole(x), text(", "), hole(size)];
            pieces.extend(axis);
            pieces.push(text(")"));
            out.fix(range.clone(), Applicability::Review, "chunk(k) → mx.split(x, k): MLX needs k to divide the axis evenly (torch allows a short last chunk)", vec![Edit::template(range, pieces)]);
            return;
        }
        let targets = unpacked_count(cx, call);
        let indices: Option<Vec<Piece>> = match (size, targets) {
            (Expr::List(_) | Expr::Tuple(_), _) => {
                let elements = sizes(size).unwrap_or_default();
                let mut pieces = vec![text("[")];
                for i in 1..elements.len() {
                    if i > 1 {
                        pieces.push(text(", "));
                    }
                    for (j, element) in elements[..i].iter().enumerate() {
                        if j > 0 {
                            pieces.push(text(" + "));
                        }
                        pieces.push(hole(*element));
                    }
                }
                pieces.push(text("]"));
                Some(pieces)
            }
            (_, Some(count)) if count >= 2 => {
                if super::context::int_literal(size).is_none() {
                    None
                } else {
                    let mut pieces = vec![text("[")];
                    for i in 1..count {
                        if i > 1 {
                            pieces.push(text(", "));
                        }
                        if i > 1 {
                            pieces.push(text(format!("{i} * ")));
                        }
                        pieces.push(hole(size));
                    }
                    pieces.push(text("]"));
                    Some(pieces)
                }
            }
            _ => None,
        };
        let edit = match indices {
            Some(indices) => {
                let mut pieces = vec![text("mx.split("), hole(x), text(", ")];
                pieces.extend(indices);
                pieces.extend(axis);
                pieces.push(text(")"));
                Edit::template(range.clone(), pieces)
            }
            None => {
                let mut pieces = vec![text("portui_shims.split("), hole(x), text(", "), hole(size)];
                pieces.extend(axis);
                pieces.push(text(")"));
                Edit::template(range.clone(), pieces)
            }
        };
        out.fix(range, applicability, "torch split takes a chunk size; MLX split takes a count or indices: split indices keep torch's meaning", vec![edit]);
    }
}

fn sizes(expr: &Expr) -> Option<Vec<&Expr>> {
    match expr {
        Expr::List(list) => Some(list.elts.iter().collect()),
        Expr::Tuple(tuple) => Some(tuple.elts.iter().collect()),
        _ => None,
    }
}

/// `a, b, c = <call>` → 3 (the call must be the whole right-hand side).
fn unpacked_count(cx: &Context, call: &ast::ExprCall) -> Option<usize> {
    let Some(Stmt::Assign(assign)) = cx.stmt() else { return None };
    if span(assign.value.as_ref()) != span(call) {
        return None;
    }
    match assign.targets.as_slice() {
        [Expr::Tuple(tuple)] if !tuple.elts.iter().any(|e| matches!(e, Expr::Starred(_))) => Some(tuple.elts.len()),
        [Expr::List(list)] if !list.elts.iter().any(|e| matches!(e, Expr::Starred(_))) => Some(list.elts.len()),
        _ => None,
    }
}
