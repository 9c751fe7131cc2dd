//! Building blocks for call rewrites, shared by the rules: minimal edits that rename a
//! callee or a keyword, drop a keyword, pack shape varargs into a tuple, or turn a method
//! call into a function call with the receiver spliced in as a hole.

use super::Context;
use crate::fix::Edit;
use crate::parse::ast::{self, Expr};
use crate::parse::span;
use std::ops::Range;

/// Range covering the argument list's contents (first argument to last), if any.
pub fn arguments_inner(call: &ast::ExprCall) -> Option<Range<usize>> {
    let mut ranges = call.arguments.iter_source_order().map(|a| match a {
        ast::ArgOrKeyword::Arg(e) => span(e),
        ast::ArgOrKeyword::Keyword(k) => span(k),
    });
    let first = ranges.next()?;
    let last = ranges.last().unwrap_or_else(|| first.clone());
    Some(first.start..last.end)
}

pub fn rename_callee(call: &ast::ExprCall, to: &str) -> Edit {
    Edit::replace(span(call.func.as_ref()), to)
}

/// An edit adding `argument` (e.g. `ddof=1`) after the call's last argument, so a trailing
/// comma (`f(\n    x,\n)`) stays valid.
pub fn append_argument(call: &ast::ExprCall, argument: &str) -> Edit {
    match arguments_inner(call) {
        Some(inner) => Edit::insert(inner.end, format!(", {argument}")),
        None => Edit::insert(span(&call.arguments).start + 1, argument),
    }
}

/// Range of `.method(...)` in `receiver.method(...)`, from the dot: deleting it keeps any
/// parentheses around the receiver (`(x + 1).contiguous()` → `(x + 1)`).
pub fn method_suffix(text: &str, call: &ast::ExprCall) -> Option<Range<usize>> {
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return None;
    };
    let dot = text[..span(&attribute.attr).start].rfind('.')?;
    Some(dot..span(call).end)
}

/// The receiver and method name of `receiver.method(...)`.
pub fn method_call(call: &ast::ExprCall) -> Option<(&Expr, &str)> {
    match call.func.as_ref() {
        Expr::Attribute(attribute) => Some((attribute.value.as_ref(), attribute.attr.as_str())),
        _ => None,
    }
}

/// Positional arguments are all plain (no `*args`), so positions can be trusted.
pub fn plain_positional(call: &ast::ExprCall) -> bool {
    !call
        .arguments
        .args
        .iter()
        .any(|a| matches!(a, Expr::Starred(_)))
        && !call.arguments.keywords.iter().any(|k| k.arg.is_none())
}

/// Written twice in the source, so evaluating it once in the port must not change anything:
/// a name, a `self.` attribute chain, or one of those upcast to float32.
pub fn repeatable(cx: &Context, expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(attribute) => repeatable(cx, &attribute.value),
        _ => float32_source(cx, expr).is_some_and(|source| repeatable(cx, source)),
    }
}

/// `y` of `y.float()` or `y.to(torch.float32)`.
pub fn float32_source<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    let Expr::Call(call) = expr else { return None };
    let (receiver, method) = method_call(call)?;
    let upcast = match (method, call.arguments.args.first()) {
        ("float", None) => call.arguments.is_empty(),
        ("to", Some(dtype)) => {
            call.arguments.len() == 1
                && matches!(
                    cx.torch_name(dtype).as_deref(),
                    Some("torch.float32" | "torch.float")
                )
        }
        _ => false,
    };
    upcast.then_some(receiver)
}

/// `(value, y)` of `value.type_as(y)` or `value.to(y.dtype)`: a cast to `y`'s dtype.
pub fn cast_to_dtype_of(call: &ast::ExprCall) -> Option<(&Expr, &Expr)> {
    let (receiver, method) = method_call(call)?;
    if call.arguments.len() != 1 {
        return None;
    }
    match (method, call.arguments.args.first()?) {
        ("type_as", target) => Some((receiver, target)),
        ("to", Expr::Attribute(attribute)) if attribute.attr.as_str() == "dtype" => {
            Some((receiver, &attribute.value))
        }
        _ => None,
    }
}
