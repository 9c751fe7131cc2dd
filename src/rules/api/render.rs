//! Writing an entry's MLX form for one call: the template's text with the call's arguments
//! spliced in as holes (so rewrites inside them compose), parenthesised where an operator
//! or a postfix would otherwise bind differently; then the smallest edits that turn the call
//! into it, so comments and formatting between untouched arguments survive.

use super::bind::{Binding, Bound};
use crate::api::{Entry, RefForm, Segment, Template};
use crate::fix::{Edit, Piece};
use crate::parse::ast::Expr;
use crate::parse::span;
use crate::rules::context::postfix_hole;
use std::ops::Range;

/// A rendered piece, before parentheses are decided.
enum Part<'e> {
    Text(String),
    Hole(&'e Expr),
    /// Original text kept as it is (a keyword argument, `h=2` or `**sizes`).
    Span(Range<usize>),
}

/// The pieces of `template` for this binding, over the original `text`.
pub fn render(text: &str, entry: &Entry, template: &Template, binding: &Binding) -> Result<Vec<Piece>, String> {
    // Arguments the MLX form reads more than once (`torch.empty(n).normal_()` →
    // `mx.random.normal(t.shape, dtype=t.dtype)`) that are not plain names: evaluated once.
    let mut evaluated_once: Vec<(&str, &Expr)> = Vec::new();
    for (param, bound) in &binding.args {
        if template.uses(param) > 1 && !matches!(bound, Bound::One(expr) if repeatable(expr)) {
            match bound {
                Bound::One(expr) => evaluated_once.push((param, expr)),
                _ => return Err(format!("the MLX form uses `{param}` twice, and it is not a plain name: assign it to one first")),
            }
        }
    }
    evaluated_once.sort_unstable_by_key(|(param, _)| *param);
    let mut parts = Vec::new();
    render_segments(entry, &template.segments, binding, &evaluated_once, &mut parts)?;
    if let Some(kwargs) = binding.factory_kwargs
        && binding.pass_through
    {
        let keep_dtype = if template.params().contains(&"dtype") { "" } else { ", dtype=False" };
        match parts.last_mut() {
            Some(Part::Text(last)) if last.ends_with(')') => {
                last.pop();
                parts.extend([Part::Text(", **portui_shims.without_device(".into()), Part::Hole(kwargs), Part::Text(format!("{keep_dtype}))"))]);
            }
            _ => return Err("`**kwargs`, and the MLX form is not a call to pass them to".into()),
        }
    } else if let Some(kwargs) = binding.factory_kwargs
        && template.params().contains(&"dtype")
    {
        // The dtype `**kwargs` may hold goes where the MLX call takes its arguments.
        match parts.last_mut() {
            Some(Part::Text(last)) if last.ends_with(')') => {
                last.pop();
                parts.extend([Part::Text(", **portui_shims.dtype_kwargs(".into()), Part::Hole(kwargs), Part::Text("))".into())]);
            }
            _ => return Err("`**kwargs` with a dtype, and the MLX form is not a call to pass it to".into()),
        }
    }
    if !evaluated_once.is_empty() {
        // A lambda applied to them, not a walrus: it evaluates each once, before the rest as
        // torch evaluates a receiver, and is valid anywhere (a walrus is not, in a
        // comprehension's iterable or a class body's comprehension).
        let names: Vec<String> = evaluated_once.iter().map(|(param, _)| once_name(param)).collect();
        let mut wrapped = vec![Part::Text(format!("(lambda {}: ", names.join(", ")))];
        wrapped.append(&mut parts);
        wrapped.push(Part::Text(")(".into()));
        for (i, (_, expr)) in evaluated_once.iter().enumerate() {
            if i > 0 {
                wrapped.push(Part::Text(", ".into()));
            }
            wrapped.push(Part::Hole(expr));
        }
        wrapped.push(Part::Text(")".into()));
        parts = wrapped;
    }
    Ok(with_parentheses(text, parts))
}

/// The lambda parameter standing for an argument evaluated once: a name no argument's text
/// can mean (`self` could be the enclosing method's).
fn once_name(param: &str) -> String {
    format!("_portui_{param}")
}

