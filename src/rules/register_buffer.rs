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
//! `self.name = nn.Buffer(t, persistent=...)` (torch 2.5's spelling of the same) likewise. A
//! name or `persistent` known only at run time (`self.register_buffer(f"{k}_freq", t,
//! persistent=False)`, `setattr(self, name, nn.Buffer(t, persistent=p))`) →
//! `portui_shims.register_buffer(self, name, t, persistent=...)`, which does the same then. A
//! non-persistent buffer changed in place later (`self.index.copy_(v)`) is assigned with
//! `object.__setattr__` too (the api rule asks `is_non_persistent_buffer`).
//!
//! A plain tensor attribute set in `__init__` (`self.pos = posemb_sincos_2d(...)`, neither a
//! buffer nor an `nn.Parameter`) is not in torch's state dict and is never trained: it is kept
//! out of the parameter tree as a non-persistent buffer is. Left as it is, MLX would train it,
//! and a strict `load_weights` of the converted checkpoint would demand it.
//!
//! Fix safety: safe. Note that `model.unfreeze()` would unfreeze persistent buffers again.

use super::context::{argument, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind, Stmt, StmtAssign};
use crate::parse::span;
use crate::semantic::self_attribute;
use crate::tensors::{Certainty, returns_tensor};

pub struct RegisterBuffer;
pub static RULE: RegisterBuffer = RegisterBuffer;

impl Rule for RegisterBuffer {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "register-buffer", step: "1", checklist: "torch-semantics", summary: "register_buffer → frozen attribute / out of the tree" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtExpr, NodeKind::StmtAssign])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        if let Stmt::Assign(assign) = stmt {
            if !buffer_assignment(cx, stmt, assign, out) {
                plain_tensor_attribute(cx, stmt, assign, out);
            }
            return;
        }
        if buffer_setattr(cx, stmt, out) {
            return;
        }
        let Stmt::Expr(statement) = stmt else { return };
        let Expr::Call(call) = statement.value.as_ref() else { return };
        let Expr::Attribute(method) = call.func.as_ref() else { return };
        if method.attr.as_str() != "register_buffer" || !cx.in_module() {
            return;
        }
        let (Some(name), Some(value)) = (argument(call, 0, "name"), argument(call, 1, "tensor")) else {
            return; // torch rejects a call without both
        };
        register(cx, stmt, method.value.as_ref(), name, value, keyword(call, "persistent").map(|k| &k.value), out);
    }
}

/// `setattr(self, name, nn.Buffer(t, persistent=...))`, transformers' spelling for buffers
/// named at run time (`f"{layer_type}_inv_freq"`): a registration too.
fn buffer_setattr(cx: &Context, stmt: &Stmt, out: &mut Findings) -> bool {
    let Stmt::Expr(statement) = stmt else { return false };
    let Expr::Call(call) = statement.value.as_ref() else { return false };
    let (Expr::Name(function), [owner, name, Expr::Call(buffer)]) = (call.func.as_ref(), &call.arguments.args[..]) else {
        return false;
    };
    if function.id.as_str() != "setattr" || !call.arguments.keywords.is_empty() || !is_buffer_class(cx, buffer) || !cx.in_module() {
        return false;
    }
    let Some(value) = argument(buffer, 0, "data") else {
        out.manual(span(stmt), "nn.Buffer() without data (an empty tensor): assign the array and freeze it by hand");
        return true;
    };
    register(cx, stmt, owner, name, value, keyword(buffer, "persistent").map(|k| &k.value), out);
    true
}

fn is_buffer_class(cx: &Context, call: &ast::ExprCall) -> bool {
    matches!(cx.torch_name(&call.func).as_deref(), Some("torch.nn.Buffer" | "torch.nn.parameter.Buffer"))
}

/// Whether the class being walked registers `name` as a non-persistent buffer
/// (`self.register_buffer("name", t, persistent=False)` in one of its methods): the port keeps
/// it out of the parameter tree, so a later assignment must too.
pub(crate) fn is_non_persistent_buffer(cx: &Context, name: &str) -> bool {
    fn registers(stmts: &[Stmt], name: &str) -> bool {
        stmts.iter().any(|stmt| {
            let registered = matches!(stmt, Stmt::Expr(statement) if matches!(statement.value.as_ref(), Expr::Call(call)
                if matches!(call.func.as_ref(), Expr::Attribute(method) if method.attr.as_str() == "register_buffer")
                && matches!(argument(call, 0, "name"), Some(Expr::StringLiteral(n)) if n.value.to_str() == name)
                && matches!(keyword(call, "persistent").map(|k| &k.value), Some(Expr::BooleanLiteral(b)) if !b.value)));
            registered || crate::parse::blocks(stmt).into_iter().any(|block| registers(block, name))
        })
    }
    cx.class.is_some_and(|class| registers(&class.body, name))
}

/// `self.name = nn.Buffer(t, persistent=...)` (torch >= 2.5): assigning a Buffer registers it,
/// as `register_buffer("name", t, persistent=...)` does. Whether the statement is one.
fn buffer_assignment(cx: &Context, stmt: &Stmt, assign: &StmtAssign, out: &mut Findings) -> bool {
    let [Expr::Attribute(target)] = &assign.targets[..] else { return false };
    let Expr::Call(call) = assign.value.as_ref() else { return false };
    if !is_buffer_class(cx, call) || !cx.in_module() {
        return false;
    }
    let Some(value) = argument(call, 0, "data") else {
        out.manual(span(stmt), "nn.Buffer() without data (an empty tensor): assign the array and freeze it by hand");
        return true;
    };
    let persistent = keyword(call, "persistent").map(|k| &k.value);
    register_named(cx, stmt, cx.src(target.value.as_ref()), target.attr.as_str(), value, persistent, out);
    true
}

