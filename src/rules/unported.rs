//! unported: any torch API use that no rule understands.
//!
//! Why: a report must say precisely what remains. portui leaves such code as it is rather than
//! guess, and names it here so the conversion rate counts it.
//!
//! It also names every call of a method torch tensors have and MLX arrays lack (`x.bmm(y)`,
//! `x.fill_(0)`) on a receiver that may be a tensor, when nothing rewrites it: such a call
//! fails at run time with `AttributeError`. So does every read or set of a tensor attribute
//! MLX arrays lack (`p.grad`, `p.requires_grad = False`, `x.is_leaf`), which it names too.
//!
//! Example: `torch.fft.rfft(x)` → finding "torch.fft.rfft has no portui rewrite".
//!
//! Fix safety: manual. Look up the MLX equivalent (often `mx.<same name>`) and check its
//! argument names and defaults.

use super::{Context, Finding, Rule, RuleMeta};
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct Unported;
pub static RULE: Unported = Unported;

impl Rule for Unported {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "unported", step: "-", checklist: "torch-semantics", summary: "torch API uses no rule handles (manual)" }
    }

    /// Its findings come from `claim_rest`, after the walk.
    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[])
    }
}

/// Add a manual finding for every maximal torch name chain, and every call of a method torch
/// tensors have and MLX arrays lack (both collected during the walk), that no other finding
/// covers.
pub fn claim_rest(cx: &Context, chains: &[&Expr], method_calls: &[(&Expr, bool)], properties: &[(&Expr, bool)], findings: &mut Vec<Finding>) {
    let claimed = Claimed::of(findings);
    claim_methods(&claimed, method_calls, findings);
    claim_properties(properties, findings);
    for chain in chains {
        if claimed.covers(span(*chain)) {
            continue;
        }
        let Some(name) = cx.torch_name(chain) else { continue };
        findings.push(finding(span(*chain), format!("`{name}` has no portui rewrite; port it by hand")));
    }
}

/// A manual finding for every call of a method that torch tensors have and MLX arrays lack
/// (`x.bmm(y)`), on a receiver that may be a tensor, that no other finding covers: left
/// alone, it fails at run time with `AttributeError`. `calls` holds each call with whether
/// its receiver is known to be a tensor.
fn claim_methods(claimed: &Claimed, calls: &[(&Expr, bool)], findings: &mut Vec<Finding>) {
    for (call, known) in calls {
        let Expr::Call(call) = call else { continue };
        let Expr::Attribute(method) = call.func.as_ref() else { continue };
        if claimed.covers(span(call)) {
            continue;
        }
        let name = method.attr.as_str();
        let entry = crate::api::table().method(name).next();
        let mut message = format!("`.{name}()`: MLX arrays have no `{name}`");
        match entry.and_then(|e| e.why.as_deref()) {
            Some(why) => message.push_str(&format!(" ({why})")),
            None => message.push_str("; port it by hand"),
        }
        if let Some(closest) = entry.and_then(|e| e.closest.as_deref()) {
            message.push_str(&format!("; closest MLX: {closest}"));
        }
        if !known {
            message.push_str(" (if the receiver is a tensor)");
        }
        findings.push(finding(span(call), message));
    }
}

/// A manual finding for every read or set of a tensor attribute MLX arrays lack (`p.grad`,
/// `p.requires_grad = False`), on a receiver that may be a tensor, that no other finding
/// covers: it fails at run time with `AttributeError` too.
fn claim_properties(uses: &[(&Expr, bool)], findings: &mut Vec<Finding>) {
    if uses.is_empty() {
        return;
    }
    let handled = PropertiesHandled::of(findings);
    let new: Vec<Finding> = uses
        .iter()
        .filter(|(expr, _)| !handled.covers(span(*expr)))
        .filter_map(|(expr, known)| {
            let Expr::Attribute(attribute) = expr else { return None };
            let name = attribute.attr.as_str();
            let mut message = format!("`.{name}`: MLX arrays have no `{name}` ({})", property_reason(name));
            if !known {
                message.push_str(" (if the receiver is a tensor)");
            }
            Some(finding(span(*expr), message))
        })
        .collect();
    findings.extend(new);
}

