//! attention: `F.scaled_dot_product_attention` → `mx.fast.scaled_dot_product_attention`
//! with torch's scale and mask.
//!
//! Why: the MLX kernel requires `scale` (torch defaults to `1/sqrt(head_dim)`), takes
//! `mask=` (boolean: True keeps, or additive), and has no dropout. Its `mask="causal"` aligns
//! the causal diagonal bottom-right while torch's `is_causal=True` aligns it top-left: they
//! agree only when query and key lengths are equal (mlx-traps #15), so the port uses
//! `"causal"` exactly then and an explicit `mx.tril` mask otherwise (a kv cache). A flag known
//! at run time (`is_causal=is_causal`) chooses between that mask and `attn_mask`.
//!
//! Example: `F.scaled_dot_product_attention(q, k, v, is_causal=True)` →
//! `mx.fast.scaled_dot_product_attention(q, k, v, scale=1.0 / math.sqrt(q.shape[-1]),
//! mask="causal" if q.shape[-2] == k.shape[-2] else mx.tril(...))`.
//!
//! MLX's kernel takes 4-D q, k and v (B, H, T, D); torch's any number of leading axes. Where
//! the function spells out another rank (timm's NesT unbinds q, k and v from a 6-axis
//! permute: 5-D), `portui_shims.scaled_dot_product_attention` folds the leading axes into the
//! batch.
//!
//! Fix safety: review: where the rank is not spelled out, q, k and v must be 4-D (the finding
//! says so). A non-zero `dropout_p` is dropped: attention dropout is not applied in training
//! (the finding says so); eval-mode numbers are unchanged.

use super::context::{argument, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind};
use crate::parse::span;

pub struct Attention;
pub static RULE: Attention = Attention;

impl Rule for Attention {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "attention", step: "2", checklist: "fused-attention", summary: "F.scaled_dot_product_attention → mx.fast with scale and mask" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        if cx.torch_name(&call.func).as_deref() != Some("torch.nn.functional.scaled_dot_product_attention") {
            return;
        }
        let range = span(call);
        let (Some(q), Some(k), Some(v)) = (argument(call, 0, "query"), argument(call, 1, "key"), argument(call, 2, "value")) else {
            out.manual(range, "scaled_dot_product_attention with unusual arguments: port by hand");
            return;
        };
        let mask = argument(call, 3, "attn_mask").filter(|m| !matches!(m, Expr::NoneLiteral(_)));
        // `is_causal=is_causal`, known only at run time: the causal mask when it holds, else
        // attn_mask (torch rejects both at once).
        let (causal, causal_when) = match argument(call, 5, "is_causal") {
            None => (false, None),
            Some(Expr::BooleanLiteral(b)) => (b.value, None),
            Some(flag) => (true, Some(flag)),
        };
        if mask.is_some() && causal && causal_when.is_none() {
            out.manual(range, "both attn_mask and is_causal: combine them into one mask by hand");
            return;
        }
        if keyword(call, "enable_gqa").is_some() || call.arguments.args.len() > 4 {
            out.manual(range, "scaled_dot_product_attention with positional dropout/causal arguments or enable_gqa: port by hand (MLX handles grouped kv heads natively)");
            return;
        }
        let simple = |e: &Expr| matches!(e, Expr::Name(_));
        let scale: Vec<Piece> = match keyword(call, "scale").map(|s| &s.value) {
            Some(s) if !matches!(s, Expr::NoneLiteral(_)) => vec![hole(s)],
            _ if simple(q) => vec![text(format!("{}.shape[-1] ** -0.5", cx.src(q)))],
            _ => {
                out.manual(range, "pass scale=1/sqrt(head_dim) explicitly (MLX requires it)");
                return;
            }
        };
        // MLX's kernel takes (B, H, T, D) only; torch's any number of leading axes (timm's NesT
        // attends within image blocks, (B, H, blocks, T, D)).
        let kernel = match rank_of(cx, q, RANK_HOPS) {
            Some(rank) if rank != 4 => "portui_shims.scaled_dot_product_attention(",
            _ => "mx.fast.scaled_dot_product_attention(",
        };
        let mut pieces = vec![text(kernel), hole(q), text(", "), hole(k), text(", "), hole(v), text(", scale=")];
        pieces.extend(scale);
        if causal {
            if !(simple(q) && simple(k)) {
                out.manual(range, "is_causal=True: pass mask=\"causal\" when query and key lengths are equal, else an explicit mx.tril mask");
                return;
            }
            let (qs, ks) = (cx.src(q), cx.src(k));
            let causal_mask = format!("\"causal\" if {qs}.shape[-2] == {ks}.shape[-2] else mx.tril(mx.ones(({qs}.shape[-2], {ks}.shape[-2]), dtype=mx.bool_))");
            match causal_when {
                None => pieces.push(text(format!(", mask={causal_mask}"))),
                Some(flag) => {
                    pieces.extend([text(format!(", mask=({causal_mask}) if ")), hole(flag), text(" else ")]);
                    pieces.push(mask.map_or_else(|| text("None"), hole));
                }
            }
        } else if let Some(mask) = mask {
            pieces.extend([text(", mask="), hole(mask)]);
        }
        pieces.push(text(")"));
        let mut message = String::from("mx.fast.scaled_dot_product_attention needs an explicit scale and 4-D q, k, v (B, H, T, D), where torch's takes any number of leading axes; torch's top-left causal mask kept");
        if dropout_active(call) {
            message.push_str("; MLX's kernel has no dropout: attention dropout is NOT applied in training");
        }
        out.review(range.clone(), message, vec![Edit::template(range, pieces)]);
    }
}

