//! weight-tying: `self.a.weight = self.b.weight` → one owner, read at call time.
//!
//! Why: in torch the assignment makes both layers share one Parameter. In MLX it copies the
//! array into a second leaf: gradients are not summed over both uses, the two copies drift
//! apart in training and the parameter is counted twice, while forward outputs still match
//! (mlx-traps #4). With an Embedding and a Linear (the usual input/output tying), the
//! Embedding owns the weight and the Linear's calls become `embedding.as_linear(x)`; the
//! Linear is deleted right after it is built. The weight map records the torch alias.
//!
//! Example: `self.transformer.wte.weight = self.lm_head.weight` →
//! `del self.lm_head  # tied: self.transformer.wte owns the weight`, and
//! `self.lm_head(x)` → `self.transformer.wte.as_linear(x)`.
//!
//! Fix safety: review: one hunk for the tie and every call site (all or nothing).

use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};
use crate::semantic::self_attribute;
use crate::weights::WeightNote;

pub struct WeightTying;
pub static RULE: WeightTying = WeightTying;

impl Rule for WeightTying {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "weight-tying", step: "1", checklist: "torch-semantics", summary: "tied weights → a single owner (as_linear)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtAssign])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        let Stmt::Assign(assign) = stmt else { return };
        let [target] = &assign.targets[..] else { return };
        let (Some(left), Some(right)) = (weight_owner(target), weight_owner(&assign.value)) else { return };
        if !cx.in_module() {
            return;
        }
        let range = span(stmt);
        let (left_type, right_type) = (layer_type(cx, left), layer_type(cx, right));
        let (embedding, linear) = match (left_type.as_deref(), right_type.as_deref()) {
            (Some("torch.nn.Embedding"), Some("torch.nn.Linear")) => (left, right),
            (Some("torch.nn.Linear"), Some("torch.nn.Embedding")) => (right, left),
            _ => {
                out.manual(range, "tied weights: MLX copies instead of sharing; keep one owner and read its weight at call time (e.g. x @ owner.weight.T)");
                return;
            }
        };
        let (embedding_src, linear_src) = (cx.src(embedding), cx.src(linear));
        let Some(class) = cx.class else { return };
        let mut edits = vec![Edit::replace(range.clone(), format!("del {linear_src}  # tied: {embedding_src} owns the weight (as_linear)"))];
        let mut calls = CallSites { callee: linear_src, text: cx.text, found: Vec::new() };
        class.body.iter().for_each(|s| calls.visit_stmt(s));
        for callee in calls.found {
            edits.push(Edit::replace(callee, format!("{embedding_src}.as_linear")));
        }
        let strip = |s: &str| s.strip_prefix("self.").unwrap_or(s).to_string();
        let finding = out.review(range, format!("weight tying: MLX would copy, not share: {embedding_src} owns the weight and {linear_src}(x) becomes {embedding_src}.as_linear(x)"), edits);
        finding.weights.push(WeightNote::Alias { class: class.name.to_string(), name: format!("{}.weight", strip(linear_src)), owner: format!("{}.weight", strip(embedding_src)) });
    }
}

/// `X.weight` → `X`.
fn weight_owner(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Attribute(a) if a.attr.as_str() == "weight" => Some(a.value.as_ref()),
        _ => None,
    }
}

/// Layer type of `self.x` or `self.d.x` (a ModuleDict entry built in `__init__`).
fn layer_type(cx: &Context, expr: &Expr) -> Option<String> {
    if let Some(t) = cx.layer_type(expr) {
        return Some(t.to_string());
    }
    // self.transformer.wte where transformer = nn.ModuleDict(dict(wte=nn.Embedding(...)))
    let Expr::Attribute(attribute) = expr else { return None };
    let container = self_attribute(attribute.value.as_ref())?;
    let class = cx.class?;
    let mut finder = DictEntry { cx, container, entry: attribute.attr.as_str(), found: None };
    class.body.iter().for_each(|s| finder.visit_stmt(s));
    finder.found
}

struct DictEntry<'c, 'a> {
    cx: &'c Context<'a>,
    container: &'c str,
    entry: &'c str,
    found: Option<String>,
}

impl<'a> Visitor<'a> for DictEntry<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::Assign(assign) = stmt
            && assign.targets.iter().any(|t| self_attribute(t) == Some(self.container))
        {
            self.visit_expr(&assign.value);
        }
        visitor::walk_stmt(self, stmt);
    }
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            for keyword in &call.arguments.keywords {
                if keyword.arg.as_ref().is_some_and(|a| a.as_str() == self.entry)
                    && let Expr::Call(inner) = &keyword.value
                {
                    self.found = self.cx.torch_name(&inner.func).map(String::from);
                }
            }
        }
        visitor::walk_expr(self, expr);
    }
}

struct CallSites<'s> {
    callee: &'s str,
    text: &'s str,
    found: Vec<std::ops::Range<usize>>,
}

impl<'a> Visitor<'a> for CallSites<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr
            && &self.text[span(call.func.as_ref())] == self.callee
        {
            self.found.push(span(call.func.as_ref()));
        }
        visitor::walk_expr(self, expr);
    }
}
