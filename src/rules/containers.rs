//! containers: `nn.ModuleList` → list, `nn.ParameterList` → list, `nn.ModuleDict` /
//! `nn.ParameterDict` → a container that keeps attribute access.
//!
//! Why: MLX tracks modules and arrays inside plain lists and dicts, under the same parameter
//! names torch uses (`h.0.attn...`). But torch code reads a ModuleDict's entries as
//! attributes (`self.transformer.wte`): a plain dict keeps the names and loses that access
//! (mlx-traps #3). `portui_shims.ModuleDict` is an `nn.Module` whose entries are its
//! attributes, so both `d.name` and `d["name"]` work and the names stay torch's.
//!
//! Example: `nn.ModuleList([Block(c) for _ in range(n)])` → `[Block(c) for _ in range(n)]`;
//! `nn.ModuleDict(dict(wte=...))` → `portui_shims.ModuleDict(dict(wte=...))`.
//!
//! Fix safety: safe. `append`/`extend`/indexing/iteration keep working on lists.

use super::context::{hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct Containers;
pub static RULE: Containers = Containers;

impl Rule for Containers {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "containers", step: "1", checklist: "containers-replaced", summary: "ModuleList/ModuleDict/ParameterList → list/dict containers" }
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
        let range = span(call);
        match q.as_str() {
            "torch.nn.ModuleList" | "torch.nn.ParameterList" => {
                let edit = match call.arguments.args.first() {
                    None => Edit::replace(range.clone(), "[]"),
                    Some(Expr::List(_)) => Edit::template(range.clone(), vec![hole(&call.arguments.args[0])]),
                    Some(other) => Edit::template(range.clone(), vec![text("list("), hole(other), text(")")]),
                };
                out.safe(range, format!("{q} → list: MLX tracks modules and arrays in lists under the same names"), vec![edit]);
            }
            "torch.nn.ModuleDict" | "torch.nn.ParameterDict" => {
                out.safe(range, format!("{q} → portui_shims.ModuleDict: keeps torch's names and attribute access (a plain dict loses `d.name`)"), vec![Edit::replace(span(call.func.as_ref()), "portui_shims.ModuleDict")]);
            }
            _ => {}
        }
    }
}
