//! training-loop: a torch training step (forward, `loss.backward()`, `clip_grad_norm_`,
//! `optimizer.step()`, `zero_grad()`, also with an inner gradient-accumulation loop) →
//! a loss function differentiated by `nn.value_and_grad`, `optim.clip_grad_norm`,
//! `optimizer.update(model, grads)` and `mx.eval` at the iteration boundary.
//!
//! Why: MLX has no `.grad` on arrays; gradients come from a function transform
//! (`nn.value_and_grad(model, loss_fn)`), optimizers are applied with
//! `optimizer.update(model, grads)`, there is nothing to zero, and nothing is computed until
//! it is evaluated: without `mx.eval` after the update the graph grows across iterations.
//! The forward pass moves into a nested loss function at its place in the loop, so the
//! numbers it reads and the order of the surrounding statements stay the same; names it
//! assigns that are read later (the logits for an accuracy count) are returned with the
//! loss. Gradient accumulation sums the micro-batch gradients with `tree_map`, as torch's
//! `.grad` accumulation does.
//!
//! Example: `optimizer.zero_grad(); out = model(x); loss = crit(out, y); loss.backward();
//! optimizer.step()` → `def loss_fn(): out = model(x); loss = crit(out, y); return loss, out`,
//! `(loss, out), grads = nn.value_and_grad(model, loss_fn)()`,
//! `optimizer.update(model, grads)`, `mx.eval(loss, model.parameters(), optimizer.state)`.
//!
//! Fix safety: review, as one all-or-nothing hunk (half a restructured step does not run).
//! Shapes it does not recognise (a step under a condition, gradients read by hand, a model
//! that is an attribute, several backward calls...) get a manual finding with a template
//! written with the loop's own names. `GradScaler` and a stray `clip_grad_norm_` are named
//! with what the MLX version looks like.

use super::calls::method_call;
use super::context::{hole, text};
use super::loop_shape::{self, ModuleNames, TrainingStep, backward_of};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct TrainingLoop;
pub static RULE: TrainingLoop = TrainingLoop;

impl Rule for TrainingLoop {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "training-loop", step: "3", checklist: "backward-replaced", summary: "training step → nn.value_and_grad + optimizer.update + mx.eval (one hunk)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let range = span(call);
        let statement = cx.stmt().filter(|stmt| matches!(stmt, Stmt::Expr(e) if std::ptr::eq(e.value.as_ref(), expr)) || is_assigned_call(stmt, expr));
        let in_recognised_step = |belongs: &dyn Fn(&TrainingStep) -> bool| {
            statement.is_some() && loop_shape::around(cx, cx.stmt_stack.len() - 1).is_ok_and(|step| belongs(&step))
        };
        if let Some(q) = cx.torch_name(&call.func) {
            let message = if q == "torch.nn.utils.clip_grad_norm_" {
                let stmt = statement.map(|s| s as *const Stmt);
                if in_recognised_step(&|step| step.clips.iter().any(|clip| Some(clip.stmt as *const Stmt) == stmt)) {
                    return;
                }
                "clip_grad_norm_: grads, total_norm = optim.clip_grad_norm(grads, max_norm) on the gradient tree".to_string()
            } else if q.ends_with("GradScaler") {
                if let Some(lines) = statement.filter(|s| matches!(s, Stmt::Assign(_))).and_then(|s| cx.statement_lines(s)) {
                    out.safe(range, "GradScaler removed: MLX has no autocast, so no loss scaling (the training-step rewrite drops its scale/step/update calls)", vec![Edit::delete(lines)])
                        .checklist = "step-replaced";
                    return;
                }
                "GradScaler: not needed (no autocast in MLX): remove it and use the loss directly".to_string()
            } else {
                return;
            };
            out.manual(range, message).checklist = "step-replaced";
            return;
        }
        let Some((_, method)) = method_call(call) else { return };
        let stmt = statement.map(|s| s as *const Stmt);
        match method {
            "backward" if statement.is_some_and(|s| backward_of(s).is_some()) => {
                match loop_shape::around(cx, cx.stmt_stack.len() - 1) {
                    Ok(step) => restructure(cx, &step, range, out),
                    Err(refusal) => {
                        let loss = statement.and_then(backward_of).unwrap_or("loss");
                        let model = refusal.model.unwrap_or("model");
                        let optimizer = refusal.optimizer.unwrap_or("optimizer");
                        out.manual(
                            range,
                            format!(
                                "training step not restructured ({}). In MLX: `def loss_fn(): <the forward pass computing {loss}>; return {loss}` · \
                                 `{loss}, grads = nn.value_and_grad({model}, loss_fn)()` · `grads, _ = optim.clip_grad_norm(grads, max_norm)` if it clips · \
                                 `{optimizer}.update({model}, grads)` · `mx.eval({loss}, {model}.parameters(), {optimizer}.state)`; drop zero_grad()",
                                refusal.reason
                            ),
                        );
                    }
                }
            }
            "backward" if call.arguments.is_empty() || call.arguments.keywords.iter().any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "retain_graph")) => {
                out.manual(range, "loss.backward(): write the loss as a function of the model and use loss, grads = nn.value_and_grad(model, loss_fn)(...)");
            }
            "zero_grad" => {
                if in_recognised_step(&|step| step.zero_grads.iter().any(|z| Some(*z as *const Stmt) == stmt)) {
                    return;
                }
                out.manual(range, "zero_grad(): remove: MLX gradients are returned, never accumulated").checklist = "zero-grad-removed";
            }
            "step" if looks_like_optimizer(call) => {
                if in_recognised_step(&|step| Some(step.step as *const Stmt) == stmt) {
                    return;
                }
                out.manual(range, "optimizer.step(): optimizer.update(model, grads), then mx.eval(model.parameters(), optimizer.state)").checklist = "step-replaced";
            }
            _ => {}
        }
    }
}