fn render_segments<'e>(entry: &Entry, segments: &[Segment], binding: &Binding<'e>, evaluated_once: &[(&str, &Expr)], out: &mut Vec<Part<'e>>) -> Result<(), String> {
    for segment in segments {
        match segment {
            Segment::Text(literal) => out.push(Part::Text(literal.clone())),
            Segment::Group(inner) => {
                if group_is_bound(entry, inner, binding) {
                    render_segments(entry, inner, binding, evaluated_once, out)?;
                }
            }
            Segment::Ref { param, .. } if evaluated_once.iter().any(|(once, _)| once == param) => {
                out.push(Part::Text(once_name(param)));
            }
            Segment::Ref { param, otherwise, form } => match binding.get(param) {
                Some(Bound::One(expr)) if *form == RefForm::Tuple && !looks_like_sequence(expr) => {
                    out.extend([Part::Text("(".into()), Part::Hole(expr), Part::Text(",)".into())]);
                }
                Some(Bound::One(expr)) => out.push(Part::Hole(expr)),
                Some(Bound::Legacy { size_average, reduce }) => match crate::rules::losses::legacy_reduction(*size_average, *reduce) {
                    Some(reduction) => out.push(Part::Text(format!("'{reduction}'"))),
                    None => {
                        let argument = |given: Option<&'e Expr>| given.map_or(Part::Text("None".into()), Part::Hole);
                        out.extend([Part::Text("portui_shims.legacy_reduction(".into()), argument(*size_average), Part::Text(", ".into()), argument(*reduce), Part::Text(")".into())]);
                    }
                },
                Some(Bound::Keywords(keywords)) => {
                    for (i, keyword) in keywords.iter().enumerate() {
                        if i > 0 {
                            out.push(Part::Text(", ".into()));
                        }
                        out.push(Part::Span(span(*keyword)));
                    }
                }
                Some(Bound::Many(exprs)) => match exprs.as_slice() {
                    many if *form == RefForm::Spread => {
                        for (i, expr) in many.iter().enumerate() {
                            if i > 0 {
                                out.push(Part::Text(", ".into()));
                            }
                            out.push(Part::Hole(expr));
                        }
                    }
                    [one] if *form == RefForm::Tuple && !looks_like_sequence(one) => {
                        out.extend([Part::Text("(".into()), Part::Hole(one), Part::Text(",)".into())]);
                    }
                    [one] if !matches!(one, Expr::Starred(_)) => out.push(Part::Hole(one)),
                    many => {
                        out.push(Part::Text("(".into()));
                        for (i, expr) in many.iter().enumerate() {
                            if i > 0 {
                                out.push(Part::Text(", ".into()));
                            }
                            out.push(Part::Hole(expr));
                        }
                        if many.len() == 1 {
                            out.push(Part::Text(",".into()));
                        }
                        out.push(Part::Text(")".into()));
                    }
                },
                None => {
                    let default = otherwise
                        .as_deref()
                        .or_else(|| entry.param(param).and_then(|p| p.default.as_deref()))
                        .ok_or_else(|| format!("`{param}` is not given and has no default"))?;
                    out.push(Part::Text(default.to_string()));
                }
            },
        }
    }
    Ok(())
}

/// Written twice in the MLX form, so evaluating it twice must not change anything: a name,
/// an attribute chain, a subscript of one by literals.
fn repeatable(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) | Expr::NumberLiteral(_) | Expr::BooleanLiteral(_) | Expr::NoneLiteral(_) | Expr::StringLiteral(_) => true,
        Expr::UnaryOp(unary) => matches!(unary.operand.as_ref(), Expr::NumberLiteral(_)),
        Expr::Attribute(a) => repeatable(&a.value),
        Expr::Subscript(s) => repeatable(&s.value) && !matches!(s.slice.as_ref(), Expr::Call(_)),
        _ => false,
    }
}

/// A shape given whole (`(2, 3)`, `x.shape`, `shape`, `x.shape[1:]`) rather than one size.
/// Names are told by convention: `shape`, `*_shape`, `sizes`, `dims` hold sequences; `n`,
/// `batch_size`, `dim` hold ints.
fn looks_like_sequence(expr: &Expr) -> bool {
    let name = match expr {
        Expr::Tuple(_) | Expr::List(_) | Expr::ListComp(_) | Expr::Starred(_) => return true,
        Expr::Subscript(s) => return looks_like_sequence(&s.value),
        Expr::Call(call) => {
            return matches!(call.func.as_ref(), Expr::Name(n) if matches!(n.id.as_str(), "tuple" | "list"))
                || matches!(call.func.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "size" && call.arguments.is_empty());
        }
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return false,
    };
    name.contains("shape") || name == "size" || name.ends_with("sizes") || name.ends_with("dims")
}

