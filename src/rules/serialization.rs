//! serialization: `torch.save(model.state_dict(), path)` → `model.save_weights(path)`,
//! `model.load_state_dict(torch.load(path))` → `model.load_weights(path)`, safetensors files.
//!
//! Why: MLX saves and loads module weights itself, in safetensors (or npz) chosen by the
//! file extension; pickled torch checkpoints are not readable without torch. Paths ending in
//! `.pt`/`.pth`/`.bin` become `.safetensors`.
//!
//! Example: `torch.save(model.state_dict(), "model.pt")` →
//! `model.save_weights("model.safetensors")`.
//!
//! Fix safety: safe for state dicts with literal paths; review for computed paths (they must
//! end in `.safetensors` or `.npz`); manual for other objects (checkpoints with optimizer
//! state: use `mx.save_safetensors` for arrays, json for the rest).

use super::calls::method_call;
use super::context::{argument, hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind};
use crate::parse::span;

pub struct Serialization;
pub static RULE: Serialization = Serialization;

impl Rule for Serialization {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "serialization", step: "4", checklist: "safetensors", summary: "torch.save/load of state dicts → save_weights/load_weights (safetensors)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let range = span(call);
        match cx.torch_name(&call.func).as_deref() {
            Some("torch.save") => {
                let (Some(object), Some(path)) = (argument(call, 0, "obj"), argument(call, 1, "f")) else { return };
                if let Expr::Call(inner) = object
                    && let Some((model, "state_dict")) = method_call(inner)
                {
                    let (piece, exact) = safetensors_path(cx, path);
                    let edit = Edit::template(range.clone(), vec![hole(model), text(".save_weights("), piece, text(")")]);
                    out.fix(range, applicability(exact), "torch.save(state_dict) → save_weights (safetensors)", vec![edit]);
                } else {
                    out.manual(range, "torch.save of a non-state-dict object: save arrays with mx.save_safetensors(path, dict(tree_flatten(...))) and other state with json");
                }
            }
            Some("torch.load") => {
                let is_load_state = cx.stmt().is_some_and(|s| cx.text[span(s)].contains("load_state_dict("));
                if !is_load_state {
                    out.manual(range, "torch.load: MLX reads safetensors/npz with mx.load(path); pickled torch files need torch to read once (convert them)");
                }
            }
            _ => {
                let Some((model, "load_state_dict")) = method_call(call) else { return };
                let Some(Expr::Call(inner)) = call.arguments.args.first() else { return };
                if cx.torch_name(&inner.func).as_deref() != Some("torch.load") {
                    return;
                }
                let Some(path) = argument(inner, 0, "f") else { return };
                let (piece, exact) = safetensors_path(cx, path);
                let edit = Edit::template(range.clone(), vec![hole(model), text(".load_weights("), piece, text(")")]);
                out.fix(range, applicability(exact), "load_state_dict(torch.load(path)) → load_weights(path) (safetensors)", vec![edit]);
            }
        }
    }
}

fn applicability(exact: bool) -> crate::fix::Applicability {
    if exact { crate::fix::Applicability::Safe } else { crate::fix::Applicability::Review }
}

/// A literal `.pt`/`.pth`/`.bin` path becomes `.safetensors`, also inside a computed path
/// (`os.path.join(d, "ckpt.pt")`); other paths are kept (and reviewed).
fn safetensors_path(cx: &Context, path: &Expr) -> (Piece, bool) {
    if let Expr::Call(call) = path
        && let Some(Expr::StringLiteral(last)) = call.arguments.args.last()
        && let (Piece::Text(renamed), true) = safetensors_path(cx, &call.arguments.args[call.arguments.args.len() - 1])
    {
        let literal = span(last);
        let whole = span(path);
        let pieces = [Piece::Source(whole.start..literal.start), text(renamed), Piece::Source(literal.end..whole.end)];
        let joined: String = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Source(r) => cx.text[r.clone()].to_string(),
            })
            .collect();
        return (text(joined), true);
    }
    literal_path(cx, path)
}

fn literal_path(cx: &Context, path: &Expr) -> (Piece, bool) {
    if let Expr::StringLiteral(literal) = path
        && let ast::StringLiteralValue { .. } = &literal.value
    {
        let value = literal.value.to_str();
        for extension in [".pt", ".pth", ".bin", ".ckpt"] {
            if let Some(stem) = value.strip_suffix(extension) {
                let quote = if cx.src(path).starts_with('\'') { '\'' } else { '"' };
                return (text(format!("{quote}{stem}.safetensors{quote}")), true);
            }
        }
        if value.ends_with(".safetensors") || value.ends_with(".npz") {
            return (hole(path), true);
        }
    }
    (hole(path), false)
}
