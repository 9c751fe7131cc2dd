//! functional: `torch.nn.functional.*` → the MLX function with the same meaning.
//!
//! Why: activations live in `mlx.nn` (`nn.relu`, `nn.gelu`, `nn.silu`), softmax in
//! `mlx.core` with `axis`; `F.gelu(x, approximate="tanh")` is `nn.gelu_approx`; MLX has no
//! functional pooling (a pooling layer is built and called); `F.linear(x, w, b)` is
//! `x @ w.T + b`; `F.embedding(i, w)` is `w[i]`. Losses (`F.cross_entropy`, `F.mse_loss`...)
//! are the losses rule's.
//!
//! Example: `F.softmax(att, dim=-1)` → `mx.softmax(att, axis=-1)`; `F.relu(x)` →
//! `nn.relu(x)`; `F.linear(x, w, b)` → `(x @ w.T + b)`.
//!
//! Fix safety: safe for renames; review for rewrites that restructure the call; manual
//! for functions without a faithful MLX form (`F.dropout` with a training flag,
//! `F.interpolate`).

use super::calls::{keyword_edits, plain_positional, rename_callee};
use super::context::{argument, hole, keyword, operand, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct Functional;
pub static RULE: Functional = Functional;

const RENAMES: &[(&str, &str)] = &[
    ("relu", "nn.relu"), ("silu", "nn.silu"), ("sigmoid", "mx.sigmoid"), ("tanh", "mx.tanh"),
    ("softmax", "mx.softmax"), ("log_softmax", "nn.log_softmax"), ("leaky_relu", "nn.leaky_relu"),
    ("elu", "nn.elu"), ("softplus", "nn.softplus"), ("mish", "nn.mish"), ("relu6", "nn.relu6"),
    ("selu", "nn.selu"), ("celu", "nn.celu"), ("hardswish", "nn.hardswish"), ("glu", "nn.glu"),
    ("logsigmoid", "nn.log_sigmoid"), ("softsign", "nn.softsign"),
];

const MANUAL: &[(&str, &str)] = &[
    ("dropout", "use an nn.Dropout layer (its training flag follows model.train()/eval())"),
    ("interpolate", "use nn.Upsample(scale_factor=..., mode=...) on channels-last input"),
    ("normalize", "x / mx.maximum(mx.linalg.norm(x, axis=dim, keepdims=True), eps)"),
    ("one_hot", "use (x[..., None] == mx.arange(n)).astype(mx.int64)"),
    ("conv2d", "use mx.conv2d on channels-last input and (O, kH, kW, I) weights"),
    ("conv1d", "use mx.conv1d on channels-last input and (O, K, I) weights"),
    ("unfold", "no MLX equivalent: build the patches with reshape/slicing"),
    ("grid_sample", "no MLX equivalent"),
];

impl Rule for Functional {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "functional", step: "2", checklist: "torch-semantics", summary: "F.* functions → mx/nn functions with torch's defaults" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some(q) = cx.torch_name(&call.func) else { return };
        let Some(name) = q.strip_prefix("torch.nn.functional.") else { return };
        let range = span(call);
        if !plain_positional(call) {
            return;
        }
        if let Some((_, why)) = MANUAL.iter().find(|(n, _)| *n == name) {
            out.manual(range, format!("F.{name}: {why}"));
            return;
        }
        if keyword(call, "inplace").is_some() {
            if let Some(k) = keyword(call, "inplace") {
                let mut edits = vec![super::context::remove_keyword(cx.text, call, k)];
                if let Some((_, to)) = RENAMES.iter().find(|(n, _)| *n == name) {
                    edits.push(rename_callee(call, to));
                    out.safe(range, format!("F.{name} → {to} (MLX arrays are never modified in place)"), edits);
                }
            }
            return;
        }
        match name {
            "gelu" => {
                let approximate = keyword(call, "approximate").map(|k| cx.src(&k.value).trim_matches(['"', '\'']).to_string());
                let (to, mut edits) = match approximate.as_deref() {
                    Some("tanh") => ("nn.gelu_approx", vec![super::context::remove_keyword(cx.text, call, keyword(call, "approximate").expect("present"))]),
                    Some("none") => ("nn.gelu", vec![super::context::remove_keyword(cx.text, call, keyword(call, "approximate").expect("present"))]),
                    Some(_) => {
                        out.manual(range, "F.gelu(approximate=<expression>): choose nn.gelu or nn.gelu_approx");
                        return;
                    }
                    None => ("nn.gelu", vec![]),
                };
                edits.push(rename_callee(call, to));
                out.safe(range, format!("F.gelu → {to}"), edits);
            }
            "linear" => {
                let (Some(x), Some(w)) = (argument(call, 0, "input"), argument(call, 1, "weight")) else { return };
                let mut pieces = vec![text("(")];
                pieces.extend(operand(x));
                pieces.push(text(" @ "));
                pieces.extend(operand(w));
                pieces.push(text(".T"));
                if let Some(b) = argument(call, 2, "bias") {
                    pieces.push(text(" + "));
                    pieces.extend(operand(b));
                }
                pieces.push(text(")"));
                out.safe(range.clone(), "F.linear(x, w, b) → x @ w.T + b", vec![Edit::template(range, pieces)]);
            }
            "embedding" => {
                let (Some(i), Some(w)) = (argument(call, 0, "input"), argument(call, 1, "weight")) else { return };
                if call.arguments.len() > 2 {
                    out.manual(range, "F.embedding with padding_idx/max_norm: no MLX equivalent");
                    return;
                }
                out.safe(range.clone(), "F.embedding(i, w) → w[i]", vec![Edit::template(range, vec![hole(w), text("["), hole(i), text("]")])]);
            }
            "avg_pool2d" | "max_pool2d" | "avg_pool1d" | "max_pool1d" => {
                if super::channels_last::is_global_pool(cx, call) {
                    return; // the channels-last rule rewrites the global pool
                }
                let layer = match name {
                    "avg_pool2d" => "nn.AvgPool2d",
                    "max_pool2d" => "nn.MaxPool2d",
                    "avg_pool1d" => "nn.AvgPool1d",
                    _ => "nn.MaxPool1d",
                };
                let Some(x) = argument(call, 0, "input") else { return };
                let rest: Vec<_> = call.arguments.iter_source_order().skip(1).map(|a| match a {
                    crate::parse::ast::ArgOrKeyword::Arg(e) => span(e),
                    crate::parse::ast::ArgOrKeyword::Keyword(k) => span(k),
                }).collect();
                let (Some(first), Some(last)) = (rest.first(), rest.last()) else { return };
                let edit = Edit::template(range.clone(), vec![text(format!("{layer}(")), crate::fix::Piece::Source(first.start..last.end), text(")("), hole(x), text(")")]);
                out.review(range, format!("F.{name} → {layer}(...)(x): MLX pools through layers, on channels-last input"), vec![edit]);
            }
            "adaptive_avg_pool2d" => {
                if !super::channels_last::is_global_pool(cx, call) {
                    out.manual(range, "F.adaptive_avg_pool2d to a size other than 1: port by hand (channels-last)");
                }
            }
            "pad" => super::channels_last::pad(cx, call, out),
            _ => {
                let Some((_, to)) = RENAMES.iter().find(|(n, _)| *n == name) else { return };
                let mut edits = vec![rename_callee(call, to)];
                edits.extend(keyword_edits(cx.text, call, &[("negative_slope", "negative_slope")]));
                if keyword(call, "dtype").is_some() || keyword(call, "_stacklevel").is_some() {
                    out.manual(range, format!("F.{name} with dtype=: cast the input with astype first"));
                    return;
                }
                out.safe(range, format!("F.{name} → {to}"), edits);
            }
        }
    }
}
