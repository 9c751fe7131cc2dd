//! eval-boundaries: `mx.eval(x)` at the end of each iteration of an inference loop that feeds
//! a model's output back into the next step (generation).
//!
//! Why: MLX is lazy. A loop that calls the model and carries an array from one iteration to
//! the next (`idx = torch.cat((idx, idx_next), dim=1)`) builds one graph over every
//! iteration, evaluated only when the result is finally read: memory grows with the number
//! of steps and nothing overlaps. Evaluating the carried array at the end of each iteration
//! is the MLX idiom (the porting guide's evaluation points); torch computes eagerly, so the
//! numbers are the same. Training steps get their evaluation from the training-loop rule.
//!
//! Example: `for _ in range(n): logits = self(idx); ...; idx = torch.cat((idx, nxt), dim=1)`
//! → the same loop ending in `mx.eval(idx)`.
//!
//! Fix safety: review. Only loops that call the model (`self(...)` in a module's method, or
//! a name the enclosing function calls `.eval()`/`.parameters()`... on), take no gradients, are not in a
//! `forward`, and carry a name they both read and reassign; a loop that already reads the
//! carried array with `.item()`/`.tolist()` or evaluates it is left alone.

use super::loop_shape::{ModuleNames, backward_of};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, ExprContext, NodeKind, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};

pub struct EvalBoundaries;
pub static RULE: EvalBoundaries = EvalBoundaries;

impl Rule for EvalBoundaries {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "eval-boundaries", step: "5", checklist: "eval-at-boundaries", summary: "mx.eval of the carried array at the end of each generation-loop iteration" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtFor, NodeKind::StmtWhile])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        let body = match stmt {
            Stmt::For(f) if f.orelse.is_empty() => &f.body,
            Stmt::While(w) if w.orelse.is_empty() => &w.body,
            _ => return,
        };
        let Some((function, _)) = cx.function.as_ref() else { return };
        if matches!(function.name.as_str(), "forward" | "__call__") {
            return;
        }
        let names = LoopNames::of(body);
        if names.takes_gradients || names.evaluates || names.calls.is_empty() {
            return;
        }
        let Some(carried) = names.carried() else { return };
        // The model is `self` in a module's method, or a name the enclosing function treats as
        // one (looking at that function only keeps this cheap on large files).
        let self_call = names.calls.iter().any(|c| matches!(c, Callee::SelfCall)) && cx.class_info().is_some_and(|c| c.is_module);
        let calls_model = self_call || {
            let models = ModuleNames::collect_in(&function.body).models;
            names.calls.iter().any(|c| matches!(c, Callee::Name(name) if models.contains(name)))
        };
        if !calls_model {
            return;
        }
        let Some(last) = body.last() else { return };
        let Some(lines) = cx.statement_lines(last) else { return };
        let indent = cx.indent_of(&body[0]);
        out.review(
            span(stmt).start..span(stmt).start + cx.text[span(stmt).start..].find('\n').unwrap_or(0),
            format!("MLX is lazy: without an evaluation per iteration, `{carried}` is one graph over every step of this loop; mx.eval({carried}) ends each iteration (same numbers)"),
            vec![Edit::insert(lines.end, format!("{indent}mx.eval({carried})\n"))],
        );
    }
}

enum Callee<'a> {
    SelfCall,
    Name(&'a str),
}

/// What a loop body does with names, calls and gradients.
struct LoopNames<'a> {
    reads: Vec<&'a str>,
    /// Names assigned by plain statements of the body itself (in order).
    assigned: Vec<&'a str>,
    calls: Vec<Callee<'a>>,
    takes_gradients: bool,
    /// Something is already evaluated or read out (`mx.eval`, `.item()`, `.tolist()`).
    evaluates: bool,
}

impl<'a> LoopNames<'a> {
    fn of(body: &'a [Stmt]) -> Self {
        let mut names = Self { reads: Vec::new(), assigned: Vec::new(), calls: Vec::new(), takes_gradients: false, evaluates: false };
        for stmt in body {
            if let Stmt::Assign(assign) = stmt
                && let [Expr::Name(target)] = &assign.targets[..]
            {
                names.assigned.push(target.id.as_str());
            }
            names.takes_gradients |= backward_of(stmt).is_some();
            names.visit_stmt(stmt);
        }
        names
    }

    /// The last name the body reassigns that it also reads: the array carried to the next
    /// iteration.
    fn carried(&self) -> Option<&'a str> {
        self.assigned.iter().rev().copied().find(|name| self.reads.contains(name))
    }
}

impl<'a> Visitor<'a> for LoopNames<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if matches!(name.ctx, ExprContext::Load) => self.reads.push(name.id.as_str()),
            Expr::Call(call) => {
                match call.func.as_ref() {
                    Expr::Name(name) if name.id.as_str() == "self" => self.calls.push(Callee::SelfCall),
                    Expr::Name(name) => self.calls.push(Callee::Name(name.id.as_str())),
                    Expr::Attribute(attribute) => match attribute.attr.as_str() {
                        "item" | "tolist" | "eval" => self.evaluates = true,
                        "backward" | "value_and_grad" | "grad" => self.takes_gradients = true,
                        _ => {}
                    },
                    _ => {}
                }
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    fn findings(source: &str) -> Vec<crate::rules::Finding> {
        crate::rules::findings_of("eval-boundaries", source)
    }

    #[test]
    fn loops_over_layers_in_forward_and_training_loops_are_left_alone() {
        let layers = "import torch.nn as nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n        for block in self.blocks:\n            x = block(x)\n        return x\n";
        assert!(findings(layers).is_empty());
        let training = "import torch\n\ndef train(model, x, opt):\n    model.train()\n    for _ in range(3):\n        out = model(x)\n        loss = out.sum()\n        loss.backward()\n        opt.step()\n        x = out\n";
        assert!(findings(training).is_empty());
        let logged = "import torch\n\ndef run(model, x):\n    model.eval()\n    for _ in range(3):\n        x = model(x)\n        print(x.sum().item())\n";
        assert!(findings(logged).is_empty());
    }

    #[test]
    fn a_loop_feeding_a_model_its_output_evaluates_it_each_iteration() {
        let source = "import torch\n\ndef rollout(model, x):\n    model.eval()\n    for _ in range(3):\n        x = model(x)\n    return x\n";
        let found = findings(source);
        assert_eq!(found.len(), 1);
        let port = crate::fix::apply_edits(source, &found[0].edits.iter().collect::<Vec<_>>());
        assert!(port.contains("        x = model(x)\n        mx.eval(x)\n    return x\n"), "{port}");
    }
}
