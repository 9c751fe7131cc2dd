//! schedulers: a `torch.optim.lr_scheduler` scheduler stepped once per optimizer step →
//! an `mlx.optimizers` schedule passed as the optimizer's learning rate, in one finding that
//! also removes the scheduler and its `scheduler.step()`.
//!
//! Why: MLX has no scheduler objects: a schedule is a function of the optimizer's update count,
//! given as `learning_rate`, and the optimizer evaluates it before each `optimizer.update`.
//! torch counts `scheduler.step()` calls instead, so the mapping is exact only when the scheduler
//! steps once per optimizer step: `scheduler.step()` after the optimizer's step (`optimizer.step()`
//! or a helper given the optimizer) in the same block. Then `StepLR` is `optim.step_decay`,
//! `ExponentialLR` `optim.exponential_decay`, `CosineAnnealingLR` `optim.cosine_decay` (torch's
//! rate rises again after `T_max`, MLX's stays at `eta_min`), `LinearLR` `optim.linear_schedule`,
//! `SequentialLR` `optim.join_schedules`, `MultiStepLR` and `LambdaLR` small lambdas of the step
//! (torch's `lr_lambda` gets the step as a Python int, so `step.item()`), and `OneCycleLR` with
//! `cycle_momentum=False` two joined anneals. All but OneCycleLR start from the optimizer's
//! `lr`. Everything else is manual and says why, with the schedule when there is one:
//! a scheduler stepped per epoch while the optimizer steps per batch (the schedule needs the
//! number of updates per epoch; when the optimizer's one step sits in `for ... in loader` and
//! the loader exists before the optimizer, the schedule becomes
//! `lambda step: schedule(step // len(loader))`, review), an optimizer and scheduler not built in one scope, a scheduler
//! used for more than stepping (`get_last_lr()`: read `optimizer.learning_rate`), `OneCycleLR`
//! cycling momentum (its default), `ReduceLROnPlateau` (it follows a metric), and learning rates set
//! by hand on some `param_groups` only. Setting every group's `lr` in a loop
//! (`for g in optimizer.param_groups: g["lr"] = lr`) becomes `optimizer.learning_rate = lr`.
//!
//! Example: `optimizer = torch.optim.SGD(model.parameters(), lr=0.1)`,
//! `scheduler = StepLR(optimizer, step_size=30, gamma=0.5)`, and in the loop `optimizer.step()`
//! then `scheduler.step()` → `optimizer = torch.optim.SGD(model.parameters(), lr=optim.step_decay(0.1, 0.5, 30))`
//! (which the optimizers rule ports), the scheduler line and `scheduler.step()` removed.
//!
//! Fix safety: safe for step, multi-step, exponential, linear and one-cycle schedules (the same rate at every
//! update, run against torch in the conformance tests); review when the step is a helper given
//! the optimizer (it must step it once), for `CosineAnnealingLR` (differs after `T_max`) and for
//! `LambdaLR` (`step.item()` keeps the schedule out of `mx.compile`).

use super::calls::method_call;
use super::context::{argument, hole, operand, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};
use schedule::schedule;

mod schedule;

pub struct Schedulers;
pub static RULE: Schedulers = Schedulers;

const PREFIX: &str = "torch.optim.lr_scheduler.";

/// Schedulers without an automatic mapping, and why.
const UNMAPPED: &[(&str, &str)] = &[
    (
        "ReduceLROnPlateau",
        "it follows a metric, not the step count: set optimizer.learning_rate yourself when the metric stops improving",
    ),
    (
        "CosineAnnealingWarmRestarts",
        "no MLX schedule restarts: join one optim.cosine_decay per cycle with optim.join_schedules",
    ),
    (
        "ChainedScheduler",
        "MLX schedules do not multiply: write the product as one function of the step",
    ),
    (
        "CyclicLR",
        "no MLX cyclic schedule (and it cycles momentum by default): write it as a function of the step",
    ),
    (
        "ConstantLR",
        "no automatic mapping: lambda step: mx.where(step < total_iters, lr * factor, lr)",
    ),
    (
        "PolynomialLR",
        "no automatic mapping: lambda step: lr * (1 - mx.minimum(step, total_iters) / total_iters) ** power",
    ),
];

