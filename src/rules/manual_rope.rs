//! manual-rope: hand-written rotary position embeddings → `mx.fast.rope`.
//!
//! Why: RoPE applied by hand reads a cos and a sin table the size of the activations and runs
//! half a dozen kernels per tensor; `mx.fast.rope` computes the angles in the kernel. Its two
//! modes pair features differently (mlx-traps #16): `traditional=False` is rotate-half
//! (feature i with i + D/2, LLaMA/HF `rotate_half`), `traditional=True` is interleaved pairs
//! (2i with 2i + 1: the even/odd form, as Meta's complex `view_as_complex` form pairs them). It rotates
//! along axis -2 as the sequence: code that applies RoPE to (B, T, H, D) must be swapped to
//! (B, H, T, D) around it, or every head gets the wrong angle.
//!
//! Example: with `inv_freq = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))`,
//! `freqs = torch.outer(torch.arange(T).float(), inv_freq)`, `emb = torch.cat((freqs, freqs),
//! dim=-1)`, `cos = emb.cos()`, `sin = emb.sin()` in the same block,
//! `q * cos + rotate_half(q) * sin` → `mx.fast.rope(q, d, traditional=False, base=base,
//! scale=1.0, offset=0)`, the table statements removed in the same hunk when nothing else
//! reads them. The interleaved `torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos),
//! dim=-1).flatten(-2)` with `x1 = x[..., 0::2]`, `x2 = x[..., 1::2]` and tables without the
//! `cat` → `traditional=True`. Positions `torch.arange(start, end)` give `offset=start`; tables
//! indexed `cos[:, None, :]` or `cos.unsqueeze(1)` mean (B, T, H, D), and the call is wrapped
//! in `.swapaxes(-3, -2)`.
//!
//! Fix safety: review (the rotated tensor must have the table's feature size). Manual where
//! the tables come from elsewhere (a buffer, an argument, another function) or the rotated
//! input is an expression (written twice, it would be evaluated once): the finding gives the
//! call to write and what to read off the table construction (base, first position),
//! instead of guessing them. Meta's complex form (`view_as_complex`, a product with
//! `freqs_cis`, `view_as_real`) is not this rule's: MLX has complex64 views and arithmetic, so
//! the api rule ports it call by call.

use super::calls::{method_call, repeatable};
use super::context::{argument, hole, int_literal, keyword, text};
use super::manual_layer_norm::{Binding, line_of, reads_outside, resolve};
use super::manual_rms_norm::binary;
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind, Operator};
use crate::parse::span;
use std::ops::Range;

pub struct ManualRope;
pub static RULE: ManualRope = ManualRope;

impl Rule for ManualRope {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "manual-rope", step: "6", checklist: "fused-rope", summary: "hand-written rotary embeddings → mx.fast.rope" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall, NodeKind::ExprBinOp])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Some(mut application) = rotate_half(cx, expr).or_else(|| interleaved(cx, expr)) else { return };
        let range = span(expr);
        let x = cx.src(application.x);
        let mode = if application.traditional { "True" } else { "False" };
        let form = if application.traditional { "interleaved (even/odd)" } else { "rotate-half" };
        // x is written twice and the fused call evaluates it once: only a name or attribute
        // is rewritten.
        let Some(tables) = tables(cx, &application).filter(|_| repeatable(cx, application.x)) else {
            out.manual(
                range,
                format!(
                    "{form} RoPE whose cos/sin tables are built elsewhere (or whose input is not a plain name): the base and positions cannot be read here. Write `{}` (x as (B, H, T, D); swap the sequence axis to -2 first otherwise), with base and start read off the table construction, and drop the tables",
                    wrap(x, application.sequence_axis_third, &format!("mx.fast.rope({{x}}, {x}.shape[-1], traditional={mode}, base=base, scale=1.0, offset=start)"))
                ),
            );
            return;
        };
        let mut pieces: Vec<Piece> = Vec::new();
        let swap = tables.sequence_axis_third;
        pieces.push(text("mx.fast.rope("));
        pieces.push(hole(application.x));
        if swap {
            pieces.push(text(".swapaxes(-3, -2)"));
        }
        pieces.extend([text(", "), Piece::Source(tables.dims.clone()), text(format!(", traditional={mode}, base=")), Piece::Source(tables.base.clone()), text(", scale=1.0, offset=")]);
        match &tables.offset {
            Some(offset) => pieces.push(Piece::Source(offset.clone())),
            None => pieces.push(text("0")),
        }
        pieces.push(text(")"));
        if swap {
            pieces.push(text(".swapaxes(-3, -2)"));
        }
        let mut edits = vec![Edit::template(range.clone(), pieces)];
        let mut gone = vec![range.clone()];
        let mut removed = Vec::new();
        for binding in application.halves.drain(..).chain(tables.bindings) {
            let Some(lines) = binding.lines.clone() else { continue };
            if reads_outside(cx, binding.name, &gone) {
                continue;
            }
            removed.push(format!("line {} (`{}`)", line_of(cx.text, lines.start), binding.name));
            gone.push(lines.clone());
            edits.push(Edit::delete(lines));
        }
        let mut message = format!("{form} RoPE → mx.fast.rope(traditional={mode}), replacing the rotation on line {}", line_of(cx.text, range.start));
        if !removed.is_empty() {
            removed.reverse();
            message.push_str(&format!(" and the tables it reads, {}", removed.join(", ")));
        }
        if swap {
            message.push_str("; the tables broadcast over axis -3, so x is (B, T, H, D): swapped to (B, H, T, D) around the call");
        }
        out.review(range, message, edits);
    }
}