/// How many assignments back `rank_of` follows a name.
const RANK_HOPS: usize = 3;

/// The rank of `expr` where the enclosing function spells it out: a name last assigned from a
/// `reshape`/`view`/`permute` with every axis written, or unpacked from `unbind(0)` of (or
/// indexed out of) one (`q, k, v = qkv.unbind(0)` after `.permute(3, 0, 4, 1, 2, 5)`: 5).
fn rank_of(cx: &Context, expr: &Expr, hops: usize) -> Option<usize> {
    match expr {
        Expr::Name(name) if hops > 0 => {
            let (function, _) = cx.function.as_ref()?;
            let mut found = Vec::new();
            assignments_of(&function.body, name.id.as_str(), &mut found);
            // The closest assignment before the use (NesT rebinds `q = q * self.scale` in the
            // unfused branch after it). A wrong guess costs nothing: the shim also runs 4-D.
            let (_, value) = found.into_iter().filter(|(at, _)| *at < span(expr).start).max_by_key(|(at, _)| *at)?;
            match value {
                Assigned::Whole(value) => rank_of(cx, value, hops - 1),
                Assigned::Unpacked(value) => {
                    let Expr::Call(call) = value else { return None };
                    let (receiver, method) = super::calls::method_call(call)?;
                    let first_axis = match (call.arguments.args.first(), call.arguments.keywords.first()) {
                        (None, None) => true,
                        (Some(axis), None) => super::context::int_literal(axis) == Some(0),
                        (None, Some(k)) => k.arg.as_ref().is_some_and(|a| a.as_str() == "dim") && super::context::int_literal(&k.value) == Some(0),
                        _ => false,
                    };
                    (method == "unbind" && first_axis).then(|| rank_of(cx, receiver, hops - 1))??.checked_sub(1)
                }
            }
        }
        Expr::Subscript(subscript) if super::context::int_literal(&subscript.slice).is_some() => rank_of(cx, &subscript.value, hops)?.checked_sub(1),
        Expr::Call(call) => {
            let (_, method) = super::calls::method_call(call)?;
            if !matches!(method, "reshape" | "view" | "permute") || !call.arguments.keywords.is_empty() {
                return None;
            }
            match &call.arguments.args[..] {
                [Expr::Tuple(axes)] => (!axes.elts.iter().any(Expr::is_starred_expr)).then_some(axes.elts.len()),
                [Expr::List(axes)] => (!axes.elts.iter().any(Expr::is_starred_expr)).then_some(axes.elts.len()),
                args if args.len() > 1 => (!args.iter().any(Expr::is_starred_expr)).then_some(args.len()),
                _ => None,
            }
        }
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Assigned<'a> {
    /// `name = value`
    Whole(&'a Expr),
    /// `a, name, c = value`
    Unpacked(&'a Expr),
}

/// Every assignment to `name` in `body` and the blocks inside it, with where it starts.
fn assignments_of<'a>(body: &'a [ast::Stmt], name: &str, out: &mut Vec<(usize, Assigned<'a>)>) {
    for stmt in body {
        if let ast::Stmt::Assign(assign) = stmt {
            let at = span(stmt).start;
            for target in &assign.targets {
                match target {
                    Expr::Name(target) if target.id.as_str() == name => out.push((at, Assigned::Whole(&assign.value))),
                    Expr::Tuple(targets) if targets.elts.iter().any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == name)) => out.push((at, Assigned::Unpacked(&assign.value))),
                    _ => {}
                }
            }
        }
        for block in crate::parse::blocks(stmt) {
            assignments_of(block, name, out);
        }
    }
}

fn dropout_active(call: &ast::ExprCall) -> bool {
    match keyword(call, "dropout_p").map(|k| &k.value) {
        None => false,
        Some(Expr::NumberLiteral(number)) => match &number.value {
            ast::Number::Float(f) => *f != 0.0,
            ast::Number::Int(i) => i.as_i64() != Some(0),
            ast::Number::Complex { .. } => true,
        },
        Some(_) => true,
    }
}
