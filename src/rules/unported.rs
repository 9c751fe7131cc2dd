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
use crate::parse::ast::{self, Expr, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};

pub struct Unported;
pub static RULE: Unported = Unported;

impl Rule for Unported {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "unported", step: "-", checklist: "torch-semantics", summary: "torch API uses no rule handles (manual)" }
    }
}

/// Add a manual finding for every maximal torch name chain not inside another finding.
pub fn claim_rest(cx: &Context, module: &ast::ModModule, findings: &mut Vec<Finding>) {
    let meta = RULE.meta();
    let mut chains = Chains { cx, found: Vec::new() };
    for stmt in &module.body {
        chains.visit_stmt(stmt);
    }
    let mut claimed: Vec<std::ops::Range<usize>> = findings.iter().map(|f| f.range.clone()).collect();
    claimed.sort_by_key(|r| r.start);
    for (range, name) in chains.found {
        let covered = claimed.iter().any(|c| c.start <= range.start && range.end <= c.end);
        if !covered {
            findings.push(Finding {
                rule: meta.id,
                checklist: meta.checklist,
                range,
                message: format!("`{name}` has no portui rewrite; port it by hand"),
                applicability: crate::fix::Applicability::Manual,
                edits: Vec::new(),
                weights: Vec::new(),
            });
        }
    }
}

struct Chains<'c, 'a> {
    cx: &'c Context<'a>,
    found: Vec<(std::ops::Range<usize>, String)>,
}

impl<'a> Visitor<'a> for Chains<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !matches!(stmt, Stmt::Import(_) | Stmt::ImportFrom(_)) {
            visitor::walk_stmt(self, stmt);
        }
    }
    fn visit_expr(&mut self, expr: &'a Expr) {
        if matches!(expr, Expr::Name(_) | Expr::Attribute(_))
            && let Some(name) = self.cx.torch_name(expr)
        {
            self.found.push((span(expr), name));
            return; // the maximal chain only
        }
        visitor::walk_expr(self, expr);
    }
}