/// What deals with an attribute use: a finding reported on it exactly, or an edit replacing it
/// without copying it into the port. (`p.grad.norm()` rewritten to `mx.linalg.norm(p.grad)`
/// keeps `p.grad`, which still fails.) Looked up by binary search, so a file full of such uses
/// stays linear.
struct PropertiesHandled {
    exact: rustc_hash::FxHashSet<std::ops::Range<usize>>,
    /// The text edits replace outside their holes.
    dropped: Claimed,
}

impl PropertiesHandled {
    fn of(findings: &[Finding]) -> Self {
        let mut dropped = Vec::new();
        for edit in findings.iter().flat_map(|f| &f.edits) {
            // The holes in text order (a rewrite may reorder them: `mx.where(m, v, x)`).
            let mut kept: Vec<&std::ops::Range<usize>> = edit
                .pieces
                .iter()
                .filter_map(|piece| match piece {
                    crate::fix::Piece::Source(kept) => Some(kept),
                    crate::fix::Piece::Text(_) => None,
                })
                .collect();
            kept.sort_by_key(|r| r.start);
            let mut cursor = edit.range.start;
            for hole in kept {
                if hole.start > cursor {
                    dropped.push(cursor..hole.start.min(edit.range.end));
                }
                cursor = cursor.max(hole.end);
            }
            if cursor < edit.range.end {
                dropped.push(cursor..edit.range.end);
            }
        }
        Self {
            exact: findings.iter().map(|f| f.range.clone()).collect(),
            dropped: Claimed::new(dropped),
        }
    }

    fn covers(&self, range: std::ops::Range<usize>) -> bool {
        self.exact.contains(&range) || self.dropped.covers(range)
    }
}

/// Why an MLX array lacks a torch.Tensor property, and the closest MLX spelling.
fn property_reason(name: &str) -> &'static str {
    match name {
        "grad" => "MLX arrays keep no gradient: gradients are what mx.grad or nn.value_and_grad return; closest: the gradient tree value_and_grad returns",
        "requires_grad" => "MLX arrays carry no gradient flag: a module's arrays are trained unless frozen; closest: module.freeze(keys=[name]) to freeze, membership in module.trainable_parameters() to ask",
        "grad_fn" | "is_leaf" | "retains_grad" | "output_nr" | "grad_dtype" | "volatile" => "MLX records no autograd graph on arrays: gradients are taken of functions (mx.grad, nn.value_and_grad)",
        "H" => "closest: mx.conj(x).T",
        "mH" => "closest: mx.conj(x).mT",
        "name" => "MLX arrays have no named dimensions; closest: keep the axis names in your own code",
        "layout" => "MLX arrays are dense, torch's strided layout; closest: drop the check",
        _ if name.starts_with("is_") => "MLX has one unified memory and dense arrays: nothing to ask; closest: False",
        _ => "port it by hand",
    }
}

fn finding(range: std::ops::Range<usize>, message: String) -> Finding {
    let meta = RULE.meta();
    Finding {
        rule: meta.id,
        checklist: meta.checklist,
        range,
        message,
        applicability: crate::fix::Applicability::Manual,
        edits: Vec::new(),
        weights: Vec::new(),
        covers: &[],
    }
}

/// The ranges the findings so far claim: their own and whatever their edits replace (a
/// training-step rewrite replaces a clip_grad_norm_ call lines away from where it is
/// reported).
struct Claimed {
    ranges: Vec<std::ops::Range<usize>>,
    /// furthest[i]: the largest end among ranges[..=i], so one binary search answers "does
    /// any claimed range starting at or before this one reach past its end?".
    furthest: Vec<usize>,
}

impl Claimed {
    fn of(findings: &[Finding]) -> Self {
        Self::new(
            findings
                .iter()
                .flat_map(|f| std::iter::once(f.range.clone()).chain(f.edits.iter().map(|e| e.range.clone())))
                .collect(),
        )
    }

    fn new(mut ranges: Vec<std::ops::Range<usize>>) -> Self {
        ranges.sort_by_key(|r| r.start);
        let furthest = ranges
            .iter()
            .scan(0, |max, r| {
                *max = (*max).max(r.end);
                Some(*max)
            })
            .collect();
        Self { ranges, furthest }
    }

    fn covers(&self, range: std::ops::Range<usize>) -> bool {
        let before = self.ranges.partition_point(|c| c.start <= range.start);
        before > 0 && self.furthest[before - 1] >= range.end
    }
}
