//! Each torch scheduler's schedule as an `mlx.optimizers` schedule (pieces of the
//! replacement), starting from the optimizer's learning rate: what the schedulers rule
//! writes once it has found that a scheduler steps once per optimizer update.

use super::super::context::{argument, hole, operand, text};
use super::super::Context;
use super::{PREFIX, name_uses, scheduler_built_in};
use crate::fix::Piece;
use crate::parse::ast::{self, Expr, Stmt};
use crate::parse::visitor::{self, Visitor};

/// A schedule as pieces of a replacement.
pub struct Schedule {
    pub pieces: Vec<Piece>,
    /// Why it is only usually right, when it is (the finding is then Review).
    pub caveat: Option<&'static str>,
}

/// The schedule of one scheduler call, starting from the optimizer's learning rate `lr`
/// (operand pieces). SequentialLR's schedulers given by name add their statements to `deleted`.
pub fn schedule<'a>(
    cx: &Context<'a>,
    call: &'a ast::ExprCall,
    kind: &str,
    lr: &[Piece],
    optimizer: Option<&str>,
    scope: &'a [Stmt],
    deleted: &mut Vec<&'a Stmt>,
) -> Result<Schedule, String> {
    let required = |position: usize, name: &str| {
        argument(call, position, name).ok_or_else(|| format!("{name} is not given"))
    };
    let given_or = |position: usize, name: &str, default: &str| -> Vec<Piece> {
        argument(call, position, name).map_or_else(|| vec![text(default)], operand)
    };
    let step = step_parameter(call);
    let mut pieces: Vec<Piece> = Vec::new();
    let mut caveat = None;
    match kind {
        "StepLR" => {
            let step_size = required(1, "step_size")?;
            pieces.push(text("optim.step_decay("));
            pieces.extend_from_slice(lr);
            pieces.push(text(", "));
            pieces.extend(given_or(2, "gamma", "0.1"));
            pieces.extend([text(", "), hole(step_size), text(")")]);
        }
        "MultiStepLR" => {
            // torch: lr * gamma ** (number of milestones reached).
            let milestones = required(1, "milestones")?;
            pieces.push(text(format!("lambda {step}: ")));
            pieces.extend_from_slice(lr);
            pieces.push(text(" * "));
            pieces.extend(given_or(2, "gamma", "0.1"));
            pieces.extend([
                text(" ** (mx.array("),
                hole(milestones),
                text(format!(") <= {step}).sum()")),
            ]);
        }
        "ExponentialLR" => {
            let gamma = required(1, "gamma")?;
            pieces.push(text("optim.exponential_decay("));
            pieces.extend_from_slice(lr);
            pieces.extend([text(", "), hole(gamma), text(")")]);
        }
        "CosineAnnealingLR" => {
            let t_max = required(1, "T_max")?;
            pieces.push(text("optim.cosine_decay("));
            pieces.extend_from_slice(lr);
            pieces.extend([text(", "), hole(t_max), text(", ")]);
            pieces.extend(given_or(2, "eta_min", "0.0"));
            pieces.push(text(")"));
            caveat = Some(
                "the same rate for the first T_max updates; after T_max torch's rate rises again, MLX's stays at eta_min",
            );
        }
        "LinearLR" => {
            pieces.push(text("optim.linear_schedule("));
            pieces.extend_from_slice(lr);
            pieces.push(text(" * "));
            pieces.extend(given_or(1, "start_factor", "(1.0 / 3)"));
            pieces.push(text(", "));
            pieces.extend_from_slice(lr);
            pieces.push(text(" * "));
            pieces.extend(given_or(2, "end_factor", "1.0"));
            pieces.push(text(", "));
            pieces.extend(given_or(3, "total_iters", "5"));
            pieces.push(text(")"));
        }
        "LambdaLR" => {
            let function = required(1, "lr_lambda")?;
            if !matches!(function, Expr::Lambda(_) | Expr::Name(_)) {
                return Err(format!(
                    "lr_lambda `{}` is not a lambda or a function name: pass lambda step: mx.array(LR * lr_lambda(step.item())) as the optimizer's learning_rate",
                    cx.src(function)
                ));
            }
            pieces.push(text(format!("lambda {step}: mx.array(")));
            pieces.extend_from_slice(lr);
            pieces.push(text(" * "));
            pieces.extend(operand(function));
            pieces.push(text(format!("({step}.item()))")));
            caveat = Some(
                "torch calls lr_lambda with a Python int, hence step.item(), which keeps the schedule out of mx.compile",
            );
        }
        "OneCycleLR" => pieces = one_cycle(cx, call)?,
        "SequentialLR" => {
            let Some(Expr::List(schedulers)) = argument(call, 1, "schedulers") else {
                return Err("its schedulers are not a list literal".into());
            };
            let milestones = required(2, "milestones")?;
            pieces.push(text("optim.join_schedules(["));
            for (index, element) in schedulers.elts.iter().enumerate() {
                let (inner, statement) = match element {
                    Expr::Call(inner) => (inner, None),
                    Expr::Name(_) | Expr::Attribute(_) => {
                        let name = cx.src(element);
                        // Its statement is removed: nothing else may use it.
                        if name_uses(cx, scope, name) != 2 {
                            return Err(format!("{name} is used besides this SequentialLR"));
                        }
                        scheduler_built_in(cx, scope, name)
                            .map(|(c, s)| (c, Some(s)))
                            .ok_or_else(|| format!("{name} is not built in the same function"))?
                    }
                    _ => return Err(format!("`{}` is not a scheduler", cx.src(element))),
                };
                let inner_kind = cx
                    .torch_name(&inner.func)
                    .and_then(|q| q.strip_prefix(PREFIX).map(str::to_string))
                    .ok_or_else(|| format!("`{}` is not a scheduler", cx.src(element)))?;
                let inner_optimizer = argument(inner, 0, "optimizer").map(|o| cx.src(o));
                if inner_optimizer != optimizer {
                    return Err(format!(
                        "`{}` schedules another optimizer",
                        cx.src(element)
                    ));
                }
                let inner_schedule =
                    schedule(cx, inner, &inner_kind, lr, optimizer, scope, deleted)?;
                caveat = caveat.or(inner_schedule.caveat);
                if index > 0 {
                    pieces.push(text(", "));
                }
                pieces.extend(inner_schedule.pieces);
                deleted.extend(statement);
            }
            pieces.extend([text("], "), hole(milestones), text(")")]);
        }
        _ => return Err("no MLX schedule is known for it: write it as a function of the optimizer's update count and pass it as learning_rate".into()),
    }
    Ok(Schedule { pieces, caveat })
}

