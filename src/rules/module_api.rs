//! module-api: torch `nn.Module` methods → MLX's: `named_parameters()` →
//! `tree_flatten(parameters())`, parameter counts, `state_dict()`, `load_state_dict(d)`,
//! `m.bias is not None`, `requires_grad_(False)`, `add_module(name, m)`, `named_children()`,
//! `children()`, `model.half()` / `.float()` / `.bfloat16()`.
//!
//! Why: MLX `parameters()` returns a nested dict, not an iterator of tensors; its flattened
//! names are torch's dotted names. A parameter count over `parameters()` must use
//! `trainable_parameters()` so frozen buffers are not counted (mlx-traps #27). A Linear
//! built with `bias=False` has no `bias` key at all in MLX, so `m.bias is not None` raises
//! AttributeError; `"bias" in m` asks the right question (#12).
//!
//! Example: `for pn, p in self.named_parameters():` →
//! `for pn, p in tree_flatten(self.parameters()):`;
//! `sum(p.numel() for p in self.parameters())` →
//! `sum(p.size for _, p in tree_flatten(self.trainable_parameters()))`;
//! `module.bias is not None` → `"bias" in module`; `model.load_state_dict(sd)` →
//! `model.load_weights(list(sd.items()))`; `self.add_module("layer1", m)` →
//! `setattr(self, "layer1", m)`; `self.add_module(*stage)` → `setattr(self, *stage)`;
//! `for name, child in m.named_children():` → `portui_shims.named_children(m)` (MLX modules
//! have none, and their `children()` is a dict of names); `model.half()` →
//! `portui_shims.to(model, mx.float16)` (MLX modules cast with `set_dtype`, which returns
//! None). The bias check applies in a
//! module's code and on a module given to a function (`init_weights(module)`).
//!
//! Fix safety: review: MLX's `parameters()` includes frozen arrays (buffers), torch's does not.

