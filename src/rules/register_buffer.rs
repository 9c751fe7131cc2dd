//! register-buffer: `self.register_buffer("name", t)` → an attribute that is NOT trained.
//!
//! Why: in MLX every public array attribute is a trainable parameter: the guide's
//! `self.name = t` makes a buffer receive gradients, weight decay and optimizer updates
//! (mlx-traps #5). A persistent buffer (saved in the state dict) is assigned and frozen, so
//! it is saved and loaded but never trained; a non-persistent one is kept out of the
//! parameter tree altogether.
//!
//! Example: `self.register_buffer("bias", mask)` →
//! `self.bias = mask` + `self.freeze(keys=["bias"], recurse=False)`;
//! `self.register_buffer("cos", c, persistent=False)` → `object.__setattr__(self, "cos", c)`.
//!
//! Fix safety: safe. Note that `model.unfreeze()` would unfreeze persistent buffers again.

use super::context::{argument, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct RegisterBuffer;
pub static RULE: RegisterBuffer = RegisterBuffer;

impl Rule for RegisterBuffer {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "register-buffer", step: "1", checklist: "torch-semantics", summary: "register_buffer → frozen attribute / out of the tree" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtExpr])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        let Stmt::Expr(statement) = stmt else { return };
        let Expr::Call(call) = statement.value.as_ref() else { return };
        let Expr::Attribute(method) = call.func.as_ref() else { return };
        if method.attr.as_str() != "register_buffer" || !cx.in_module() {
            return;
        }
        let range = span(stmt);
        let (Some(Expr::StringLiteral(name)), Some(value)) = (argument(call, 0, "name"), argument(call, 1, "tensor")) else {
            out.manual(range, "register_buffer with a computed name: assign the array and freeze it by hand");
            return;
        };
        let name = name.value.to_str();
        let owner = cx.src(method.value.as_ref());
        let persistent = match keyword(call, "persistent").map(|k| &k.value) {
            None => true,
            Some(Expr::BooleanLiteral(b)) => b.value,
            Some(_) => {
                out.manual(range, "register_buffer(persistent=<expression>): decide freeze (persistent) or out-of-tree (not) by hand");
                return;
            }
        };
        let indent = cx.indent_of(stmt);
        // A value spanning lines was inside the call's parentheses; keep it inside some.
        let (open, close) = if cx.src(value).contains('\n') { ("(", ")") } else { ("", "") };
        let edit = if persistent {
            Edit::template(range.clone(), vec![
                text(format!("{owner}.{name} = {open}")),
                hole(value),
                text(format!("{close}\n{indent}{owner}.freeze(keys=[\"{name}\"], recurse=False)  # a buffer: saved, not trained")),
            ])
        } else {
            Edit::template(range.clone(), vec![text(format!("object.__setattr__({owner}, \"{name}\", ")), hole(value), text(")  # non-persistent buffer: kept out of the parameter tree")])
        };
        let message = if persistent {
            "persistent buffer → assigned and frozen: in MLX every public array is a trainable parameter"
        } else {
            "non-persistent buffer → kept out of the parameter tree (not saved, not trained)"
        };
        out.safe(range, message, vec![edit]);
    }
}