fn is_assigned_call(stmt: &Stmt, expr: &Expr) -> bool {
    matches!(stmt, Stmt::Assign(a) if std::ptr::eq(a.value.as_ref(), expr))
}

fn looks_like_optimizer(call: &ast::ExprCall) -> bool {
    let Some((receiver, _)) = method_call(call) else { return false };
    let name = match receiver {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return false,
    };
    loop_shape::looks_like_optimizer(name) || name.ends_with("scaler")
}

/// The whole step as one finding: every edit below is one hunk.
fn restructure(cx: &Context, step: &TrainingStep, range: std::ops::Range<usize>, out: &mut Findings) {
    let names = ModuleNames::collect(cx.module);
    let function = names.fresh("loss_fn");
    let grads = names.fresh("grads");
    let micro_grads = names.fresh("micro_grads");
    let (model, optimizer, loss) = (step.model, step.optimizer, step.loss);
    let indent = cx.indent_of(&step.forward[0]);
    let unit = if indent.starts_with('\t') { "\t" } else { "    " };
    // Recognition checked that these statements have lines of their own.
    let own_lines = |stmt: &Stmt| cx.statement_lines(stmt).expect("checked when recognised");
    let (first, last) = (own_lines(&step.forward[0]), own_lines(step.forward.last().expect("non-empty")));
    // The forward pass, indented in place under the loss function's header. The indentation
    // goes after each line's own (not at the line start), so it composes with a rule that
    // dedents or deletes the line (an autocast `with` removed around the forward pass).
    let mut edits = vec![Edit::insert(first.start, format!("{indent}def {function}():\n"))];
    let mut line_start = first.start;
    while line_start < last.end {
        let line_end = cx.text[line_start..].find('\n').map_or(cx.text.len(), |n| line_start + n + 1);
        let line = &cx.text[line_start..line_end];
        if !line.trim().is_empty() {
            edits.push(Edit::insert(line_start + line.len() - line.trim_start().len(), unit));
        }
        line_start = line_end;
    }
    let (returned, target) = if step.outputs.len() == 1 {
        (loss.to_string(), loss.to_string())
    } else {
        let all = step.outputs.join(", ");
        (all.clone(), format!("({all})"))
    };
    let gradient_name = if step.accumulation.is_some() { &micro_grads } else { &grads };
    let mut after = format!("{indent}{unit}return {returned}\n{indent}{target}, {gradient_name} = nn.value_and_grad({model}, {function})()\n");
    if let Some(accumulation) = step.accumulation {
        after.push_str(&format!("{indent}{grads} = {micro_grads} if {grads} is None else tree_map(lambda a, b: a + b, {grads}, {micro_grads})\n"));
        edits.push(Edit::insert(own_lines(accumulation).start, format!("{}{grads} = None\n", cx.indent_of(accumulation))));
    }
    edits.push(Edit::insert(last.end, after));
    let mut removed = vec![step.backward];
    removed.extend(&step.zero_grads);
    removed.extend(&step.scaler_calls);
    edits.extend(removed.into_iter().map(|stmt| Edit::delete(own_lines(stmt))));
    let step_indent = cx.indent_of(step.step);
    edits.push(Edit::replace(
        span(step.step),
        format!("{optimizer}.update({model}, {grads})\n{step_indent}mx.eval({loss}, {model}.parameters(), {optimizer}.state)"),
    ));
    for clip in &step.clips {
        let norm = clip.norm.unwrap_or("_");
        edits.push(Edit::template(
            span(clip.stmt),
            vec![text(format!("{grads}, {norm} = optim.clip_grad_norm({grads}, ")), hole(clip.max_norm), text(")")],
        ));
    }
    let line = |node: &Stmt| cx.text[..span(node).start].matches('\n').count() + 1;
    let lines = format!("{}–{}", line(&step.forward[0]), line(step.forward.last().expect("non-empty")));
    let mut message = format!(
        "training step → nn.value_and_grad: the forward pass (lines {lines}) becomes {function}(), differentiated with nn.value_and_grad({model}, {function}); \
         backward and zero_grad() removed; {optimizer}.step() → {optimizer}.update({model}, {grads}) and mx.eval at the iteration boundary"
    );
    if !step.clips.is_empty() {
        message.push_str("; clip_grad_norm_ → optim.clip_grad_norm on the gradients");
    }
    if step.accumulation.is_some() {
        message.push_str("; micro-batch gradients summed with tree_map, as torch accumulates .grad");
    }
    if !step.scaler_calls.is_empty() || loop_shape::is_scaled(step.backward) {
        message.push_str("; GradScaler's scale/step/unscale_/update dropped (no autocast in MLX, so no loss scaling)");
    }
    message.push_str(". One hunk: part of it alone would not run");
    let finding = out.review(range, message, edits);
    finding.covers = &["zero-grad-removed", "step-replaced", "eval-at-boundaries"];
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    fn findings(source: &str) -> Vec<crate::rules::Finding> {
        crate::rules::findings_of("training-loop", source)
    }

    #[test]
    fn an_amp_step_drops_the_grad_scaler() {
        let source = "import torch\n\ndef train(model, loader, crit):\n    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)\n    scaler = torch.amp.GradScaler(\"cuda\")\n    for x, y in loader:\n        with torch.autocast(device_type=\"cuda\", dtype=torch.float16):\n            loss = crit(model(x), y)\n        scaler.scale(loss).backward()\n        scaler.unscale_(optimizer)\n        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n        scaler.step(optimizer)\n        scaler.update()\n        optimizer.zero_grad()\n";
        let module = crate::parse::parse_module(source).expect("parses");
        let all = crate::rules::check(source, &module);
        let port = crate::port::port(source, &all, |_| true).expect("ports").text;
        assert!(!port.contains("scaler") && !port.contains("torch"), "{port}");
        assert!(port.contains("        def loss_fn():\n            loss = crit(model(x), y)\n            return loss\n        loss, grads = nn.value_and_grad(model, loss_fn)()\n        grads, _ = optim.clip_grad_norm(grads, 1.0)\n        optimizer.update(model, grads)\n"), "{port}");
    }

    const STEP: &str = "import torch\n\ndef train(model, loader, crit):\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n    for x, y in loader:\n        optimizer.zero_grad()\n        FORWARD\n        loss.backward()\n        optimizer.step()\n";

    #[test]
    fn a_step_becomes_one_review_hunk_covering_its_checklist_items() {
        let source = STEP.replace("FORWARD", "out = model(x)\n        loss = crit(out, y)");
        let found = findings(&source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].applicability, Applicability::Review);
        assert!(found[0].concerns("zero-grad-removed") && found[0].concerns("step-replaced"));
        let port = crate::fix::apply_edits(&source, &found[0].edits.iter().collect::<Vec<_>>());
        assert!(port.contains("        def loss_fn():\n            out = model(x)\n            loss = crit(out, y)\n            return loss\n        loss, grads = nn.value_and_grad(model, loss_fn)()\n        optimizer.update(model, grads)\n        mx.eval(loss, model.parameters(), optimizer.state)\n"), "{port}");
        assert!(!port.contains("zero_grad") && !port.contains("backward"), "{port}");
    }

    #[test]
    fn a_forward_pass_sharing_a_line_is_manual_with_the_reason() {
        let source = STEP.replace("FORWARD", "out = model(x); loss = crit(out, y)");
        let found = findings(&source);
        let backward = found.iter().find(|f| f.message.contains("not restructured")).expect("a manual finding at the backward");
        assert_eq!(backward.applicability, Applicability::Manual);
        assert!(backward.message.contains("shares its line"), "{}", backward.message);
        assert!(found.iter().all(|f| f.edits.is_empty()));
    }
}
