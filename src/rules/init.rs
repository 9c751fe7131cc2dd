//! init: `nn.init.*_` in-place initialisers → MLX initialisers assigned back;
//! `self.apply(fn)` → `self.apply_to_modules(...)`.
//!
//! Why: MLX initialisers return a NEW array (float32 unless given a dtype) and change
//! nothing in place, so the result must be assigned back to the module; rebinding a loop
//! variable does nothing (mlx-traps #10). `kaiming_*` defaults to gain √2 in torch (for
//! relu/leaky_relu with a=0) but MLX's `he_*` to 1 (#11). MLX `Module.apply` maps arrays,
//! not submodules; `apply_to_modules` visits modules (#9).
//!
//! Example: `torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)` →
//! `module.weight = nn.init.normal(mean=0.0, std=0.02, dtype=module.weight.dtype)(module.weight)`;
//! in `for pn, p in self.named_parameters(): ... normal_(p, ...)` →
//! `self.update(tree_unflatten([(pn, nn.init.normal(...)(p))]))`;
//! `self.apply(self._init_weights)` → `self.apply_to_modules(lambda _, m: self._init_weights(m))`.
//!
//! An initialiser of a plain name (`nn.init.zeros_(w)`), or one whose result is used as a value
//! (`w = nn.init.orthogonal_(self.weight)`), becomes portui_shims' in-place initialiser of the
//! same name and arguments: it fills the array through `w[...] = ...`, which changes that array
//! object, so every reference to it sees the new values, and returns it, as torch's do.
//!
//! Fix safety: safe for attribute targets; review for the loop form, kaiming's gain and the
//! in-place shims (an array sliced from another is a view in torch, a copy in MLX; xavier's
//! and kaiming's fans of an array of 3 or more axes are read off MLX's layout); manual for
//! initialisers without an MLX counterpart (dirac, sparse), and for a value-form initialiser of
//! a slice (MLX's slice is a copy). trunc_normal_ is a shim's (mx.random.truncated_normal,
//! scaled: torch's bounds are absolute, not in stds).