use super::calls::method_call;
use super::context::{hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, CmpOp, Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct ModuleApi;
pub static RULE: ModuleApi = ModuleApi;

impl Rule for ModuleApi {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "module-api", step: "1", checklist: "torch-semantics", summary: "named_parameters/state_dict/load_state_dict/bias checks/named_children → MLX" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtFor, NodeKind::ExprCall, NodeKind::ExprCompare, NodeKind::ExprGenerator, NodeKind::ExprListComp, NodeKind::ExprDictComp, NodeKind::ExprSetComp])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        if let Stmt::For(for_stmt) = stmt {
            self.parameter_iteration(cx, &for_stmt.target, &for_stmt.iter, out);
        }
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        if !cx.semantic.imports_torch() {
            return;
        }
        match expr {
            Expr::Generator(g) => g.generators.iter().for_each(|c| self.parameter_iteration(cx, &c.target, &c.iter, out)),
            Expr::ListComp(g) => g.generators.iter().for_each(|c| self.parameter_iteration(cx, &c.target, &c.iter, out)),
            Expr::DictComp(g) => g.generators.iter().for_each(|c| self.parameter_iteration(cx, &c.target, &c.iter, out)),
            Expr::SetComp(g) => g.generators.iter().for_each(|c| self.parameter_iteration(cx, &c.target, &c.iter, out)),
            Expr::Compare(compare) => self.bias_check(cx, compare, out),
            Expr::Call(call) => {
                self.bias_check_through_helper(cx, call, out);
                let Some((receiver, method)) = method_call(call) else { return };
                // MLX modules have no named_children at all: whatever the receiver, a call of it
                // is a torch module's (or fails in the port).
                if method == "named_children" && call.arguments.is_empty() && !cx.is_torch(receiver) {
                    children(cx, call, receiver, "named_children", out);
                    return;
                }
                // `model.half()`: MLX modules have no half/float/bfloat16, and set_dtype returns None.
                if let Some(dtype) = module_cast_dtype(method)
                    && call.arguments.is_empty()
                    && !cx.is_torch(receiver)
                    && super::api::module_like(cx, receiver)
                {
                    let range = span(call);
                    out.safe(range.clone(), format!("{method}() on a module → portui_shims.to(module, {dtype}): it casts the module's floating-point arrays in place (set_dtype) and returns the module, as torch's does"), vec![Edit::template(range, vec![text("portui_shims.to("), hole(receiver), text(format!(", {dtype})"))])]);
                    return;
                }
                let relevant = matches!(method, "state_dict" | "load_state_dict" | "requires_grad_" | "add_module" | "register_module" | "children");
                if !relevant || cx.is_torch(receiver) || !module_like(cx, receiver) {
                    return;
                }
                let range = span(call);
                match method {
                    "state_dict" if call.arguments.is_empty() => {
                        out.review(range.clone(), "state_dict() → dict(tree_flatten(parameters())): the same dotted names (frozen buffers included)", vec![Edit::template(range, vec![text("dict(tree_flatten("), hole(receiver), text(".parameters()))")])]);
                    }
                    "load_state_dict" => {
                        let Some(state) = call.arguments.args.first() else { return };
                        if let Expr::Call(inner) = state
                            && cx.torch_name(&inner.func).as_deref() == Some("torch.load")
                        {
                            return; // the serialization rule turns this into load_weights(path)
                        }
                        out.review(range.clone(), "load_state_dict(d) → load_weights(list(d.items())) (values must be mx arrays, names as in the MLX model)", vec![Edit::template(range, vec![hole(receiver), text(".load_weights(list("), hole(state), text(".items()))")])]);
                    }
                    "children" if call.arguments.is_empty() => children(cx, call, receiver, "children", out),
                    // `self.add_module(*stage)` with a (name, module) pair.
                    "add_module" | "register_module" if matches!(&call.arguments.args[..], [Expr::Starred(_)]) && call.arguments.keywords.is_empty() => {
                        let pair = &call.arguments.args[0];
                        out.safe(range.clone(), format!("{method}(*pair) → setattr(module, *pair): an MLX module's children are its attributes, under the same names"), vec![Edit::template(range, vec![text("setattr("), hole(receiver), text(", "), hole(pair), text(")")])]);
                    }
                    "add_module" | "register_module" if call.arguments.args.len() == 2 && call.arguments.keywords.is_empty() => {
                        let [name, module] = &call.arguments.args[..] else { return };
                        out.safe(range.clone(), format!("{method}(name, m) → setattr(module, name, m): an MLX module's children are its attributes, under the same names"), vec![Edit::template(range, vec![text("setattr("), hole(receiver), text(", "), hole(name), text(", "), hole(module), text(")")])]);
                    }
                    "requires_grad_" => {
                        let frozen = call.arguments.args.first().is_some_and(|a| matches!(a, Expr::BooleanLiteral(b) if !b.value));
                        let to = if frozen { "freeze" } else { "unfreeze" };
                        let Expr::Attribute(attribute) = call.func.as_ref() else { return };
                        out.review(range.clone(), format!("requires_grad_ → {to}() (module-level)"), vec![Edit::replace(span(&attribute.attr).start..range.end, format!("{to}()"))]);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

impl ModuleApi {
    /// `for p in m.parameters()` / `for n, p in m.named_parameters()`.
    fn parameter_iteration(&self, cx: &Context, target: &Expr, iter: &Expr, out: &mut Findings) {
        let Expr::Call(call) = iter else { return };
        let Some((owner, method)) = method_call(call) else { return };
        let relevant = matches!(method, "parameters" | "named_parameters");
        if !relevant || !call.arguments.is_empty() || cx.is_torch(owner) || !module_like(cx, owner) {
            return;
        }
        let range = span(call);
        match method {
            "named_parameters" => {
                out.review(range.clone(), "named_parameters() → tree_flatten(parameters()): (name, array) pairs with the same dotted names", vec![Edit::template(range, vec![text("tree_flatten("), hole(owner), text(".parameters())")])]);
            }
            "parameters" => {
                let edits = vec![
                    Edit::template(span(target), vec![text("_, "), hole(target)]),
                    Edit::template(range.clone(), vec![text("tree_flatten("), hole(owner), text(".trainable_parameters())")]),
                ];
                out.review(range, "iterating parameters() → tree_flatten(trainable_parameters()) (MLX's parameters() is a nested dict and includes frozen buffers)", edits);
            }
            _ => {}
        }
    }

    fn bias_check(&self, cx: &Context, compare: &ast::ExprCompare, out: &mut Findings) {
        let ([op], [Expr::NoneLiteral(_)]) = (&compare.ops[..], &compare.comparators[..]) else { return };
        let negated = match op {
            CmpOp::IsNot => false,
            CmpOp::Is => true,
            _ => return,
        };
        membership_test(cx, span(compare), compare.left.as_ref(), negated, out);
    }

    /// `exists(m.bias)`, with a helper of the file that says whether its argument is not None
    /// (`def exists(val): return val is not None`, vit-pytorch's and lucidrains' idiom).
    fn bias_check_through_helper(&self, cx: &Context, call: &ast::ExprCall, out: &mut Findings) {
        let (Expr::Name(helper), [argument]) = (call.func.as_ref(), &call.arguments.args[..]) else { return };
        if !call.arguments.keywords.is_empty() {
            return;
        }
        let Some(negated) = none_test(cx, helper.id.as_str()) else { return };
        membership_test(cx, span(call), argument, negated, out);
    }
}

/// `m.bias is not None` (or `is None`, `negated`) over `range` → `"bias" in m` (`not in`).
fn membership_test(cx: &Context, range: std::ops::Range<usize>, tested: &Expr, negated: bool, out: &mut Findings) {
    let Expr::Attribute(attribute) = tested else { return };
    // In a module's code, or on a module passed to a function (timm's `init_weights(module)`).
    if !matches!(attribute.attr.as_str(), "bias" | "weight") || !cx.in_module() && cx.class.is_none() && !module_like(cx, attribute.value.as_ref()) {
        return;
    }
    let negation = if negated { "not " } else { "" };
    let quote = string_quote_inside(cx);
    let edit = Edit::template(range.clone(), vec![text(format!("{quote}{}{quote} {negation}in ", attribute.attr)), hole(attribute.value.as_ref())]);
    out.safe(range, format!("an MLX layer built without {0} has no `{0}` key: test membership", attribute.attr), vec![edit]);
}

/// For a function of the file that only says whether its one argument is None: `Some(false)`
/// for `return val is not None`, `Some(true)` for `return val is None`.
fn none_test(cx: &Context, name: &str) -> Option<bool> {
    cx.module.body.iter().find_map(|stmt| {
        let Stmt::FunctionDef(function) = stmt else { return None };
        if function.name.as_str() != name {
            return None;
        }
        let [parameter] = &function.parameters.args[..] else { return None };
        let [Stmt::Return(ret)] = &function.body[..] else { return None };
        let Some(Expr::Compare(compare)) = ret.value.as_deref() else { return None };
        let ([op], [Expr::NoneLiteral(_)]) = (&compare.ops[..], &compare.comparators[..]) else { return None };
        let Expr::Name(tested) = compare.left.as_ref() else { return None };
        if tested.id.as_str() != parameter.parameter.name.as_str() {
            return None;
        }
        match op {
            CmpOp::IsNot => Some(false),
            CmpOp::Is => Some(true),
            _ => None,
        }
    })
}


/// `m.named_children()` / `m.children()` → portui_shims': torch's direct child modules in the
/// order they were set. MLX has no named_children, and its children() is a dict of names (a
/// loop over it gets the names); a list of modules (a ported ModuleList) is a child with its
/// items as children, as torch's ModuleList is.
fn children(cx: &Context, call: &ast::ExprCall, receiver: &Expr, method: &str, out: &mut Findings) {
    let range = span(call);
    let edits = vec![Edit::template(range.clone(), vec![text(format!("portui_shims.{method}(")), hole(receiver), text(")")])];
    let message = format!("{method}() → portui_shims.{method}(module): torch's direct child modules in the order they were set (MLX's children() is a dict of names; a ported ModuleList, a list, is a child too)");
    if module_like(cx, receiver) {
        out.safe(range, message, edits);
    } else {
        out.review(range, format!("{message} (receiver not known to be a module: check it is one)"), edits);
    }
}

/// Receivers that are (probably) modules: `self`, `model`, `module`, `m`, a layer attribute,
/// or a name assigned an instance of a module class of this file (`dst = Net()`).
/// The MLX dtype a torch module cast method casts to (`double` is the float64 rule's).
fn module_cast_dtype(method: &str) -> Option<&'static str> {
    match method {
        "half" => Some("mx.float16"),
        "float" => Some("mx.float32"),
        "bfloat16" => Some("mx.bfloat16"),
        _ => None,
    }
}

fn module_like(cx: &Context, expr: &Expr) -> bool {
    match expr {
        Expr::Name(name) => matches!(name.id.as_str(), "self" | "model" | "module" | "m" | "net" | "raw_model") || cx.module_instance(name.id.as_str()),
        Expr::Attribute(_) => cx.layer_type(expr).is_some() || matches!(expr, Expr::Attribute(a) if a.attr.as_str() == "module"),
        _ => false,
    }
}

/// The quote for a string literal written where the expression being visited is: inside an
/// f-string's replacement field, the quote the f-string does not use (before Python 3.12 the
/// same quote ends the f-string).
fn string_quote_inside(cx: &Context) -> char {
    let enclosing_quote = cx.expr_stack.iter().rev().find_map(|expr| match expr {
        Expr::FString(_) => cx.text[span(*expr).start..].chars().find(|c| matches!(c, '"' | '\'')),
        _ => None,
    });
    if enclosing_quote == Some('"') { '\'' } else { '"' }
}