/// Whether the call passes every parameter the group names; an explicit `None` where torch's
/// default is `None` is not passing it (`norm=None` must not become MLX's `norm=None`).
fn group_is_bound(entry: &Entry, segments: &[Segment], binding: &Binding) -> bool {
    segments.iter().all(|segment| match segment {
        Segment::Text(_) => true,
        Segment::Ref { param, .. } => match binding.get(param) {
            Some(Bound::One(Expr::NoneLiteral(_))) => entry.param(param).and_then(|p| p.default.as_deref()) != Some("None"),
            Some(_) => true,
            None => false,
        },
        Segment::Group(inner) => group_is_bound(entry, inner, binding),
    })
}

/// Holes become pieces; a hole that is not an atom gets parentheses unless it stands alone
/// as an argument, an element or a keyword's value (`mx.f(a + b)`, but `(a + b).astype(...)`
/// and `-(a + b)`). Parentheses the source already has around it are kept instead.
fn with_parentheses(text: &str, parts: Vec<Part>) -> Vec<Piece> {
    let neighbour_text: Vec<Option<&str>> = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => Some(t.as_str()),
            Part::Hole(_) | Part::Span(_) => None,
        })
        .collect();
    let mut pieces = Vec::with_capacity(parts.len());
    let only_part = parts.len() == 1;
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(t) => pieces.push(Piece::Text(t.clone())),
            Part::Span(range) => pieces.push(Piece::Source(range.clone())),
            Part::Hole(expr) => {
                let before = neighbour_text[..i].iter().rev().map_while(|t| *t).collect::<Vec<_>>().into_iter().rev().collect::<String>();
                let after = neighbour_text[i + 1..].iter().map_while(|t| *t).collect::<String>();
                let alone = stands_alone(&before, &after);
                if only_part || alone || is_atom(expr) {
                    pieces.push(if only_part || !alone { postfix_hole(text, expr) } else { Piece::Source(span(*expr)) });
                } else {
                    match postfix_hole(text, expr) {
                        Piece::Source(range) if range != span(*expr) => pieces.push(Piece::Source(range)),
                        _ => {
                            pieces.push(Piece::Text("(".into()));
                            pieces.push(Piece::Source(span(*expr)));
                            pieces.push(Piece::Text(")".into()));
                        }
                    }
                }
            }
        }
    }
    merge_texts(pieces)
}

/// Between `(`, `,`, `[` or a keyword's `=` and `)`, `,` or `]`: an argument or element.
fn stands_alone(before: &str, after: &str) -> bool {
    let (before, after) = (before.trim_end(), after.trim_start());
    let opens = before.ends_with(['(', ',', '[']) || keyword_value(before);
    let closes = after.starts_with([')', ',', ']']);
    opens && closes
}

/// `axis=` ends a keyword argument's name; `==`, `<=`, `>=`, `!=` are operators.
fn keyword_value(before: &str) -> bool {
    before
        .strip_suffix('=')
        .is_some_and(|rest| rest.ends_with(|c: char| c.is_alphanumeric() || c == '_'))
}

/// Names, attributes, calls, subscripts and literals bind tighter than any operator.
fn is_atom(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Name(_)
            | Expr::Attribute(_)
            | Expr::Call(_)
            | Expr::Subscript(_)
            | Expr::NumberLiteral(_)
            | Expr::List(_)
            | Expr::Tuple(_)
            | Expr::Dict(_)
            | Expr::StringLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
    )
}

/// Adjacent texts joined; `(, ` left where an optional group before the first argument was
/// not written (`x.sum({?{dim}}{?, keepdims={keepdim}})`) becomes `(`.
fn merge_texts(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut merged: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match (merged.last_mut(), piece) {
            (Some(Piece::Text(last)), Piece::Text(next)) => last.push_str(&next),
            (_, Piece::Text(next)) if next.is_empty() => {}
            (_, piece) => merged.push(piece),
        }
    }
    for piece in &mut merged {
        if let Piece::Text(text) = piece
            && text.contains("(, ")
        {
            *text = text.replace("(, ", "(");
        }
    }
    merged
}

