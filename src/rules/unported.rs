//! unported: any torch API use that no rule understands.
//!
//! Why: a report must say precisely what remains. portui leaves such code as it is rather than
//! guess, and names it here so the conversion rate counts it.
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

/// Add a manual finding for every maximal torch name chain (collected during the walk) that
/// no other finding covers.
pub fn claim_rest(cx: &Context, chains: &[&Expr], findings: &mut Vec<Finding>) {
    let meta = RULE.meta();
    // A finding claims its own range and whatever its edits replace (a training-step rewrite
    // replaces a clip_grad_norm_ call lines away from where it is reported).
    let mut claimed: Vec<std::ops::Range<usize>> = findings
        .iter()
        .flat_map(|f| std::iter::once(f.range.clone()).chain(f.edits.iter().map(|e| e.range.clone())))
        .collect();
    claimed.sort_by_key(|r| r.start);
    // furthest[i]: the largest end among claimed[..=i], so one binary search answers
    // "does any claimed range starting at or before this one reach past its end?".
    let furthest: Vec<usize> = claimed
        .iter()
        .scan(0, |max, r| {
            *max = (*max).max(r.end);
            Some(*max)
        })
        .collect();
    for chain in chains {
        let range = span(*chain);
        let before = claimed.partition_point(|c| c.start <= range.start);
        let covered = before > 0 && furthest[before - 1] >= range.end;
        if covered {
            continue;
        }
        let Some(name) = cx.torch_name(chain) else { continue };
        findings.push(Finding {
            rule: meta.id,
            checklist: meta.checklist,
            range,
            message: format!("`{name}` has no portui rewrite; port it by hand"),
            applicability: crate::fix::Applicability::Manual,
            edits: Vec::new(),
            weights: Vec::new(),
            covers: &[],
        });
    }
}