impl Rule for Schedulers {
    fn meta(&self) -> RuleMeta {
        RuleMeta {
            id: "schedulers",
            step: "3",
            checklist: "schedules-ported",
            summary: "LR schedulers → mlx.optimizers schedules as the learning rate; scheduler.step() removed",
        }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtAssign, NodeKind::StmtFor, NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        if let Some((optimizer, value)) = every_group_lr(stmt) {
            let edit = Edit::template(span(stmt), vec![text(format!("{optimizer}.learning_rate = ")), hole(value)]);
            out.safe(span(stmt), "learning rate set for every param_group → optimizer.learning_rate = value (MLX reads it at the next update)", vec![edit]);
            return;
        }
        let Stmt::Assign(assign) = stmt else { return };
        let in_rewritten_loop = cx.stmt_stack.iter().rev().nth(1).is_some_and(|parent| every_group_lr(parent).is_some());
        if !in_rewritten_loop && assign.targets.iter().any(|target| sets_param_group_lr(cx, target)) {
            out.manual(
                span(stmt),
                "learning rate set by hand through param_groups: in MLX assign optimizer.learning_rate = value (it takes effect at the next update), or pass a schedule as learning_rate",
            );
        }
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some(qualified) = cx.torch_name(&call.func) else {
            return;
        };
        let Some(kind) = qualified.strip_prefix(PREFIX) else {
            return;
        };
        if inside_sequential(cx) {
            return; // the enclosing SequentialLR's finding ports it
        }
        let range = span(call);
        if let Some((_, why)) = UNMAPPED.iter().find(|(name, _)| *name == kind) {
            out.manual(range, format!("{kind}: {why}"));
            return;
        }
        let scope = scope_body(cx);
        let Some(name) = bound_name(cx, call) else {
            out.manual(range, format!("{kind}: not assigned to a name, so its step() calls cannot be found: assign it, or pass its schedule as the optimizer's learning_rate by hand"));
            return;
        };
        if used_in_sequential(cx, scope, name) {
            return;
        }
        match coupled_rewrite(cx, call, kind, name, scope) {
            Ok(rewrite) => {
                let message = format!(
                    "{kind} → {} as the optimizer's learning_rate; the scheduler and its step() removed (MLX evaluates the schedule at each optimizer.update){}",
                    rewrite.schedule,
                    rewrite.caveat.as_ref().map(|c| format!(": {c}")).unwrap_or_default()
                );
                // A SequentialLR's finding covers its schedulers' statements too.
                let range = rewrite.first_statement.min(range.start)..range.end;
                if rewrite.caveat.is_some() {
                    out.review(range, message, rewrite.edits);
                } else {
                    out.safe(range, message, rewrite.edits);
                }
            }
            Err(why) => {
                out.manual(range, format!("{kind}: {why}"));
            }
        }
    }
}

struct Rewrite {
    edits: Vec<Edit>,
    /// Where the first statement the rewrite removes starts.
    first_statement: usize,
    /// The schedule as it will read (for the message).
    schedule: String,
    caveat: Option<String>,
}