/// OneCycleLR's rate: up from `max_lr / div_factor` to `max_lr` until update
/// `pct_start * total_steps - 1`, then down to `max_lr / (div_factor * final_div_factor)` at
/// `total_steps - 1`, both cosine (or linear) anneals. It ignores the optimizer's lr.
fn one_cycle(cx: &Context, call: &ast::ExprCall) -> Result<Vec<Piece>, String> {
    let literal = |position: usize, name: &str| argument(call, position, name).map(|e| cx.src(e));
    if literal(7, "cycle_momentum") != Some("False") {
        return Err("OneCycleLR also cycles momentum (beta1 for Adam) unless cycle_momentum=False, and MLX schedules drive the learning rate only: pass cycle_momentum=False if the momentum may stay fixed, or port the momentum cycle by hand".into());
    }
    if literal(12, "three_phase").is_some_and(|v| v != "False") {
        return Err("three_phase=True has no automatic mapping: join three anneals with optim.join_schedules".into());
    }
    let anneal = match literal(6, "anneal_strategy").map(|v| v.trim_matches(['"', '\''])) {
        None | Some("cos") => "cosine_decay",
        Some("linear") => "linear_schedule",
        Some(other) => return Err(format!("anneal_strategy={other} has no automatic mapping")),
    };
    let max_lr = argument(call, 1, "max_lr").ok_or("max_lr is not given")?;
    if matches!(max_lr, Expr::List(_) | Expr::Tuple(_)) {
        return Err("one max_lr per parameter group: MLX has one learning rate per optimizer".into());
    }
    let total: Vec<Piece> = match (
        argument(call, 2, "total_steps"),
        argument(call, 3, "epochs"),
        argument(call, 4, "steps_per_epoch"),
    ) {
        (Some(total), ..) => operand(total),
        (None, Some(epochs), Some(per_epoch)) => {
            let mut product = vec![text("(")];
            product.extend(operand(epochs));
            product.push(text(" * "));
            product.extend(operand(per_epoch));
            product.push(text(")"));
            product
        }
        _ => return Err("neither total_steps nor epochs and steps_per_epoch are given".into()),
    };
    let or_default = |position: usize, name: &str, default: &str| -> Vec<Piece> {
        argument(call, position, name).map_or_else(|| vec![text(default)], operand)
    };
    let max = operand(max_lr);
    let div = or_default(10, "div_factor", "25.0");
    let final_div = or_default(11, "final_div_factor", "1e4");
    let mut warmup_end = or_default(5, "pct_start", "0.3");
    warmup_end.push(text(" * "));
    warmup_end.extend(total.iter().cloned());
    warmup_end.push(text(" - 1"));
    let initial: Vec<Piece> = [max.clone(), vec![text(" / ")], div.clone()].concat();
    let minimum: Vec<Piece> = [
        max.clone(),
        vec![text(" / (")],
        div,
        vec![text(" * ")],
        final_div,
        vec![text(")")],
    ]
    .concat();
    let decay_steps: Vec<Piece> = [
        total,
        vec![text(" - 1 - (")],
        warmup_end.clone(),
        vec![text(")")],
    ]
    .concat();
    // cosine_decay(init, steps, end) but linear_schedule(init, end, steps).
    let phase = |from: &[Piece], to: &[Piece], steps: &[Piece]| -> Vec<Piece> {
        let (second, third) = if anneal == "cosine_decay" { (steps, to) } else { (to, steps) };
        [
            vec![text(format!("optim.{anneal}("))],
            from.to_vec(),
            vec![text(", ")],
            second.to_vec(),
            vec![text(", ")],
            third.to_vec(),
            vec![text(")")],
        ]
        .concat()
    };
    Ok([
        vec![text("optim.join_schedules([")],
        phase(&initial, &max, &warmup_end),
        vec![text(", ")],
        phase(&max, &minimum, &decay_steps),
        vec![text("], [")],
        warmup_end.clone(),
        vec![text("])")],
    ]
    .concat())
}

/// The lambda parameter for the step count: `step`, unless the scheduler's own arguments name
/// something `step` (a lambda parameter would shadow it).
fn step_parameter(call: &ast::ExprCall) -> &'static str {
    struct Mentions(bool);
    impl<'a> Visitor<'a> for Mentions {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if matches!(expr, Expr::Name(n) if n.id.as_str() == "step") {
                self.0 = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut mentions = Mentions(false);
    for argument in call.arguments.iter_source_order() {
        match argument {
            ast::ArgOrKeyword::Arg(e) => mentions.visit_expr(e),
            ast::ArgOrKeyword::Keyword(k) => mentions.visit_expr(&k.value),
        }
    }
    if mentions.0 { "update_step" } else { "step" }
}

