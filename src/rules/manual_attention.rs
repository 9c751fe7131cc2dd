//! manual-attention: hand-written scaled dot-product attention (scores, optional mask,
//! softmax, optional dropout, weights @ v) → `mx.fast.scaled_dot_product_attention`.
//!
//! Why: ported statement by statement, attention materialises the (B, H, T, S) score matrix
//! three times (scaled, masked, normalised) and runs five kernels; the fused kernel does it in
//! one pass. It requires `scale=` and takes `mask=` as a boolean array (True keeps) or an
//! additive one. The mask the code builds is passed as it is written (`masked_fill(m == 0,
//! -inf)` keeps where `m != 0`), so its alignment is torch's by construction: a tril buffer
//! sliced `[:, :, :T, :T]`, a bottom-right kv-cache slice and a top-left `torch.tril` all mean
//! what they meant, also when query and key lengths differ (mlx-traps #15).
//!
//! Example: nanoGPT's manual path,
//! `att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))`,
//! `att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))`,
//! `att = F.softmax(att, dim=-1)`, `att = self.attn_dropout(att)`, `y = att @ v` →
//! `y = mx.fast.scaled_dot_product_attention(q, k, v, scale=1.0 / math.sqrt(k.shape[-1]),
//! mask=self.bias[:, :, :T, :T] != 0)`.
//! Recognised, as consecutive statements of one block, each reading the previous one's name:
//! the scores `q @ k.transpose(-2, -1)` or `torch.matmul(q, k.transpose(-2, -1))` (also
//! `(-1, -2)`, `(2, 3)`, `k.mT`), times a scale (either side), divided by one, or unscaled;
//! optionally `s.masked_fill(c, -inf)` (also `masked_fill_`), `s + m` or `s += m`; a softmax
//! over the last axis (`F.softmax`, `torch.softmax`, `s.softmax`, or upcast to float32 and
//! cast back); optionally an `nn.Dropout` layer or `F.dropout`; then `p @ v` or
//! `torch.matmul(p, v)`, assigned or returned.
//!
//! Fix safety: review. The fused kernel wants 4-D q, k, v (B, H, T, D) and raises on other
//! ranks; it has no dropout, so attention dropout is not applied in training (eval numbers are
//! unchanged; the finding says so). Manual when the attention weights are read after the
//! product (the kernel does not return them) or a statement shares its line with another.

use super::calls::{cast_to_dtype_of, float32_source, method_call};
use super::context::{argument, hole, int_literal, operand, text};
use crate::parse::blocks;
use super::manual_layer_norm::line_of;
use super::manual_rms_norm::binary;
use super::{Context, Findings, Rule, RuleMeta};
use crate::tensors::Certainty;
use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, CmpOp, Expr, ExprContext, NodeKind, Operator, Stmt, UnaryOp};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};

pub struct ManualAttention;
pub static RULE: ManualAttention = ManualAttention;

impl Rule for ManualAttention {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "manual-attention", step: "6", checklist: "fused-attention", summary: "hand-written attention → mx.fast.scaled_dot_product_attention" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        // The statements that hold blocks.
        Some(&[
            NodeKind::StmtFunctionDef,
            NodeKind::StmtClassDef,
            NodeKind::StmtFor,
            NodeKind::StmtWhile,
            NodeKind::StmtIf,
            NodeKind::StmtWith,
            NodeKind::StmtTry,
        ])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        for block in blocks(stmt) {
            for start in 0..block.len() {
                if let Some(chain) = chain(cx, &block[start..]) {
                    report(cx, stmt, &chain, out);
                }
            }
        }
    }
}

/// A recognised attention: its statements (the product last) and what the fused call needs.
struct Chain<'a> {
    stmts: Vec<(&'a Stmt, &'static str)>,
    q: &'a Expr,
    k: &'a Expr,
    v: &'a Expr,
    scale: Vec<Piece>,
    mask: Option<Vec<Piece>>,
    dropout: Option<&'a Expr>,
    /// The expression `p @ v` that becomes the fused call.
    product: &'a Expr,
    /// Names bound by the removed statements.
    intermediates: Vec<&'a str>,
    /// Expressions spliced into the fused call, evaluated later than they were.
    moved: Vec<&'a Expr>,
}