fn coupled_rewrite<'a>(
    cx: &Context<'a>,
    call: &'a ast::ExprCall,
    kind: &str,
    name: &str,
    scope: &'a [Stmt],
) -> Result<Rewrite, String> {
    let placeholder = [text("LR")];
    let optimizer = argument(call, 0, "optimizer")
        .filter(|o| matches!(o, Expr::Name(_) | Expr::Attribute(_)))
        .map(|o| cx.src(o));
    let optimizer_call = optimizer.and_then(|o| optimizer_built_in(cx, scope, o));
    let lr = optimizer_call.and_then(|c| argument(c, 1, "lr"));
    let mut deleted: Vec<&Stmt> = Vec::new();
    let lr_pieces = lr.map_or_else(|| placeholder.to_vec(), operand);
    let schedule = schedule(cx, call, kind, &lr_pieces, optimizer, scope, &mut deleted)?;
    let rendered = render(cx, &schedule.pieces);
    let (Some(optimizer), Some(_)) = (optimizer, optimizer_call) else {
        return Err(format!(
            "its optimizer is not built in the same function: pass {rendered} as the optimizer's learning_rate (LR: its lr) and remove the scheduler and its step() calls"
        ));
    };
    let Some(lr) = lr else {
        return Err(format!(
            "the optimizer's lr is torch's default: write lr= explicitly, then the schedule is {rendered}"
        ));
    };
    let per_epoch = format!(
        "with steps_per_epoch optimizer updates per scheduler step, pass learning_rate=lambda step: schedule(step // steps_per_epoch) where schedule = {rendered}, and remove the scheduler and its step() calls"
    );
    let steps = Steps::find(cx, scope, name, optimizer);
    let [(block, index)] = steps.scheduler[..] else {
        return Err(if steps.scheduler.is_empty() {
            format!("no {name}.step() in the function that builds it: MLX schedules advance once per optimizer.update; {per_epoch}")
        } else {
            format!("{name}.step() is called in several places: MLX schedules advance once per optimizer.update; {per_epoch}")
        });
    };
    let step_stmt = &block[index];
    let stepping: Vec<&Stmt> = block[..index]
        .iter()
        .filter(|s| steps_optimizer(cx, s, optimizer))
        .collect();
    if stepping.is_empty()
        && let Some(loader) = per_epoch_loader(cx, scope, optimizer, step_stmt)
    {
        // MLX evaluates the schedule when the optimizer is built: the loader must exist by then.
        let built_at = span(optimizer_call.expect("checked above")).start;
        if !bound_before(cx, scope, loader, built_at) {
            return Err(format!("{name}.step() runs per epoch over {loader}, which is bound after the optimizer is built (MLX evaluates the schedule then): build the optimizer after {loader}; {per_epoch}"));
        }
        let mut pieces = vec![text("lambda step: ")];
        pieces.extend(schedule.pieces);
        pieces.push(text(format!("(step // len({loader}))")));
        let mut edits = vec![Edit::template(span(lr), pieces)];
        let mut removed = vec![cx.stmt().expect("a call is inside a statement"), step_stmt];
        removed.extend(deleted);
        let first_statement = removed.iter().map(|s| span(*s).start).min().unwrap_or(0);
        for stmt in removed {
            let lines = cx.statement_lines(stmt).ok_or_else(|| format!("`{}` shares its line with other statements: {per_epoch}", cx.src(stmt)))?;
            edits.push(Edit::delete(lines));
        }
        if name_uses(cx, scope, name) != 2 {
            return Err(format!(
                "{name} is used for more than step() (get_last_lr(), state_dict()...): with a schedule, read optimizer.learning_rate instead; {per_epoch}"
            ));
        }
        return Ok(Rewrite {
            edits,
            first_statement,
            schedule: format!("lambda step: {rendered}(step // len({loader}))"),
            caveat: Some(format!("{name}.step() runs once per epoch and the optimizer once per batch of {loader}: the schedule counts epochs as updates // len({loader}), assuming one pass over {loader} per {name}.step()")),
        });
    }
    let [optimizer_step] = stepping[..] else {
        return Err(format!(
            "{name}.step() is not called once right after each {optimizer} step (it looks per epoch while the optimizer steps per batch, or the optimizer steps several times in its block): MLX schedules advance once per optimizer.update; {per_epoch}"
        ));
    };
    if steps.direct_optimizer_steps > usize::from(is_direct_step(cx, optimizer_step, optimizer)) {
        return Err(format!(
            "{optimizer}.step() is also called outside the block that steps {name}: {per_epoch}"
        ));
    }
    let uses = name_uses(cx, scope, name);
    if uses != 2 {
        return Err(format!(
            "{name} is used for more than step() (get_last_lr(), state_dict()...): with a schedule, read optimizer.learning_rate instead; then pass {rendered} as the optimizer's learning_rate"
        ));
    }
    let mut edits = vec![Edit::template(span(lr), schedule.pieces)];
    deleted.push(cx.stmt().expect("a call is inside a statement"));
    let first_statement = deleted.iter().map(|s| span(*s).start).min().unwrap_or(0);
    deleted.push(step_stmt);
    for stmt in deleted {
        let Some(lines) = cx.statement_lines(stmt) else {
            return Err(format!(
                "`{}` shares its line with other statements: pass {rendered} as the optimizer's learning_rate and remove the scheduler by hand",
                cx.src(stmt)
            ));
        };
        edits.push(Edit::delete(lines));
    }
    let helper_caveat = (!is_direct_step(cx, optimizer_step, optimizer)).then(|| {
        format!(
            "`{}` must step {optimizer} exactly once",
            cx.src(optimizer_step).trim()
        )
    });
    let caveat = match (schedule.caveat, helper_caveat) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.map(str::to_string).or(b),
    };
    Ok(Rewrite {
        edits,
        first_statement,
        schedule: rendered,
        caveat,
    })
}