/// `call` with `{x}` standing for the (maybe swapped) input.
fn wrap(x: &str, swap: bool, call: &str) -> String {
    if swap { format!("{}.swapaxes(-3, -2)", call.replace("{x}", &format!("{x}.swapaxes(-3, -2)"))) } else { call.replace("{x}", x) }
}

/// A rotation applied to `x` with the tables `cos` and `sin` as written at the call.
struct Application<'a, 'e> {
    x: &'e Expr,
    cos: &'e Expr,
    sin: &'e Expr,
    traditional: bool,
    /// The tables are indexed to broadcast over (B, T, H, D).
    sequence_axis_third: bool,
    /// `x1 = x[..., 0::2]` and `x2 = x[..., 1::2]` of the interleaved form.
    halves: Vec<Binding<'a>>,
}

/// `x * cos + rotate_half(x) * sin`, terms and factors in any order.
fn rotate_half<'a, 'e>(cx: &Context<'a>, expr: &'e Expr) -> Option<Application<'a, 'e>> {
    let (left, right) = binary(expr, Operator::Add)?;
    for (plain, rotated) in [(left, right), (right, left)] {
        let Some((x, cos)) = factors(plain) else { continue };
        let Some((rotated_x, sin)) = factors(rotated).and_then(|(a, b)| [(a, b), (b, a)].into_iter().find_map(|(r, s)| Some((rotated_half_of(r)?, s)))) else { continue };
        // `x * cos` has either factor first: the one rotate_half was given is x.
        let (x, cos) = if cx.src(x) == cx.src(rotated_x) {
            (x, cos)
        } else if cx.src(cos) == cx.src(rotated_x) {
            (cos, x)
        } else {
            continue;
        };
        // Tables indexed some other way still get a (manual) finding: tracing them fails.
        let (cos_table, third) = table_use(cos).unwrap_or((cos, false));
        let (sin_table, sin_third) = table_use(sin).unwrap_or((sin, false));
        if third != sin_third {
            return None;
        }
        return Some(Application { x, cos: cos_table, sin: sin_table, traditional: false, sequence_axis_third: third, halves: Vec::new() });
    }
    None
}

fn factors(expr: &Expr) -> Option<(&Expr, &Expr)> {
    binary(expr, Operator::Mult)
}

/// `x` of `rotate_half(x)` (any function whose name ends in `rotate_half`).
fn rotated_half_of(expr: &Expr) -> Option<&Expr> {
    let Expr::Call(call) = expr else { return None };
    let name = match call.func.as_ref() {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        _ => return None,
    };
    (name.ends_with("rotate_half") && call.arguments.len() == 1).then(|| call.arguments.args.first()).flatten()
}

/// The table name and whether it is indexed for (B, T, H, D) (see `unsqueezed`).
fn table_use(expr: &Expr) -> Option<(&Expr, bool)> {
    match expr {
        Expr::Name(_) => Some((expr, false)),
        _ => unsqueezed(expr).filter(|table| matches!(table, Expr::Name(_))).map(|table| (table, true)),
    }
}