/// `register_named` for a name given as an expression: a string literal's value, or
/// `portui_shims.register_buffer` for a name computed at run time.
fn register(cx: &Context, stmt: &Stmt, owner: &Expr, name: &Expr, value: &Expr, persistent: Option<&Expr>, out: &mut Findings) {
    match name {
        Expr::StringLiteral(literal) => register_named(cx, stmt, cx.src(owner), literal.value.to_str(), value, persistent, out),
        _ => register_at_run_time(stmt, cx.src(owner), hole(name), value, persistent, out),
    }
}

/// A buffer whose name, or whether it persists, is known only at run time: the shim decides as
/// the rewrite would for literals (assigned and frozen, or kept out of the tree).
fn register_at_run_time(stmt: &Stmt, owner: &str, name: Piece, value: &Expr, persistent: Option<&Expr>, out: &mut Findings) {
    let range = span(stmt);
    let mut pieces = vec![text(format!("portui_shims.register_buffer({owner}, ")), name, text(", "), hole(value)];
    if let Some(persistent) = persistent {
        pieces.extend([text(", persistent="), hole(persistent)]);
    }
    pieces.push(text(")"));
    out.safe(
        range.clone(),
        "buffer named or made persistent at run time → portui_shims.register_buffer: assigned and frozen when persistent (saved, not trained), kept out of the parameter tree when not",
        vec![Edit::template(range, pieces)],
    );
}

/// persistent (saved, not trained), kept out of the parameter tree when not.
fn register_named(cx: &Context, stmt: &Stmt, owner: &str, name: &str, value: &Expr, persistent: Option<&Expr>, out: &mut Findings) {
    let range = span(stmt);
    let persistent = match persistent {
        None => true,
        Some(Expr::BooleanLiteral(b)) => b.value,
        Some(_) => return register_at_run_time(stmt, owner, text(format!("\"{name}\"")), value, persistent, out),
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
        out_of_tree(range.clone(), owner, name, value, "non-persistent buffer")
    };
    let message = if persistent {
        "persistent buffer → assigned and frozen: in MLX every public array is a trainable parameter"
    } else {
        "non-persistent buffer → kept out of the parameter tree (not saved, not trained)"
    };
    out.safe(range, message, vec![edit]);
}

/// `self.name = <tensor>` in a module's `__init__`, where the tensor is built by torch or by a
/// helper of this file that returns one (a call or arithmetic). Values that may be parameters
/// (`self.emb.weight`, a name, `nn.Parameter(...)`) are left alone: assigning a parameter
/// registers it in torch too.
fn plain_tensor_attribute(cx: &Context, stmt: &Stmt, assign: &StmtAssign, out: &mut Findings) {
    let [target] = &assign.targets[..] else { return };
    let Some(name) = self_attribute(target) else { return };
    if !cx.in_module() || cx.function_name() != Some("__init__") {
        return;
    }
    let value = assign.value.as_ref();
    let built_by_helper = matches!(value, Expr::Call(call) if matches!(call.func.as_ref(), Expr::Name(helper)
        if cx.module.body.iter().any(|s| matches!(s, Stmt::FunctionDef(f)
            if f.name.as_str() == helper.id.as_str() && returns_tensor(f, cx.semantic)))));
    let computed = matches!(value, Expr::Call(_) | Expr::BinOp(_) | Expr::UnaryOp(_));
    let built_by_torch = computed && cx.tensor(value) == Certainty::Tensor;
    if !(built_by_helper || built_by_torch) {
        return;
    }
    let range = span(stmt);
    let edit = out_of_tree(range.clone(), "self", name, value, "a plain tensor attribute in torch");
    out.safe(
        range,
        "tensor attribute → kept out of the parameter tree: torch neither saves nor trains it, and MLX would do both",
        vec![edit],
    );
}

/// `object.__setattr__(owner, "name", value)`: MLX's `Module.__setattr__` would make the array
/// a parameter.
fn out_of_tree(range: std::ops::Range<usize>, owner: &str, name: &str, value: &Expr, why: &str) -> Edit {
    Edit::template(range, vec![
        text(format!("object.__setattr__({owner}, \"{name}\", ")),
        hole(value),
        text(format!(")  # {why}: kept out of the parameter tree")),
    ])
}

#[cfg(test)]
mod tests {
    /// The lines of `init` (statements of a module's `__init__`) this rule rewrites.
    fn rewritten(init: &str) -> Vec<String> {
        let source = format!(
            "import torch\nimport torch.nn as nn\n\n\ndef table(n):\n    return torch.arange(n).float()\n\n\ndef count(n):\n    return n + 1\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.emb = nn.Embedding(3, 4)\n{init}"
        );
        crate::rules::findings_of("register-buffer", &source)
            .into_iter()
            .map(|f| source[f.range].trim().to_string())
            .collect()
    }

    #[test]
    fn only_tensors_torch_neither_saves_nor_trains_leave_the_tree() {
        let plain = "        self.pos = table(3)\n        self.scale = torch.ones(4) * 2\n        self.copy = self.emb.weight.clone()\n";
        assert_eq!(rewritten(plain), plain.lines().map(str::trim).collect::<Vec<_>>());
        // Parameters (a tie, nn.Parameter), non-tensors and helpers returning numbers stay.
        let kept = "        self.tied = self.emb.weight\n        self.p = nn.Parameter(torch.zeros(3))\n        self.n = count(2)\n        self.layer = nn.Linear(2, 2)\n";
        assert_eq!(rewritten(kept), Vec::<String>::new());
    }
}