/// Source text of pieces, for messages.
fn render(cx: &Context, pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(t) => t.as_str(),
            Piece::Source(range) => &cx.text[range.clone()],
        })
        .collect()
}

fn scope_body<'a>(cx: &Context<'a>) -> &'a [Stmt] {
    cx.function
        .as_ref()
        .map_or(&cx.module.body[..], |(f, _)| &f.body[..])
}

/// `name` (or `self.name`) in `name = <this call>`, as written.
fn bound_name<'a>(cx: &Context<'a>, call: &ast::ExprCall) -> Option<&'a str> {
    let Some(Stmt::Assign(assign)) = cx.stmt() else {
        return None;
    };
    let is_this_call = matches!(assign.value.as_ref(), Expr::Call(c) if std::ptr::eq(c, call));
    match assign.targets.as_slice() {
        [target @ (Expr::Name(_) | Expr::Attribute(_))] if is_this_call => Some(cx.src(target)),
        _ => None,
    }
}

/// A name or attribute chain written as `name`.
fn is_named(cx: &Context, expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(_) | Expr::Attribute(_)) && cx.src(expr) == name
}

/// The checked call is an argument (or list element) of a SequentialLR call.
fn inside_sequential(cx: &Context) -> bool {
    cx.expr_stack.iter().rev().any(|e| {
        matches!(e, Expr::Call(c) if cx.torch_name(&c.func).as_deref() == Some("torch.optim.lr_scheduler.SequentialLR"))
    })
}

/// `name` is listed in a SequentialLR built in the same scope (its finding ports both).
fn used_in_sequential<'a>(cx: &Context<'a>, scope: &'a [Stmt], name: &str) -> bool {
    assigned_calls(cx, scope).into_iter().any(|(_, call, _)| {
        cx.torch_name(&call.func).as_deref() == Some("torch.optim.lr_scheduler.SequentialLR")
            && matches!(argument(call, 1, "schedulers"), Some(Expr::List(list))
                if list.elts.iter().any(|e| is_named(cx, e, name)))
    })
}

/// Every `name = call(...)` in the scope's blocks (not inside nested functions or classes).
fn assigned_calls<'a>(cx: &Context<'a>, scope: &'a [Stmt]) -> Vec<(&'a str, &'a ast::ExprCall, &'a Stmt)> {
    let mut found = Vec::new();
    for block in blocks(scope) {
        for stmt in block {
            if let Stmt::Assign(assign) = stmt
                && let [target @ (Expr::Name(_) | Expr::Attribute(_))] = assign.targets.as_slice()
                && let Expr::Call(call) = assign.value.as_ref()
            {
                found.push((cx.src(target), call, stmt));
            }
        }
    }
    found
}

/// The only call assigned to `name` in the scope, when it is a torch optimizer.
fn optimizer_built_in<'a>(
    cx: &Context<'a>,
    scope: &'a [Stmt],
    name: &str,
) -> Option<&'a ast::ExprCall> {
    let calls: Vec<_> = assigned_calls(cx, scope)
        .into_iter()
        .filter(|(n, ..)| *n == name)
        .collect();
    match calls[..] {
        [(_, call, _)] => cx
            .torch_name(&call.func)
            .is_some_and(|q| q.starts_with("torch.optim.") && !q.starts_with(PREFIX))
            .then_some(call),
        _ => None,
    }
}