/// `t` of `t[:, None, :]`, `t[:, None]`, `t.unsqueeze(1)` or `t.unsqueeze(-2)`: a (T, D)
/// table made to broadcast over (B, T, H, D).
fn unsqueezed(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Subscript(subscript) => {
            let Expr::Tuple(index) = subscript.slice.as_ref() else { return None };
            let full = |e: &Expr| matches!(e, Expr::Slice(s) if s.lower.is_none() && s.upper.is_none() && s.step.is_none());
            let shape_ok = match index.elts.as_slice() {
                [a, Expr::NoneLiteral(_)] => full(a),
                [a, Expr::NoneLiteral(_), b] => full(a) && full(b),
                _ => false,
            };
            shape_ok.then_some(subscript.value.as_ref())
        }
        Expr::Call(call) => {
            let (table, method) = method_call(call)?;
            let axis = call.arguments.args.first().and_then(int_literal);
            (method == "unsqueeze" && call.arguments.len() == 1 && matches!(axis, Some(1 | -2))).then_some(table)
        }
        _ => None,
    }
}

/// `torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)` with
/// `x1 = x[..., 0::2]` and `x2 = x[..., 1::2]` (inline or bound earlier in the block).
fn interleaved<'a, 'e>(cx: &Context<'a>, expr: &'e Expr) -> Option<Application<'a, 'e>>
where
    'a: 'e,
{
    let Expr::Call(flatten) = expr else { return None };
    let (stacked, "flatten") = method_call(flatten)? else { return None };
    if flatten.arguments.len() != 1 || argument(flatten, 0, "start_dim").and_then(int_literal) != Some(-2) {
        return None;
    }
    let Expr::Call(stack) = stacked else { return None };
    if cx.torch_name(&stack.func).as_deref() != Some("torch.stack") || stack.arguments.len() != 2 || argument(stack, 1, "dim").and_then(int_literal) != Some(-1) {
        return None;
    }
    let elements = match stack.arguments.args.first()? {
        Expr::Tuple(t) => &t.elts,
        Expr::List(l) => &l.elts,
        _ => return None,
    };
    let [first, second] = elements.as_slice() else { return None };
    // first: x1 * cos - x2 * sin; second: x1 * sin + x2 * cos.
    let (a, b) = binary(first, Operator::Sub)?;
    let (c, d) = binary(second, Operator::Add)?;
    let split = |product: &'e Expr, half: &Expr| -> Option<&'e Expr> {
        let (l, r) = factors(product)?;
        if cx.src(l) == cx.src(half) {
            Some(r)
        } else if cx.src(r) == cx.src(half) {
            Some(l)
        } else {
            None
        }
    };
    // The halves are the factors that slice x: try both factors of each product.
    let half = |product: &'e Expr, start: i64| {
        let (l, r) = factors(product)?;
        [l, r].into_iter().find_map(|h| pair_half(cx, h, start).map(|(x, binding)| (h, x, binding)))
    };
    let ((even, x, even_binding), (odd, odd_x, odd_binding)) = (half(a, 0)?, half(b, 1)?);
    if cx.src(x) != cx.src(odd_x) {
        return None;
    }
    let (cos, sin) = (split(a, even)?, split(b, odd)?);
    if cx.src(split(c, even)?) != cx.src(sin) || cx.src(split(d, odd)?) != cx.src(cos) {
        return None;
    }
    let (cos_table, third) = table_use(cos)?;
    let (sin_table, sin_third) = table_use(sin)?;
    let halves = [even_binding, odd_binding].into_iter().flatten().collect();
    (third == sin_third).then_some(Application { x, cos: cos_table, sin: sin_table, traditional: true, sequence_axis_third: third, halves })
}

/// `x` of `x[..., 0::2]` (`start` 0, also `::2`) or `x[..., 1::2]` (`start` 1), inline or
/// bound to the name `half` earlier in the block (with that statement).
fn pair_half<'a, 'e>(cx: &Context<'a>, half: &'e Expr, start: i64) -> Option<(&'e Expr, Option<Binding<'a>>)>
where
    'a: 'e,
{
    let (value, binding) = resolve(cx, half, half)?;
    let Expr::Subscript(subscript) = value else { return None };
    let Expr::Tuple(index) = subscript.slice.as_ref() else { return None };
    let [Expr::EllipsisLiteral(_), Expr::Slice(slice)] = index.elts.as_slice() else { return None };
    let lower = slice.lower.as_deref().map_or(Some(0), int_literal);
    let step = slice.step.as_deref().and_then(int_literal);
    (lower == Some(start) && slice.upper.is_none() && step == Some(2)).then_some((subscript.value.as_ref(), binding))
}

/// What the fused call needs from the table construction in the current block.
struct Tables<'a> {
    dims: Range<usize>,
    base: Range<usize>,
    offset: Option<Range<usize>>,
    /// The table statements, outermost (cos, sin) first.
    bindings: Vec<Binding<'a>>,
    /// The tables broadcast over (B, T, H, D).
    sequence_axis_third: bool,
}