use super::calls::method_call;
use super::context::{argument, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct Init;
pub static RULE: Init = Init;

impl Rule for Init {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "init", step: "1", checklist: "torch-semantics", summary: "nn.init.*_ → initialiser assigned back; apply → apply_to_modules" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtExpr, NodeKind::ExprCall])
    }

    /// An initialiser whose result is a value (not a statement of its own): the in-place shim.
    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        if matches!(cx.stmt(), Some(Stmt::Expr(statement)) if std::ptr::eq(statement.value.as_ref(), expr)) {
            return; // check_stmt
        }
        let Some(q) = cx.torch_name(&call.func) else { return };
        let Some(name) = q.strip_prefix("torch.nn.init.") else { return };
        if !IN_PLACE_SHIMS.contains(&name) {
            return;
        }
        let Some(target) = argument(call, 0, "tensor") else { return };
        if matches!(target, Expr::Name(_) | Expr::Attribute(_)) {
            in_place_shim(call, name, out);
        } else {
            out.manual(span(call), format!("nn.init.{name} on `{}` used as a value: MLX indexing copies, so filling the slice changes nothing else; initialise the whole array and assign it back", cx.src(target)));
        }
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        let Stmt::Expr(statement) = stmt else { return };
        let Expr::Call(call) = statement.value.as_ref() else { return };
        let range = span(stmt);
        // self.apply(fn)
        if let Some((receiver, "apply")) = method_call(call)
            && cx.in_module()
            && matches!(receiver, Expr::Name(n) if n.id.as_str() == "self")
            && let [function] = &call.arguments.args[..]
        {
            let edit = Edit::template(span(call), vec![hole(receiver), text(".apply_to_modules(lambda _, m: "), hole(function), text("(m))")]);
            out.safe(range, "MLX apply maps arrays; apply_to_modules visits submodules like torch's apply", vec![edit]);
            return;
        }
        let Some(q) = cx.torch_name(&call.func) else { return };
        let Some(name) = q.strip_prefix("torch.nn.init.") else { return };
        let Some(target) = argument(call, 0, "tensor") else { return };
        let rest = call.arguments.iter_source_order().skip(1).map(|a| match a {
            ast::ArgOrKeyword::Arg(e) => span(e),
            ast::ArgOrKeyword::Keyword(k) => span(k),
        });
        let rest: Vec<_> = rest.collect();
        let rest_piece = rest.first().map(|first| Piece::Source(first.start..rest.last().expect("non-empty").end));
        let t = cx.src(target);
        if let Expr::Name(variable) = target
            && IN_PLACE_SHIMS.contains(&name)
            && named_parameters_loop(cx, variable.id.as_str()).is_none()
        {
            in_place_shim(call, name, out);
            return;
        }
        let initialiser: Vec<Piece> = match name {
            "normal_" | "uniform_" => {
                let (function, renames): (&str, &[(&str, &str)]) = if name == "normal_" { ("normal", &[]) } else { ("uniform", &[("a", "low"), ("b", "high")]) };
                let mut p = vec![text(format!("nn.init.{function}("))];
                if let Some(r) = &rest_piece {
                    p.push(r.clone());
                    p.push(text(", "));
                }
                p.push(text(format!("dtype={t}.dtype)(")));
                p.push(hole(target));
                p.push(text(")"));
                if !renames.is_empty() && (keyword(call, "a").is_some() || keyword(call, "b").is_some()) {
                    out.manual(range, "uniform_(a=, b=): use nn.init.uniform(low, high)");
                    return;
                }
                p
            }
            "trunc_normal_" => {
                let mut p = vec![text("portui_shims.trunc_normal("), hole(target)];
                if let Some(r) = &rest_piece {
                    p.extend([text(", "), r.clone()]);
                }
                p.push(text(")"));
                p
            }
            "zeros_" => vec![text("mx.zeros_like("), hole(target), text(")")],
            "ones_" => vec![text("mx.ones_like(")
                , hole(target), text(")")],
            "constant_" => {
                let Some(value) = argument(call, 1, "val") else { return };
                vec![text(format!("mx.full({t}.shape, ")), hole(value), text(format!(", dtype={t}.dtype)"))]
            }
            "xavier_uniform_" | "xavier_normal_" => {
                let function = if name == "xavier_uniform_" { "glorot_uniform" } else { "glorot_normal" };
                let mut p = vec![text(format!("nn.init.{function}(dtype={t}.dtype)(")), hole(target)];
                if let Some(gain) = argument(call, 1, "gain") {
                    p.extend([text(", gain="), hole(gain)]);
                }
                p.push(text(")"));
                p
            }
            "kaiming_normal_" | "kaiming_uniform_" => {
                let function = if name == "kaiming_normal_" { "he_normal" } else { "he_uniform" };
                let Some(gain) = kaiming_gain(cx, call) else {
                    let nonlinearity = argument(call, 3, "nonlinearity").map_or("", |n| cx.src(n));
                    out.manual(range, format!("{name} with a={}/nonlinearity={nonlinearity}: pass gain=torch.nn.init.calculate_gain(...) to nn.init.{function}", argument(call, 1, "a").map_or("0", |a| cx.src(a))));
                    return;
                };
                let mode = argument(call, 2, "mode").map_or("\"fan_in\"", |m| cx.src(m));
                vec![text(format!("nn.init.{function}(dtype={t}.dtype)(")), hole(target), text(format!(", mode={mode}, gain={gain})"))]
            }
            "eye_" | "orthogonal_" => {
                let mut p = vec![text(format!("portui_shims.{name}(")), hole(target)];
                if let Some(r) = &rest_piece {
                    p.extend([text(", "), r.clone()]);
                }
                p.push(text(")"));
                p
            }
            _ => {
                out.manual(range, format!("nn.init.{name}: no MLX initialiser with this meaning; compute the array with mx operations (mx.random for a random one) and assign it back"));
                return;
            }
        };
        let assignable = matches!(target, Expr::Attribute(_) | Expr::Subscript(_));
        if assignable {
            let mut pieces = vec![hole(target), text(" = ")];
            pieces.extend(initialiser);
            out.fix(range, if name.starts_with("kaiming") { crate::fix::Applicability::Review } else { crate::fix::Applicability::Safe }, format!("nn.init.{name} → MLX initialiser assigned back (MLX initialisers return new arrays)"), vec![Edit::template(span(call), pieces)]);
            return;
        }
        if let Expr::Name(variable) = target
            && let Some((name_var, owner)) = named_parameters_loop(cx, variable.id.as_str())
        {
            let mut pieces = vec![text(format!("{owner}.update(tree_unflatten([({name_var}, "))];
            pieces.extend(initialiser);
            pieces.push(text(")]))"));
            out.review(range, "initialising a parameter from a named_parameters loop: assign it back with update (rebinding the loop variable does nothing in MLX)", vec![Edit::template(span(call), pieces)]);
            return;
        }
        out.manual(range, format!("nn.init.{name} on `{t}`: MLX initialisers return a new array: assign it back to the module attribute"));
    }
}