fn scheduler_built_in<'a>(
    cx: &Context<'a>,
    scope: &'a [Stmt],
    name: &str,
) -> Option<(&'a ast::ExprCall, &'a Stmt)> {
    let calls: Vec<_> = assigned_calls(cx, scope)
        .into_iter()
        .filter(|(n, ..)| *n == name)
        .collect();
    match calls[..] {
        [(_, call, stmt)] => cx
            .torch_name(&call.func)
            .is_some_and(|q| q.starts_with(PREFIX))
            .then_some((call, stmt)),
        _ => None,
    }
}

/// Every statement list in the scope, the scope's own first, without entering nested
/// functions or classes (their statements run at other times).
fn blocks(scope: &[Stmt]) -> Vec<&[Stmt]> {
    let mut out = vec![scope];
    let mut index = 0;
    while index < out.len() {
        for stmt in out[index] {
            match stmt {
                Stmt::For(s) => out.extend([&s.body[..], &s.orelse[..]]),
                Stmt::While(s) => out.extend([&s.body[..], &s.orelse[..]]),
                Stmt::If(s) => {
                    out.push(&s.body);
                    out.extend(s.elif_else_clauses.iter().map(|c| &c.body[..]));
                }
                Stmt::With(s) => out.push(&s.body),
                Stmt::Try(s) => {
                    out.extend([&s.body[..], &s.orelse[..], &s.finalbody[..]]);
                    out.extend(s.handlers.iter().map(|h| {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        &h.body[..]
                    }));
                }
                _ => {}
            }
        }
        index += 1;
    }
    out
}

/// `receiver.method()` as a whole expression statement, with no arguments.
fn is_method_statement(cx: &Context, stmt: &Stmt, receiver: &str, method: &str) -> bool {
    let Stmt::Expr(expression) = stmt else {
        return false;
    };
    let Expr::Call(call) = expression.value.as_ref() else {
        return false;
    };
    call.arguments.is_empty()
        && matches!(method_call(call), Some((r, m)) if m == method && is_named(cx, r, receiver))
}

fn is_direct_step(cx: &Context, stmt: &Stmt, optimizer: &str) -> bool {
    is_method_statement(cx, stmt, optimizer, "step")
}

/// `optimizer.step()`, or a call given the optimizer as an argument (`train_step(model,
/// optimizer, batch)`, possibly assigned).
fn steps_optimizer(cx: &Context, stmt: &Stmt, optimizer: &str) -> bool {
    if is_direct_step(cx, stmt, optimizer) {
        return true;
    }
    let value = match stmt {
        Stmt::Expr(e) => e.value.as_ref(),
        Stmt::Assign(a) => a.value.as_ref(),
        _ => return false,
    };
    let Expr::Call(call) = value else {
        return false;
    };
    call.arguments
        .iter_source_order()
        .any(|argument| match argument {
            ast::ArgOrKeyword::Arg(e) => is_named(cx, e, optimizer),
            ast::ArgOrKeyword::Keyword(k) => is_named(cx, &k.value, optimizer),
        })
}

/// Whether `name` is a parameter of the enclosing function or assigned in `scope` before `offset`.
fn bound_before(cx: &Context, scope: &[Stmt], name: &str, offset: usize) -> bool {
    struct Binding<'n> {
        name: &'n str,
        offset: usize,
        found: bool,
    }
    impl<'a> Visitor<'a> for Binding<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(n) = expr
                && n.id.as_str() == self.name
                && matches!(n.ctx, ast::ExprContext::Store)
                && span(n).start < self.offset
            {
                self.found = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let parameter = cx.function.as_ref().is_some_and(|(f, _)| f.parameters.iter_non_variadic_params().any(|p| p.parameter.name.as_str() == name));
    let mut binding = Binding { name, offset, found: false };
    scope.iter().for_each(|stmt| binding.visit_stmt(stmt));
    parameter || binding.found
}