/// Trace `cos` and `sin` back to `inv_freq` and the positions, in the current block.
fn tables<'a>(cx: &Context<'a>, application: &Application) -> Option<Tables<'a>> {
    let x = application.x;
    let (cos_value, cos_binding) = resolve(cx, application.cos, x)?;
    let (sin_value, sin_binding) = resolve(cx, application.sin, x)?;
    // Tables unsqueezed where they are built broadcast over (B, T, H, D) like those
    // unsqueezed at the call.
    let (cos_inner, sin_inner) = (unsqueezed(cos_value), unsqueezed(sin_value));
    let unsqueezed = cos_inner.is_some();
    if unsqueezed != sin_inner.is_some() || unsqueezed && application.sequence_axis_third {
        return None;
    }
    let (cos_value, sin_value) = (cos_inner.unwrap_or(cos_value), sin_inner.unwrap_or(sin_value));
    let (cos_angles, sin_angles) = (trig_of(cx, cos_value, "cos")?, trig_of(cx, sin_value, "sin")?);
    if cx.src(cos_angles) != cx.src(sin_angles) {
        return None;
    }
    let mut bindings: Vec<Binding<'a>> = [cos_binding, sin_binding].into_iter().flatten().collect();
    let (mut angles, binding) = resolve(cx, cos_angles, x)?;
    bindings.extend(binding);
    if !application.traditional {
        // rotate-half tables repeat the angles: cat((freqs, freqs), dim=-1).
        let freqs = doubled(cx, angles)?;
        let (value, binding) = resolve(cx, freqs, x)?;
        bindings.extend(binding);
        angles = value;
    }
    let angles = strip_float(angles);
    let (positions, inv_freq) = outer(cx, angles)?;
    let (positions, binding) = resolve(cx, positions, x)?;
    bindings.extend(binding);
    let offset = arange_start(cx, strip_float(positions))?;
    let (inv_freq, binding) = resolve(cx, inv_freq, x)?;
    bindings.extend(binding);
    let (base, dims) = inverse_frequencies(cx, inv_freq)?;
    Some(Tables { dims: span(dims), base: span(base), offset: offset.map(span), bindings, sequence_axis_third: unsqueezed || application.sequence_axis_third })
}

/// `e` of `e.cos()` / `torch.cos(e)` (`name` is "cos" or "sin").
fn trig_of<'e>(cx: &Context, expr: &'e Expr, name: &str) -> Option<&'e Expr> {
    let Expr::Call(call) = expr else { return None };
    if cx.torch_name(&call.func).as_deref() == Some(&format!("torch.{name}")) {
        return (call.arguments.len() == 1).then(|| call.arguments.args.first()).flatten();
    }
    match method_call(call)? {
        (receiver, method) if method == name && call.arguments.is_empty() => Some(receiver),
        _ => None,
    }
}

/// `f` of `torch.cat((f, f), dim=-1)`.
fn doubled<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    let Expr::Call(call) = expr else { return None };
    if !matches!(cx.torch_name(&call.func).as_deref(), Some("torch.cat" | "torch.concat")) || argument(call, 1, "dim").and_then(int_literal) != Some(-1) || call.arguments.len() != 2 {
        return None;
    }
    let parts = match call.arguments.args.first()? {
        Expr::Tuple(t) => &t.elts,
        Expr::List(l) => &l.elts,
        _ => return None,
    };
    match parts.as_slice() {
        [a, b] if cx.src(a) == cx.src(b) => Some(a),
        _ => None,
    }
}

/// `e` of `e.float()`, else `expr`.
fn strip_float(expr: &Expr) -> &Expr {
    if let Expr::Call(call) = expr
        && let Some((receiver, "float")) = method_call(call)
        && call.arguments.is_empty()
    {
        return receiver;
    }
    expr
}