fn chain<'a>(cx: &Context, stmts: &'a [Stmt]) -> Option<Chain<'a>> {
    let mut rest = stmts.iter();
    let first = rest.next()?;
    let (mut current, scores) = assigned(first)?;
    let (q, k, scale, scale_expr) = scaled_scores(cx, scores)?;
    let mut found = vec![(first, "scores")];
    let mut intermediates = vec![current];
    let mut moved: Vec<&Expr> = [q, k].into_iter().chain(scale_expr).collect();
    let mut next = rest.next()?;
    let mut mask = None;
    if let Some((target, pieces, kind, condition)) = masking(cx, next, current) {
        found.push((next, kind));
        mask = Some(pieces);
        moved.push(condition);
        current = target;
        intermediates.push(current);
        next = rest.next()?;
    }
    current = softmax(cx, next, current)?;
    found.push((next, "softmax"));
    intermediates.push(current);
    next = rest.next()?;
    let mut dropout_layer = None;
    if let Some((target, layer)) = dropout(cx, next, current) {
        found.push((next, "dropout"));
        dropout_layer = Some(layer);
        current = target;
        intermediates.push(current);
        next = rest.next()?;
    }
    let (product, v) = weighted_values(cx, next, current)?;
    found.push((next, "weights @ v"));
    moved.push(v);
    Some(Chain { stmts: found, q, k, v, scale, mask, dropout: dropout_layer, product, intermediates, moved })
}

fn report(cx: &Context, parent: &Stmt, chain: &Chain, out: &mut Findings) {
    let range = span(chain.stmts[0].0).start..span(chain.product).end;
    let intermediate = |name: &str| chain.intermediates.contains(&name);
    // An operand that reads a name the chain rebinds would see another value once moved.
    if chain.moved.iter().any(|e| loads(e, &|n| intermediate(n))) {
        return;
    }
    let product_stmt = chain.stmts.last().expect("product").0;
    let after = span(product_stmt).end;
    if let Some(name) = read_after(cx, parent, after, &chain.intermediates) {
        out.manual(range, format!("hand-written attention whose weights `{name}` are read after the product: mx.fast.scaled_dot_product_attention does not return them; keep this path, or use the fused call where the weights are not needed"));
        return;
    }
    let mut edits = Vec::new();
    for (stmt, _) in &chain.stmts[..chain.stmts.len() - 1] {
        let Some(lines) = cx.statement_lines(stmt) else {
            out.manual(range, "hand-written attention with statements sharing a line: put each on its own line, or replace them by mx.fast.scaled_dot_product_attention(q, k, v, scale=..., mask=...) by hand");
            return;
        };
        edits.push(Edit::delete(lines));
    }
    let mut pieces = vec![text("mx.fast.scaled_dot_product_attention("), hole(chain.q), text(", "), hole(chain.k), text(", "), hole(chain.v), text(", scale=")];
    pieces.extend(chain.scale.iter().cloned());
    if let Some(mask) = &chain.mask {
        pieces.push(text(", mask="));
        pieces.extend(mask.iter().cloned());
    }
    pieces.push(text(")"));
    edits.push(Edit::template(span(chain.product), pieces));
    let replaced: Vec<String> = chain.stmts.iter().map(|(stmt, kind)| format!("line {} ({kind})", line_of(cx.text, span(*stmt).start))).collect();
    let mut message = format!(
        "hand-written attention → mx.fast.scaled_dot_product_attention, replacing {}; q, k, v must be 4-D (B, H, T, D)",
        replaced.join(", ")
    );
    if chain.mask.is_some() {
        message.push_str("; the mask is passed as written, so its alignment stays torch's");
    }
    if let Some(layer) = chain.dropout {
        message.push_str(&format!("; attention dropout (`{}`) is NOT applied by the fused kernel: training differs when its p > 0, eval numbers are unchanged", cx.src(layer)));
    }
    out.review(range, message, edits);
}

/// `(name, value)` of `name = value`.
fn assigned(stmt: &Stmt) -> Option<(&str, &Expr)> {
    let Stmt::Assign(assign) = stmt else { return None };
    match assign.targets.as_slice() {
        [Expr::Name(name)] => Some((name.id.as_str(), &assign.value)),
        _ => None,
    }
}

fn is_name(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(n) if n.id.as_str() == name)
}