/// The loader the optimizer steps over once per batch, when the scheduler steps per epoch:
/// the one `optimizer.step()` of the scope (functions included) sits in `for ... in loader`
/// (or `enumerate(loader)`), and the scheduler's step is outside that loop.
fn per_epoch_loader<'a>(cx: &Context, scope: &'a [Stmt], optimizer: &str, scheduler_step: &Stmt) -> Option<&'a str> {
    struct Finder<'c, 'a> {
        cx: &'c Context<'c>,
        optimizer: &'c str,
        loops: Vec<&'a ast::StmtFor>,
        found: Vec<Option<&'a ast::StmtFor>>,
    }
    impl<'a> Visitor<'a> for Finder<'_, 'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            // In a loop, a call given the optimizer steps it (a train_step helper); outside
            // loops such calls build things from it (the scheduler itself).
            if is_direct_step(self.cx, stmt, self.optimizer) || (!self.loops.is_empty() && steps_optimizer(self.cx, stmt, self.optimizer)) {
                self.found.push(self.loops.last().copied());
            }
            if let Stmt::For(for_stmt) = stmt {
                self.loops.push(for_stmt);
                visitor::walk_stmt(self, stmt);
                self.loops.pop();
            } else {
                visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut finder = Finder { cx, optimizer, loops: Vec::new(), found: Vec::new() };
    scope.iter().for_each(|stmt| finder.visit_stmt(stmt));
    let [Some(batch_loop)] = finder.found[..] else { return None };
    let outside = !span(batch_loop).contains(&span(scheduler_step).start);
    let loader = match batch_loop.iter.as_ref() {
        Expr::Name(name) => name,
        Expr::Call(call) if matches!(call.func.as_ref(), Expr::Name(f) if f.id.as_str() == "enumerate") => match &call.arguments.args[..] {
            [Expr::Name(name)] => name,
            _ => return None,
        },
        _ => return None,
    };
    outside.then_some(loader.id.as_str())
}

struct Steps<'a> {
    /// Each `scheduler.step()` statement: its block and index there.
    scheduler: Vec<(&'a [Stmt], usize)>,
    /// `optimizer.step()` statements anywhere in the scope.
    direct_optimizer_steps: usize,
}

impl<'a> Steps<'a> {
    fn find(cx: &Context, scope: &'a [Stmt], scheduler: &str, optimizer: &str) -> Self {
        let mut steps = Steps {
            scheduler: Vec::new(),
            direct_optimizer_steps: 0,
        };
        for block in blocks(scope) {
            for (index, stmt) in block.iter().enumerate() {
                if is_method_statement(cx, stmt, scheduler, "step") {
                    steps.scheduler.push((block, index));
                }
                if is_direct_step(cx, stmt, optimizer) {
                    steps.direct_optimizer_steps += 1;
                }
            }
        }
        steps
    }
}