/// `(t, inv)` of `torch.outer(t, inv)`, `torch.einsum("i,j->ij", t, inv)` or
/// `t[:, None] * inv[None, :]`.
fn outer<'e>(cx: &Context, expr: &'e Expr) -> Option<(&'e Expr, &'e Expr)> {
    if let Expr::Call(call) = expr {
        let args = &call.arguments.args;
        return match cx.torch_name(&call.func).as_deref() {
            Some("torch.outer" | "torch.ger") if args.len() == 2 && call.arguments.keywords.is_empty() => Some((&args[0], &args[1])),
            Some("torch.einsum") if args.len() == 3 && matches!(&args[0], Expr::StringLiteral(s) if s.value.to_str().replace(' ', "") == "i,j->ij") => Some((&args[1], &args[2])),
            _ => None,
        };
    }
    let (left, right) = binary(expr, Operator::Mult)?;
    let column = |e: &'e Expr, none_first: bool| -> Option<&'e Expr> {
        let Expr::Subscript(subscript) = e else { return None };
        let Expr::Tuple(index) = subscript.slice.as_ref() else { return None };
        let [a, b] = index.elts.as_slice() else { return None };
        let (none, slice) = if none_first { (a, b) } else { (b, a) };
        (matches!(none, Expr::NoneLiteral(_)) && matches!(slice, Expr::Slice(s) if s.lower.is_none() && s.upper.is_none() && s.step.is_none())).then_some(subscript.value.as_ref())
    };
    Some((column(left, false)?, column(right, true)?))
}

/// The first position of `torch.arange(end)` (none: 0) or `torch.arange(start, end)`, step 1.
fn arange_start<'e>(cx: &Context, expr: &'e Expr) -> Option<Option<&'e Expr>> {
    let Expr::Call(call) = expr else { return None };
    if cx.torch_name(&call.func).as_deref() != Some("torch.arange") || call.arguments.keywords.iter().any(|k| k.arg.as_ref().is_none_or(|a| !matches!(a.as_str(), "dtype" | "device"))) {
        return None;
    }
    match call.arguments.args.as_ref() {
        [_] => Some(None),
        [start, _] => Some(Some(start).filter(|s| int_literal(s) != Some(0))),
        _ => None,
    }
}

/// `(base, d)` of `1.0 / (base ** (torch.arange(0, d, 2).float() / d))` (also sliced
/// `[: (d // 2)]`, or with a `dtype=` instead of `.float()`).
fn inverse_frequencies<'e>(cx: &Context, expr: &'e Expr) -> Option<(&'e Expr, &'e Expr)> {
    let (one, power) = binary(expr, Operator::Div)?;
    let is_one = matches!(one, Expr::NumberLiteral(n) if matches!(&n.value, ast::Number::Float(f) if *f == 1.0) || matches!(&n.value, ast::Number::Int(i) if i.as_i64() == Some(1)));
    let (base, exponent) = binary(power, Operator::Pow)?;
    let (even, dims) = binary(exponent, Operator::Div)?;
    let mut even = strip_float(even);
    if let Expr::Subscript(subscript) = even {
        even = strip_float(&subscript.value);
    }
    let Expr::Call(arange) = even else { return None };
    let args = &arange.arguments.args;
    let even_positions = cx.torch_name(&arange.func).as_deref() == Some("torch.arange")
        && args.len() == 3
        && int_literal(&args[0]) == Some(0)
        && cx.src(&args[1]) == cx.src(dims)
        && int_literal(&args[2]) == Some(2)
        && arange.arguments.keywords.iter().all(|k| k.arg.as_ref().is_some_and(|a| matches!(a.as_str(), "dtype" | "device")) && keyword(arange, "dtype").is_none_or(|d| matches!(cx.torch_name(&d.value).as_deref(), Some("torch.float32" | "torch.float" | "torch.int64" | "torch.long"))));
    (is_one && even_positions).then_some((base, dims))
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    fn findings(application: &str) -> Vec<Applicability> {
        let source = format!(
            "import torch\n\n\ndef f(x, d, cos_cache):\n    inv_freq = 1.0 / (10000.0 ** (torch.arange(0, d, 2).float() / d))\n    freqs = torch.outer(torch.arange(x.shape[-2]).float(), inv_freq)\n    emb = torch.cat((freqs, freqs), dim=-1)\n    cos = emb.cos()\n    sin = emb.sin()\n    return {application}\n"
        );
        crate::rules::findings_of("manual-rope", &source).into_iter().map(|f| f.applicability).collect()
    }

    #[test]
    fn only_traced_tables_on_a_plain_input_are_rewritten() {
        assert_eq!(findings("x * cos + rotate_half(x) * sin"), [Applicability::Review]);
        // The input is an expression the fused call would evaluate once instead of twice.
        assert_eq!(findings("g(x) * cos + rotate_half(g(x)) * sin"), [Applicability::Manual]);
        // A table from elsewhere: its base and positions are not in this function.
        assert_eq!(findings("x * cos_cache + rotate_half(x) * sin"), [Applicability::Manual]);
        // Not a rotation.
        assert_eq!(findings("x * cos + x * sin"), []);
    }
}