/// The edits that turn `range` of `text` into `pieces`. When the holes keep the original
/// order, only the text between them changes, each gap trimmed to what differs; otherwise
/// one edit replaces the whole range. No edit when nothing changes.
pub fn minimal_edits(text: &str, range: Range<usize>, pieces: Vec<Piece>) -> Vec<Edit> {
    let holes: Vec<&Range<usize>> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Source(r) => Some(r),
            Piece::Text(_) => None,
        })
        .collect();
    let in_order = holes.windows(2).all(|w| w[0].end <= w[1].start)
        && holes.first().is_none_or(|h| h.start >= range.start)
        && holes.last().is_none_or(|h| h.end <= range.end);
    if !in_order || holes.is_empty() {
        let rendered = render_preview(text, &pieces);
        if rendered == text[range.clone()] {
            return Vec::new();
        }
        return vec![Edit::template(range, pieces)];
    }
    // Gaps: before the first hole, between holes, after the last; each with its new text.
    let mut edits = Vec::new();
    let mut cursor = range.start;
    let mut new_text = String::new();
    let push_gap = |old: Range<usize>, new: &str, edits: &mut Vec<Edit>| {
        if let Some(edit) = trimmed_replacement(text, old, new) {
            edits.push(edit);
        }
    };
    for piece in &pieces {
        match piece {
            Piece::Text(t) => new_text.push_str(t),
            Piece::Source(hole) => {
                push_gap(cursor..hole.start, &new_text, &mut edits);
                new_text.clear();
                cursor = hole.end;
            }
        }
    }
    push_gap(cursor..range.end, &new_text, &mut edits);
    // An insertion where the call starts or ends would sit at the boundary of an enclosing
    // rewrite's hole (`x.unsqueeze(1).expand(2, 3)`: both would insert where `x` starts),
    // where its side cannot be told: one edit over the whole call nests instead.
    if edits.iter().any(|e| e.range.is_empty() && (e.range.start == range.start || e.range.start == range.end)) {
        return vec![Edit::template(range, pieces)];
    }
    edits
}

/// Replace `old` by `new`, without the suffix and then the prefix they share (the suffix
/// first, so `)` → `))` inserts before the closing parenthesis, not after the call). A name
/// is replaced whole (`tnn.Linear` → `nn.Linear` replaces `tnn`, not its `t`; `arange(` →
/// `mx.arange(` inserts before `arange`, never inside it), so the port sees that the torch
/// name is gone.
fn trimmed_replacement(text: &str, old: Range<usize>, new: &str) -> Option<Edit> {
    let current = &text[old.clone()];
    if current == new {
        return None;
    }
    let mut suffix = current
        .chars()
        .rev()
        .zip(new.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    while suffix > 0 && splits_a_name(current, current.len() - suffix) {
        suffix -= current[current.len() - suffix..].chars().next().map_or(1, char::len_utf8);
    }
    let (current_rest, new_rest) = (&current[..current.len() - suffix], &new[..new.len() - suffix]);
    // A line break before `.method(` in a chain stays: the template has none to offer.
    let kept_break = if current.starts_with(char::is_whitespace) && !new.starts_with(char::is_whitespace) {
        current.len() - current.trim_start().len()
    } else {
        0
    };
    let (current_rest, old) = (&current_rest[kept_break..], old.start + kept_break..old.end);
    let mut prefix = current_rest
        .chars()
        .zip(new_rest.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    while prefix > 0 && splits_a_name(current_rest, prefix) {
        prefix -= current_rest[..prefix].chars().next_back().map_or(1, char::len_utf8);
    }
    // A dropped argument keeps its separator in the edit (`, device=d` → `,)`, not
    // `device=d` → `)`): the device rule deletes `, device=d` whole, and an edit of the
    // same range composes with that deletion where one inside it would be swallowed.
    if current_rest[..prefix].chars().all(|c| c == ',' || c.is_whitespace()) {
        prefix = 0;
    }
    Some(Edit::replace(old.start + prefix..old.end - suffix, &new_rest[prefix..]))
}

/// Whether byte offset `at` of `text` falls inside a name (between two identifier characters).
fn splits_a_name(text: &str, at: usize) -> bool {
    let name_char = |c: char| c.is_alphanumeric() || c == '_';
    at > 0 && at < text.len() && text[..at].chars().next_back().is_some_and(name_char) && text[at..].chars().next().is_some_and(name_char)
}

/// The pieces as text, holes as the original source (for telling a no-op rewrite).
pub fn render_preview(text: &str, pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.as_str(),
            Piece::Source(r) => &text[r.clone()],
        })
        .collect()
}
