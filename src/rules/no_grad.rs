//! no-grad: `with torch.no_grad():`, `torch.inference_mode()`, `torch.enable_grad()`,
//! `torch.set_grad_enabled(...)` and autocast contexts and decorators are removed.
//!
//! Why: MLX computes gradients only inside `mx.grad`/`nn.value_and_grad`, so there is nothing
//! to switch off; autocast has no MLX counterpart (use explicit dtypes); with unified memory
//! there is no device to enter (`with torch.cuda.device(0):`).
//!
//! Example: `@torch.no_grad()` above `def generate(...)` → (decorator removed);
//! `with torch.no_grad():\n    y = model(x)` → `y = model(x)` (body dedented).
//!
//! A mode called anywhere else (`ctx = torch.no_grad()`, `torch.set_grad_enabled(False)` as a
//! statement, `torch.no_grad(f)`, `torch.autocast("cuda")` passed on) becomes
//! `portui_shims.grad_mode(...)`: a context and decorator that changes nothing, which returns
//! the function it is given, as torch returns it decorated. The class named as a value
//! (`context = nullcontext if last else torch.no_grad`) becomes `portui_shims.grad_mode`.
//!
//! Fix safety: safe for decorators and for `with` blocks whose body has no multi-line strings
//! (dedenting would change them); otherwise manual. Autocast removal is review: the code now
//! runs in the dtypes its arrays have. The modes as values are review: a value computed under
//! no_grad inside a function mx.grad differentiates carries gradients in MLX.

use super::{Context, Findings, QualifiedName, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct NoGrad;
pub static RULE: NoGrad = NoGrad;

const CONTEXTS: &[&str] = &[
    "torch.no_grad", "torch.inference_mode", "torch.enable_grad", "torch.set_grad_enabled",
    "torch.autograd.no_grad", "torch.autograd.enable_grad", "torch.autograd.set_grad_enabled",
    "torch.autograd.inference_mode", "torch.autograd.grad_mode.no_grad",
    "torch.autograd.grad_mode.enable_grad", "torch.autograd.grad_mode.set_grad_enabled",
    "torch.autograd.grad_mode.inference_mode",
    "torch.autocast", "torch.cuda.amp.autocast", "torch.amp.autocast", "torch.cpu.amp.autocast",
    "torch.cuda.amp.autocast_mode.autocast", "torch.amp.autocast_mode.autocast",
    "torch.cpu.amp.autocast_mode.autocast",
    "torch.cuda.device",
];

impl Rule for NoGrad {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "no-grad", step: "2", checklist: "no-grad-removed", summary: "no_grad/inference_mode/autocast contexts removed" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtFunctionDef, NodeKind::StmtWith, NodeKind::ExprCall, NodeKind::ExprAttribute, NodeKind::ExprName])
    }

    /// A mode called outside a `with` item or a decorator: portui_shims.grad_mode.
    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        if matches!(expr, Expr::Name(_) | Expr::Attribute(_)) {
            mode_as_a_value(cx, expr, out);
            return;
        }
        let Expr::Call(call) = expr else { return };
        let Some(q) = cx.torch_name(&call.func) else { return };
        if !CONTEXTS.contains(&q.as_str()) || q == "torch.cuda.device" {
            return;
        }
        let handled = match cx.stmt() {
            Some(Stmt::With(with)) => with.items.iter().any(|i| std::ptr::eq(&i.context_expr, expr)),
            Some(Stmt::FunctionDef(function)) => function.decorator_list.iter().any(|d| std::ptr::eq(&d.expression, expr)),
            _ => false,
        };
        if handled {
            return;
        }
        let why = if q.contains("autocast") {
            "MLX has no autocast: the code runs in the dtypes its arrays have"
        } else {
            "MLX has no gradient mode (gradients exist only inside mx.grad / nn.value_and_grad); a value computed under no_grad inside a function mx.grad differentiates carries gradients in MLX: wrap it in mx.stop_gradient there"
        };
        out.review(
            span(call),
            format!("{q}(...) as a value → portui_shims.grad_mode(...): a context and decorator that changes nothing (given a function, it returns it); {why}"),
            vec![Edit::replace(span(call.func.as_ref()), "portui_shims.grad_mode")],
        );
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        match stmt {
            Stmt::FunctionDef(function) => {
                for decorator in &function.decorator_list {
                    let Some(q) = self.context_name(cx, &decorator.expression) else { continue };
                    let range = span(decorator);
                    let line_start = cx.text[..range.start].rfind('\n').map_or(0, |i| i + 1);
                    let line_end = cx.text[range.end..].find('\n').map_or(cx.text.len(), |n| range.end + n + 1);
                    out.safe(range, format!("@{q}: gradients are explicit in MLX"), vec![Edit::delete(line_start..line_end)]);
                }
            }
            Stmt::With(with) => {
                let removable: Vec<_> = with.items.iter().filter(|i| self.context_name(cx, &i.context_expr).is_some()).collect();
                if removable.is_empty() {
                    return;
                }
                let range = span(stmt);
                let what = removable.iter().map(|i| cx.src(&i.context_expr)).collect::<Vec<_>>().join(", ");
                if removable.len() < with.items.len() || removable.iter().any(|i| i.optional_vars.is_some()) {
                    out.manual(range, format!("remove {what} from this with-statement (MLX computes gradients only where asked)"));
                    return;
                }
                match dedent_edits(cx, stmt) {
                    Some(edits) => {
                        let finding = out.safe(span(&with.items[0]), format!("`with {what}`: not needed, body dedented"), edits);
                        if what.contains("cuda.device") {
                            finding.checklist = "device-removed";
                        }
                    }
                    None => {
                        out.manual(range, format!("`with {what}`: remove it and dedent the body (portui does not dedent blocks with multi-line strings)"));
                    }
                }
            }
            _ => {}
        }
    }
}