/// `(q, k, scale pieces, scale expression)` of the scaled scores `q @ kᵀ * scale`,
/// `q @ kᵀ / d` or `q @ kᵀ`.
fn scaled_scores<'e>(cx: &Context, expr: &'e Expr) -> Option<(&'e Expr, &'e Expr, Vec<Piece>, Option<&'e Expr>)> {
    // The fused kernel takes a Python float: a learned per-head temperature (timm's XCiT,
    // `nn.Parameter(torch.ones(heads, 1, 1))`) is an array, and the hand-written path stays.
    let scalar = |scale: &Expr| cx.tensor(scale) != Certainty::Tensor;
    if let Some((left, right)) = binary(expr, Operator::Mult) {
        return [(left, right), (right, left)].into_iter().find_map(|(scores, scale)| {
            let (q, k) = scores_of(cx, scores)?;
            scalar(scale).then(|| (q, k, vec![hole(scale)], Some(scale)))
        });
    }
    if let Some((scores, divisor)) = binary(expr, Operator::Div) {
        let (q, k) = scores_of(cx, scores)?;
        if !scalar(divisor) {
            return None;
        }
        let mut pieces = vec![text("1 / ")];
        pieces.extend(operand(divisor));
        return Some((q, k, pieces, Some(divisor)));
    }
    let (q, k) = scores_of(cx, expr)?;
    Some((q, k, vec![text("1.0")], None))
}

/// `(q, k)` of `q @ kᵀ` or `torch.matmul(q, kᵀ)`.
fn scores_of<'e>(cx: &Context, expr: &'e Expr) -> Option<(&'e Expr, &'e Expr)> {
    let (q, transposed) = matmul(cx, expr)?;
    Some((q, transposed_key(cx, transposed)?))
}

fn matmul<'e>(cx: &Context, expr: &'e Expr) -> Option<(&'e Expr, &'e Expr)> {
    if let Some(operands) = binary(expr, Operator::MatMult) {
        return Some(operands);
    }
    let Expr::Call(call) = expr else { return None };
    if cx.torch_name(&call.func).as_deref() != Some("torch.matmul") || call.arguments.len() != 2 {
        return None;
    }
    Some((argument(call, 0, "input")?, argument(call, 1, "other")?))
}

/// `k` of `k.transpose(-2, -1)` (the last two axes, in either order, or `2, 3` for the 4-D
/// arrays the fused kernel takes), `torch.transpose(k, -2, -1)` or `k.mT`.
fn transposed_key<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    let last_two = |a: &Expr, b: &Expr| matches!((int_literal(a), int_literal(b)), (Some(-2), Some(-1)) | (Some(-1), Some(-2)) | (Some(2), Some(3)) | (Some(3), Some(2)));
    match expr {
        Expr::Attribute(attribute) if attribute.attr.as_str() == "mT" => Some(&attribute.value),
        Expr::Call(call) if call.arguments.keywords.is_empty() => {
            let args = &call.arguments.args;
            if cx.torch_name(&call.func).as_deref() == Some("torch.transpose") {
                return (args.len() == 3 && last_two(&args[1], &args[2])).then(|| &args[0]);
            }
            match method_call(call)? {
                (key, "transpose") if args.len() == 2 && last_two(&args[0], &args[1]) => Some(key),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A mask applied to the scores `current`: `(name bound, mask pieces, kind, mask expression)`.
fn masking<'e>(cx: &Context, stmt: &'e Stmt, current: &str) -> Option<(&'e str, Vec<Piece>, &'static str, &'e Expr)> {
    match stmt {
        Stmt::Assign(_) => {
            let (target, value) = assigned(stmt)?;
            if let Some((left, right)) = binary(value, Operator::Add) {
                let additive = [(left, right), (right, left)].into_iter().find_map(|(s, m)| is_name(s, current).then_some(m))?;
                return Some((target, vec![hole(additive)], "additive mask", additive));
            }
            let Expr::Call(call) = value else { return None };
            let condition = filled_with_minus_infinity(cx, call, "masked_fill", current)?;
            Some((target, keep_mask(cx, condition), "mask", condition))
        }
        Stmt::AugAssign(augmented) if augmented.op == Operator::Add && is_name(&augmented.target, current) => {
            let target = current_name(&augmented.target)?;
            Some((target, vec![hole(augmented.value.as_ref())], "additive mask", &augmented.value))
        }
        Stmt::Expr(expression) => {
            let Expr::Call(call) = expression.value.as_ref() else { return None };
            let condition = filled_with_minus_infinity(cx, call, "masked_fill_", current)?;
            let Expr::Attribute(attribute) = call.func.as_ref() else { return None };
            Some((current_name(&attribute.value)?, keep_mask(cx, condition), "mask", condition))
        }
        _ => None,
    }
}

fn current_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        _ => None,
    }
}

/// `c` of `current.<method>(c, -inf)`.
fn filled_with_minus_infinity<'e>(cx: &Context, call: &'e ast::ExprCall, method: &str, current: &str) -> Option<&'e Expr> {
    let (receiver, name) = method_call(call)?;
    if name != method || !is_name(receiver, current) || call.arguments.len() != 2 {
        return None;
    }
    let (condition, value) = (argument(call, 0, "mask")?, argument(call, 1, "value")?);
    minus_infinity(cx, value).then_some(condition)
}

