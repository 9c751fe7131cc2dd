//! jit: TorchScript decorators (`@torch.jit.script`, `@torch.jit.ignore`, `@torch.jit.unused`,
//! `@torch.jit.export`, `@torch.jit._overload_method`...) removed; `torch.jit.Final[T]`
//! annotations → `T`; `torch._C._log_api_usage_once(...)` statements (torch's usage telemetry,
//! in torchvision's constructors) removed; so are torch.fx's tracing marks (`torch.fx.wrap("f")`
//! statements, `@torch.fx.wrap`), `torch._dynamo.mark_static_address(t)` statements (a hint to
//! torch.compile's CUDA graphs) and `@torch.compiler.disable`.
//!
//! Why: TorchScript compiles torch code ahead of time; MLX has no counterpart (`mx.compile`
//! traces pure functions at run time, see the compile rule). The decorators change nothing a
//! port computes, but they keep `import torch` alive. Calls (`torch.jit.is_scripting()`,
//! `torch.jit.script(f)`, `torch.jit.annotate(T, v)`) are in the API table.
//!
//! Example: `@torch.jit.ignore` above `def no_weight_decay(self)` → (decorator removed);
//! `fused: torch.jit.Final[bool]` → `fused: bool`.
//!
//! Fix safety: safe: TorchScript never changes the numbers.

use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct Jit;
pub static RULE: Jit = Jit;

impl Rule for Jit {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "jit", step: "7", checklist: "torch-semantics", summary: "TorchScript decorators removed (MLX has no TorchScript)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtFunctionDef, NodeKind::StmtExpr, NodeKind::ExprSubscript])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Subscript(subscript) = expr else { return };
        if cx.torch_name(&subscript.value).as_deref() == Some("torch.jit.Final") {
            let range = span(expr);
            out.safe(range.clone(), "torch.jit.Final[T]: TorchScript only; the annotation is T", vec![Edit::template(range, vec![super::context::hole(subscript.slice.as_ref())])]);
        }
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        if let Stmt::Expr(statement) = stmt
            && let Expr::Call(call) = statement.value.as_ref()
            && let Some(qualified) = cx.torch_name(&call.func)
            && let Some(why) = statement_without_effect(&qualified)
        {
            if let Some(edit) = cx.delete_statement(stmt, cx.is_sole_statement(stmt)) {
                out.safe(span(stmt), format!("{qualified}: {why}; removed"), vec![edit]);
            }
            return;
        }
        let Stmt::FunctionDef(function) = stmt else { return };
        for decorator in &function.decorator_list {
            // `@torch.jit.ignore` or `@torch.jit.ignore(drop=True)`.
            let name = match &decorator.expression {
                Expr::Call(call) => call.func.as_ref(),
                other => other,
            };
            let Some(qualified) = cx.torch_name(name) else { continue };
            if !qualified.starts_with("torch.jit.") && !matches!(qualified.as_str(), "torch.fx.wrap" | "torch.compiler.disable") {
                continue;
            }
            let range = span(decorator);
            let line_start = cx.text[..range.start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = cx.text[range.end..].find('\n').map_or(cx.text.len(), |n| range.end + n + 1);
            let rest = cx.text[range.end..line_end].trim();
            let before = cx.text[line_start..range.start].trim();
            let alone = matches!(before, "" | "@") && (rest.is_empty() || rest.starts_with('#'));
            if alone {
                out.safe(range, format!("@{qualified}: TorchScript and torch's tracers only; removed"), vec![Edit::delete(line_start..line_end)]);
            }
        }
    }
}

/// Statements of torch's that change nothing a port computes, and why.
fn statement_without_effect(qualified: &str) -> Option<&'static str> {
    match qualified {
        "torch._C._log_api_usage_once" => Some("torch's usage telemetry"),
        "torch.fx.wrap" => Some("marks a function for torch.fx's tracer, which MLX has no counterpart of"),
        "torch._dynamo.mark_static_address" => Some("marks a tensor's address as fixed for torch.compile's CUDA graphs, which MLX has no counterpart of"),
        _ => None,
    }
}