/// How often `name` (a name or attribute chain) appears in the scope, nested functions included.
fn name_uses(cx: &Context, scope: &[Stmt], name: &str) -> usize {
    struct Counter<'c, 'n> {
        cx: &'c Context<'c>,
        name: &'n str,
        count: usize,
    }
    impl<'a> Visitor<'a> for Counter<'_, '_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if is_named(self.cx, expr, self.name) {
                self.count += 1;
                return;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut counter = Counter { cx, name, count: 0 };
    scope.iter().for_each(|stmt| counter.visit_stmt(stmt));
    counter.count
}

/// `for group in optimizer.param_groups: group["lr"] = value`, the whole loop: the optimizer's
/// name and the value.
fn every_group_lr(stmt: &Stmt) -> Option<(&str, &Expr)> {
    let Stmt::For(for_stmt) = stmt else { return None };
    let (Expr::Name(group), Expr::Attribute(groups)) = (for_stmt.target.as_ref(), for_stmt.iter.as_ref()) else { return None };
    let Expr::Name(optimizer) = groups.value.as_ref() else { return None };
    let ([Stmt::Assign(assign)], true, "param_groups") = (&for_stmt.body[..], for_stmt.orelse.is_empty(), groups.attr.as_str()) else { return None };
    let [Expr::Subscript(target)] = &assign.targets[..] else { return None };
    let keyed_lr = matches!(target.slice.as_ref(), Expr::StringLiteral(key) if key.value.to_str() == "lr");
    let on_group = matches!(target.value.as_ref(), Expr::Name(n) if n.id == group.id);
    (keyed_lr && on_group).then_some((optimizer.id.as_str(), assign.value.as_ref()))
}

/// `group["lr"] = ...` where `group` comes from an optimizer's `param_groups` (directly, or as
/// the variable of an enclosing `for group in optimizer.param_groups`).
fn sets_param_group_lr(cx: &Context, target: &Expr) -> bool {
    let Expr::Subscript(subscript) = target else {
        return false;
    };
    if !matches!(subscript.slice.as_ref(), Expr::StringLiteral(key) if key.value.to_str() == "lr") {
        return false;
    }
    if cx.src(subscript.value.as_ref()).contains("param_groups") {
        return true;
    }
    let Expr::Name(group) = subscript.value.as_ref() else {
        return false;
    };
    cx.stmt_stack.iter().any(|stmt| {
        matches!(stmt, Stmt::For(for_stmt)
            if matches!(for_stmt.target.as_ref(), Expr::Name(n) if n.id == group.id)
                && matches!(for_stmt.iter.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "param_groups"))
    })
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    fn findings(source: &str) -> Vec<crate::rules::Finding> {
        crate::rules::findings_of("schedulers", source)
    }

    #[test]
    fn per_epoch_scheduler_over_a_loader_counts_epochs_by_its_length() {
        let source = "import torch\n\ndef train(model, loader):\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30)\n    for epoch in range(90):\n        for x in loader:\n            opt.step()\n        sched.step()\n";
        let found = findings(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].applicability, Applicability::Review);
        let port = crate::fix::apply_edits(source, &found[0].edits.iter().collect::<Vec<_>>());
        assert!(port.contains("lr=lambda step: optim.step_decay(0.1, 0.1, 30)(step // len(loader)))"), "{port}");
        assert!(!port.contains("sched"), "{port}");
    }

    #[test]
    fn per_epoch_scheduler_with_per_batch_optimizer_is_manual_with_the_schedule() {
        let source = "import torch\n\ndef train(model, steps):\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30)\n    for epoch in range(90):\n        for x in range(steps):\n            opt.step()\n        sched.step()\n";
        let found = findings(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].applicability, Applicability::Manual);
        assert!(
            found[0].message.contains("optim.step_decay(0.1, 0.1, 30)")
                && found[0].message.contains("step // steps_per_epoch"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_scheduler_read_for_logging_is_manual() {
        let source = "import torch\n\ndef train(model, loader):\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    sched = torch.optim.lr_scheduler.StepLR(opt, 30)\n    for x in loader:\n        opt.step()\n        sched.step()\n        print(sched.get_last_lr())\n";
        let found = findings(source);
        assert_eq!(found[0].applicability, Applicability::Manual);
        assert!(found[0].message.contains("get_last_lr"), "{}", found[0].message);
    }

    #[test]
    fn optimizer_and_scheduler_in_different_methods_is_manual() {
        let source = "import torch\n\nclass T:\n    def __init__(self, model):\n        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)\n\n    def schedule(self):\n        self.sched = torch.optim.lr_scheduler.ExponentialLR(self.opt, 0.9)\n";
        let found = findings(source);
        assert_eq!(found[0].applicability, Applicability::Manual);
        assert!(
            found[0].message.contains("not built in the same function")
                && found[0].message.contains("optim.exponential_decay(LR, 0.9)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_sequential_part_used_elsewhere_is_not_deleted() {
        let source = "import torch\n\ndef train(model, loader):\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    warm = torch.optim.lr_scheduler.LinearLR(opt, total_iters=5)\n    decay = torch.optim.lr_scheduler.ExponentialLR(opt, 0.9)\n    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, decay], [5])\n    for x in loader:\n        opt.step()\n        sched.step()\n    print(warm.get_last_lr())\n";
        let found = findings(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].applicability, Applicability::Manual);
        assert!(found[0].message.contains("warm is used besides"), "{}", found[0].message);
    }

    #[test]
    fn param_group_updates_every_group_rewritten_one_group_manual() {
        let source = "import torch\n\ndef adjust(optimizer, lr):\n    for group in optimizer.param_groups:\n        group[\"lr\"] = lr\n    optimizer.param_groups[0][\"lr\"] = lr\n";
        let found = findings(source);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].applicability, Applicability::Safe);
        let port = crate::fix::apply_edits(source, &found[0].edits.iter().collect::<Vec<_>>());
        assert!(port.contains("    optimizer.learning_rate = lr\n    optimizer.param_groups[0]"), "{port}");
        assert_eq!(found[1].applicability, Applicability::Manual);
    }
}