/// `float('-inf')`, `-float('inf')`, `-math.inf`, `-torch.inf`, `-np.inf`.
fn minus_infinity(cx: &Context, expr: &Expr) -> bool {
    let float_of = |expr: &Expr, literal: &str| {
        matches!(expr, Expr::Call(call) if matches!(call.func.as_ref(), Expr::Name(f) if f.id.as_str() == "float")
            && call.arguments.len() == 1
            && matches!(call.arguments.args.first(), Some(Expr::StringLiteral(s)) if s.value.to_str().eq_ignore_ascii_case(literal)))
    };
    match expr {
        Expr::UnaryOp(unary) if unary.op == UnaryOp::USub => {
            let infinity = unary.operand.as_ref();
            float_of(infinity, "inf")
                || cx.torch_name(infinity).as_deref() == Some("torch.inf")
                || matches!(infinity, Expr::Attribute(a) if a.attr.as_str() == "inf" && matches!(a.value.as_ref(), Expr::Name(m) if matches!(m.id.as_str(), "math" | "np" | "numpy")))
        }
        _ => float_of(expr, "-inf"),
    }
}

/// The boolean mask the fused kernel keeps, from the condition torch fills: `m == 0` keeps
/// `m != 0`, `~m` and `m.logical_not()` keep `m`, anything else its logical negation.
fn keep_mask(cx: &Context, condition: &Expr) -> Vec<Piece> {
    match condition {
        Expr::Compare(compare) if compare.ops.len() == 1 && matches!(compare.ops[0], CmpOp::Eq | CmpOp::NotEq) => {
            let negated = if compare.ops[0] == CmpOp::Eq { " != " } else { " == " };
            let mut pieces = operand(&compare.left);
            pieces.push(text(negated));
            pieces.extend(operand(&compare.comparators[0]));
            pieces
        }
        Expr::UnaryOp(unary) if unary.op == UnaryOp::Invert => vec![hole(unary.operand.as_ref())],
        Expr::Call(call) if cx.torch_name(&call.func).as_deref() == Some("torch.logical_not") && call.arguments.len() == 1 => vec![hole(&call.arguments.args[0])],
        Expr::Call(call) if call.arguments.is_empty() && method_call(call).is_some_and(|(_, name)| name == "logical_not") => {
            vec![hole(method_call(call).expect("method").0)]
        }
        _ => vec![text("mx.logical_not("), hole(condition), text(")")],
    }
}

/// The name bound by `p = softmax(current)` over the last axis.
fn softmax<'e>(cx: &Context, stmt: &'e Stmt, current: &str) -> Option<&'e str> {
    let (target, value) = assigned(stmt)?;
    let Expr::Call(call) = value else { return None };
    // `F.softmax(s.float(), dim=-1).type_as(s)`: the fused kernel normalises in float32.
    if let Some((inner, cast_target)) = cast_to_dtype_of(call)
        && let Expr::Call(inner) = inner
        && is_name(cast_target, current)
    {
        let input = last_axis_softmax(cx, inner)?;
        return float32_source(cx, input).is_some_and(|s| is_name(s, current)).then_some(target);
    }
    last_axis_softmax(cx, call).is_some_and(|input| is_name(input, current)).then_some(target)
}

/// The input of `F.softmax(x, dim=-1)`, `torch.softmax(x, -1)` or `x.softmax(-1)`.
fn last_axis_softmax<'e>(cx: &Context, call: &'e ast::ExprCall) -> Option<&'e Expr> {
    let (input, axis) = if matches!(cx.torch_name(&call.func).as_deref(), Some("torch.nn.functional.softmax" | "torch.softmax")) {
        (call.arguments.len() == 2).then_some(())?;
        (argument(call, 0, "input")?, argument(call, 1, "dim")?)
    } else {
        match method_call(call)? {
            (receiver, "softmax") if call.arguments.len() == 1 => (receiver, argument(call, 0, "dim")?),
            _ => return None,
        }
    };
    (int_literal(axis) == Some(-1)).then_some(input)
}

/// `(name bound, the dropout called)` of `p = self.drop(current)` (an `nn.Dropout` layer) or
/// `p = F.dropout(current, ...)`.
fn dropout<'e>(cx: &Context, stmt: &'e Stmt, current: &str) -> Option<(&'e str, &'e Expr)> {
    let (target, value) = assigned(stmt)?;
    let Expr::Call(call) = value else { return None };
    let is_dropout = cx.layer_type(&call.func) == Some("torch.nn.Dropout") && call.arguments.len() == 1
        || cx.torch_name(&call.func).as_deref() == Some("torch.nn.functional.dropout");
    (is_dropout && argument(call, 0, "input").is_some_and(|input| is_name(input, current))).then_some((target, &call.func))
}