/// torch's `calculate_gain` for a kaiming call's `nonlinearity` (a string literal, default
/// leaky_relu) and `a`, as Python for MLX's `gain=`: MLX's `he_*` default to gain 1, torch's
/// kaiming to the gain of its nonlinearity. `None` when the nonlinearity is not a literal
/// torch knows.
fn kaiming_gain(cx: &Context, call: &ast::ExprCall) -> Option<String> {
    let nonlinearity = match argument(call, 3, "nonlinearity") {
        None => "leaky_relu",
        Some(Expr::StringLiteral(s)) => s.value.to_str(),
        Some(_) => return None,
    };
    let a = argument(call, 1, "a").map(|a| cx.src(a));
    Some(match nonlinearity {
        "relu" => "math.sqrt(2.0)".into(),
        "leaky_relu" => match a {
            None | Some("0" | "0.0" | "None") => "math.sqrt(2.0)".into(),
            Some(a) => format!("math.sqrt(2.0 / (1 + ({a}) ** 2))"),
        },
        "linear" | "identity" | "sigmoid" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d"
        | "conv_transpose2d" | "conv_transpose3d" => "1.0".into(),
        "tanh" => "5.0 / 3".into(),
        "selu" => "0.75".into(),
        _ => return None,
    })
}

/// Initialisers portui_shims has an in-place version of (same name, same parameters).
const IN_PLACE_SHIMS: &[&str] = &[
    "zeros_",
    "ones_",
    "constant_",
    "normal_",
    "uniform_",
    "trunc_normal_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "eye_",
    "orthogonal_",
];

/// `nn.init.NAME_(w, ...)` → `portui_shims.NAME_(w, ...)`: the shim fills `w` in place and
/// returns it, as torch's initialiser does.
fn in_place_shim(call: &ast::ExprCall, name: &str, out: &mut Findings) {
    let mut message = format!("nn.init.{name} → portui_shims.{name}: fills the array in place (every reference to it sees the new values) and returns it; an array sliced from another (a view in torch) is a copy in MLX");
    if name.starts_with("xavier") || name.starts_with("kaiming") {
        message.push_str("; the fans of an array of 3 or more axes are read off MLX's conv layout (O, *k, I)");
    }
    if !name.starts_with("zeros") && !name.starts_with("ones") && !name.starts_with("constant") && name != "eye_" {
        message.push_str("; MLX's generator differs: same distribution, other numbers");
    }
    out.review(span(call), message, vec![Edit::replace(span(call.func.as_ref()), format!("portui_shims.{name}"))]);
}

/// The enclosing `for NAME, VAR in OWNER.named_parameters():` for loop variable `var`.
fn named_parameters_loop<'a>(cx: &Context<'a>, var: &str) -> Option<(&'a str, &'a str)> {
    cx.stmt_stack.iter().rev().find_map(|stmt| {
        let Stmt::For(for_stmt) = stmt else { return None };
        let Expr::Tuple(targets) = for_stmt.target.as_ref() else { return None };
        let [Expr::Name(name), Expr::Name(value)] = &targets.elts[..] else { return None };
        if value.id.as_str() != var {
            return None;
        }
        let Expr::Call(call) = for_stmt.iter.as_ref() else { return None };
        let (owner, method) = method_call(call)?;
        (method == "named_parameters").then(|| (cx.src(name), cx.src(owner)))
    })
}