impl NoGrad {
    fn context_name(&self, cx: &Context, expr: &Expr) -> Option<QualifiedName> {
        let func = match expr {
            Expr::Call(call) => call.func.as_ref(),
            other => other,
        };
        let q = cx.torch_name(func)?;
        CONTEXTS.contains(&q.as_str()).then_some(q)
    }
}

/// Delete the `with` header line and remove one indentation level from each body line.
fn dedent_edits(cx: &Context, stmt: &Stmt) -> Option<Vec<Edit>> {
    let Stmt::With(with) = stmt else { return None };
    let text = cx.text;
    let header_start = text[..span(stmt).start].rfind('\n').map_or(0, |i| i + 1);
    let first = with.body.first()?;
    let body_start = text[..span(first).start].rfind('\n').map_or(0, |i| i + 1);
    if body_start <= header_start {
        return None; // `with x: y` on one line
    }
    let outer = &text[header_start..span(stmt).start];
    let inner = &text[body_start..span(first).start];
    if !inner.starts_with(outer) || inner.len() <= outer.len() || inner.trim() != "" {
        return None;
    }
    let cut = inner.len() - outer.len();
    let body_end = span(stmt).end;
    let body = &text[body_start..body_end];
    if body.contains("\"\"\"") || body.contains("'''") || body.contains("\\\n") {
        return None;
    }
    let mut edits = vec![Edit::delete(header_start..body_start)];
    let mut offset = body_start;
    for line in body.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if line.trim().is_empty() {
            offset += line.len();
            continue;
        }
        if indent < cut {
            return None;
        }
        edits.push(Edit::delete(offset..offset + cut));
        offset += line.len();
    }
    Some(edits)
}

/// `context = nullcontext if last_step else torch.no_grad` (x-transformers), the class named
/// and called later (`with context():`): `portui_shims.grad_mode`, called later just the same.
fn mode_as_a_value(cx: &Context, expr: &Expr, out: &mut Findings) {
    let called_or_link = match cx.parent_expr() {
        Some(Expr::Call(call)) => span(call.func.as_ref()) == span(expr),
        Some(Expr::Attribute(attribute)) => span(attribute.value.as_ref()) == span(expr),
        _ => false,
    };
    let decorator = matches!(cx.stmt(), Some(Stmt::FunctionDef(function)) if cx.expr_stack.is_empty() && function.decorator_list.iter().any(|d| span(&d.expression) == span(expr)));
    if called_or_link || decorator {
        return;
    }
    let Some(q) = cx.torch_name(expr) else { return };
    if !CONTEXTS.contains(&q.as_str()) || q == "torch.cuda.device" || q.contains("autocast") {
        return;
    }
    out.review(
        span(expr),
        format!("{q} (the class, as a value) → portui_shims.grad_mode: a context and decorator that changes nothing; MLX has no gradient mode (gradients exist only inside mx.grad / nn.value_and_grad)"),
        vec![Edit::replace(span(expr), "portui_shims.grad_mode")],
    );
}