/// `(product, v)` of `... = current @ v`, `... = torch.matmul(current, v)` or `return ...`.
fn weighted_values<'e>(cx: &Context, stmt: &'e Stmt, current: &str) -> Option<(&'e Expr, &'e Expr)> {
    let value = match stmt {
        Stmt::Assign(assign) => assign.value.as_ref(),
        Stmt::AnnAssign(assign) => assign.value.as_deref()?,
        Stmt::Return(ret) => ret.value.as_deref()?,
        _ => return None,
    };
    let (weights, v) = matmul(cx, value)?;
    is_name(weights, current).then_some((value, v))
}

/// Whether `expr` reads a name `wanted` accepts.
fn loads(expr: &Expr, wanted: &dyn Fn(&str) -> bool) -> bool {
    struct Loads<'w> {
        wanted: &'w dyn Fn(&str) -> bool,
        found: bool,
    }
    impl<'a> Visitor<'a> for Loads<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr
                && name.ctx == ExprContext::Load
                && (self.wanted)(name.id.as_str())
            {
                self.found = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Loads { wanted, found: false };
    finder.visit_expr(expr);
    finder.found
}

/// The first of `names` read after `offset` in the function holding the chain (or the
/// module). Rebinding in between is not tracked: any later read keeps the chain manual.
fn read_after<'a>(cx: &Context<'a>, parent: &'a Stmt, offset: usize, names: &[&'a str]) -> Option<&'a str> {
    struct Reads<'n, 'a> {
        names: &'n [&'a str],
        offset: usize,
        found: Option<&'a str>,
    }
    impl<'a> Visitor<'a> for Reads<'_, 'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr
                && name.ctx == ExprContext::Load
                && span(name).start >= self.offset
                && self.found.is_none()
            {
                self.found = self.names.iter().copied().find(|n| *n == name.id.as_str());
            }
            visitor::walk_expr(self, expr);
        }
    }
    let body: &'a [Stmt] = match (parent, &cx.function) {
        (Stmt::FunctionDef(function), _) => &function.body,
        (_, Some((function, _))) => &function.body,
        _ => &cx.module.body,
    };
    let mut reads = Reads { names, offset, found: None };
    body.iter().for_each(|stmt| reads.visit_stmt(stmt));
    reads.found
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    /// The applicability of this rule's findings on `body` (a function of q, k, v, mask).
    fn findings(body: &str) -> Vec<Applicability> {
        let source = format!("import math\nimport torch\nimport torch.nn.functional as F\n\n\ndef f(q, k, v, mask):\n{body}");
        crate::rules::findings_of("manual-attention", &source).into_iter().map(|f| f.applicability).collect()
    }

    #[test]
    fn only_what_the_fused_kernel_computes_is_rewritten() {
        let scores = "    att = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))\n";
        let product = "    return att @ v\n";
        let recognised = format!("{scores}    att = att.masked_fill(mask == 0, float('-inf'))\n    att = F.softmax(att, dim=-1)\n{product}");
        assert_eq!(findings(&recognised), [Applicability::Review]);
        for middle in [
            // A finite fill value differs from -inf on fully masked rows.
            "    att = att.masked_fill(mask == 0, -1e9)\n    att = F.softmax(att, dim=-1)\n",
            // Softmax over another axis, or a statement in between.
            "    att = F.softmax(att, dim=1)\n",
            "    att = F.softmax(att, dim=-1)\n    att = att * 2\n",
        ] {
            assert_eq!(findings(&format!("{scores}{middle}{product}")), [], "{middle}");
        }
        // Keys not transposed over the last two axes.
        assert_eq!(findings(&format!("    att = q @ k.transpose(1, 2)\n    att = F.softmax(att, dim=-1)\n{product}")), []);
    }

    #[test]
    fn weights_read_later_or_sharing_a_line_stay_manual() {
        let read_later = "    att = q @ k.transpose(-2, -1)\n    att = att.softmax(-1)\n    y = att @ v\n    return y, att\n";
        assert_eq!(findings(read_later), [Applicability::Manual]);
        let one_line = "    att = q @ k.transpose(-2, -1); att = att.softmax(-1)\n    return att @ v\n";
        assert_eq!(findings(one_line), [Applicability::Manual]);
    }
}
