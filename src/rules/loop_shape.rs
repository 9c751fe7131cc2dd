//! Recognises the torch training steps the training-loop rule can restructure: a loop body
//! (or function) holding the forward pass, `loss.backward()`, optional `clip_grad_norm_`,
//! `optimizer.step()` and `zero_grad()`, with the backward optionally inside an inner
//! gradient-accumulation loop. Anything else is refused with the reason, so the rule can
//! give a Manual finding with a template instead of a rewrite that would not run.

use super::Context;
use super::calls::method_call;
use crate::parse::ast::{self, Expr, ExprContext, Stmt};
use crate::parse::visitor::{self, Visitor};
use crate::parse::{blocks, span};
use rustc_hash::FxHashSet as HashSet;

/// A recognised training step, everything borrowed from the module.
pub struct TrainingStep<'a> {
    pub optimizer: &'a str,
    pub model: &'a str,
    /// The name `backward()` is called on.
    pub loss: &'a str,
    pub backward: &'a Stmt,
    pub step: &'a Stmt,
    pub zero_grads: Vec<&'a Stmt>,
    pub clips: Vec<Clip<'a>>,
    /// The forward pass: contiguous statements that compute the loss from the model.
    pub forward: &'a [Stmt],
    /// Names the forward pass assigns that are read elsewhere: the loss first.
    pub outputs: Vec<&'a str>,
    /// The inner loop that accumulates gradients over micro-batches, if any.
    pub accumulation: Option<&'a Stmt>,
    /// AMP's `scaler.unscale_(optimizer)` and `scaler.update()`: MLX has no loss scaling.
    pub scaler_calls: Vec<&'a Stmt>,
}

/// `clip_grad_norm_(model.parameters(), max_norm)`, as a statement of its own.
pub struct Clip<'a> {
    pub stmt: &'a Stmt,
    /// The name the total norm is assigned to, if any.
    pub norm: Option<&'a str>,
    pub max_norm: &'a Expr,
}

/// Names found around an unrecognised loop, for the Manual finding's template.
pub struct Refusal<'a> {
    pub reason: String,
    pub optimizer: Option<&'a str>,
    pub model: Option<&'a str>,
}

type Recognition<'a> = Result<TrainingStep<'a>, Refusal<'a>>;

/// The training step around the statement at `stmt_stack[depth]`, looking at its own block
/// and up to two enclosing ones (an accumulation loop sits one level below the step).
pub fn around<'a>(cx: &Context<'a>, depth: usize) -> Recognition<'a> {
    let mut refusal = None;
    for level in (depth.saturating_sub(2)..=depth).rev() {
        let Some(block) = containing_block(cx, level) else {
            continue;
        };
        if backward_site(block).is_none() {
            continue;
        }
        match recognise(cx, block) {
            Ok(step) => return Ok(step),
            Err(why) => {
                if refusal.is_none() || why.optimizer.is_some() {
                    refusal = Some(why);
                }
            }
        }
    }
    Err(refusal.unwrap_or(Refusal {
        reason: "no optimizer.step() follows the backward in the same loop body".into(),
        optimizer: None,
        model: None,
    }))
}

/// The statement list holding `cx.stmt_stack[depth]`.
fn containing_block<'a>(cx: &Context<'a>, depth: usize) -> Option<&'a [Stmt]> {
    let stmt = *cx.stmt_stack.get(depth)?;
    let holder: Vec<&'a [Stmt]> = match depth.checked_sub(1) {
        None => vec![&cx.module.body[..]],
        Some(parent) => blocks(cx.stmt_stack[parent]),
    };
    holder
        .into_iter()
        .find(|block| block.iter().any(|s| std::ptr::eq(s, stmt)))
}

/// `name.backward()` as a statement; the name.
/// `name.backward()` as a statement, also through AMP's `scaler.scale(name).backward()`;
/// the name.
pub fn backward_of(stmt: &Stmt) -> Option<&str> {
    let (receiver, method, call) = method_statement(stmt)?;
    if method != "backward" || !call.arguments.is_empty() {
        return None;
    }
    match receiver {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Call(scale) => match (method_call(scale), &scale.arguments.args[..]) {
            (Some((Expr::Name(_), "scale")), [Expr::Name(loss)]) => Some(loss.id.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether the backward goes through AMP's GradScaler.
pub fn is_scaled(backward: &Stmt) -> bool {
    scaler_of(backward).is_some()
}

/// The GradScaler of `scaler.scale(loss).backward()`.
fn scaler_of(backward: &Stmt) -> Option<&str> {
    let (Expr::Call(scale), "backward", _) = method_statement(backward)? else {
        return None;
    };
    let (Expr::Name(scaler), "scale") = method_call(scale)? else {
        return None;
    };
    Some(scaler.id.as_str())
}

fn method_statement(stmt: &Stmt) -> Option<(&Expr, &str, &ast::ExprCall)> {
    let Stmt::Expr(statement) = stmt else {
        return None;
    };
    let Expr::Call(call) = statement.value.as_ref() else {
        return None;
    };
    let (receiver, method) = method_call(call)?;
    Some((receiver, method, call))
}

/// Where the backward of `block` is: its index in `block`, and the inner loop holding it
/// (`None` when the backward is a statement of `block` itself).
fn backward_site(block: &[Stmt]) -> Option<(usize, Option<&Stmt>)> {
    let mut sites = block.iter().enumerate().filter_map(|(index, stmt)| {
        if backward_of(stmt).is_some() {
            return Some((index, None));
        }
        match stmt {
            Stmt::For(ast::StmtFor { body, .. }) | Stmt::While(ast::StmtWhile { body, .. })
                if body.iter().any(|s| backward_of(s).is_some()) =>
            {
                Some((index, Some(stmt)))
            }
            _ => None,
        }
    });
    let site = sites.next()?;
    sites.next().is_none().then_some(site)
}

fn recognise<'a>(cx: &Context<'a>, block: &'a [Stmt]) -> Recognition<'a> {
    let refuse = |reason: &str, optimizer: Option<&'a str>, model: Option<&'a str>| Refusal {
        reason: reason.to_string(),
        optimizer,
        model,
    };
    let (site, accumulation) =
        backward_site(block).ok_or_else(|| refuse("more than one backward", None, None))?;
    let step_index = block[site + 1..]
        .iter()
        .position(|s| optimizer_step(s).is_some())
        .map(|i| site + 1 + i)
        .ok_or_else(|| {
            refuse(
                "no optimizer.step() follows the backward in the same loop body",
                None,
                None,
            )
        })?;
    let step = &block[step_index];
    let optimizer = optimizer_step(step).expect("found above");
    let forward_block: &'a [Stmt] = match accumulation {
        Some(Stmt::For(inner)) => &inner.body,
        Some(Stmt::While(inner)) => &inner.body,
        _ => block,
    };
    let backward_index = forward_block
        .iter()
        .position(|s| backward_of(s).is_some())
        .expect("the site holds a backward");
    let backward = &forward_block[backward_index];
    let loss = backward_of(backward).expect("a backward");

    let names = ModuleNames::collect(cx.module);
    let chain = loss_chain(&forward_block[..backward_index], loss);
    let model = chain
        .iter()
        .flat_map(|&i| called_names(&forward_block[i]))
        .find(|name| names.models.contains(name));
    let Some(model) = model else {
        return Err(refuse(
            "the forward pass calls no model whose parameters() the file uses",
            Some(optimizer),
            None,
        ));
    };
    let refuse = |reason: &str| refuse(reason, Some(optimizer), Some(model));
    let start = *chain
        .iter()
        .find(|&&i| called_names(&forward_block[i]).any(|n| n == model))
        .expect("the model was found in the chain");
    let forward_indices: Vec<usize> = chain.iter().copied().filter(|&i| i >= start).collect();
    let end = start + forward_indices.len();
    if forward_indices != (start..end).collect::<Vec<_>>() {
        return Err(refuse(
            "other statements are interleaved with the forward pass",
        ));
    }
    let forward = &forward_block[start..end];
    check_movable(cx, forward).map_err(|why| refuse(&why))?;

    let zero_grads: Vec<&Stmt> = block
        .iter()
        .chain(if accumulation.is_some() {
            forward_block
        } else {
            &[]
        })
        .filter(|s| is_zero_grad(s, optimizer, model))
        .collect();
    if zero_grads.is_empty() {
        return Err(refuse(
            "no zero_grad(): torch keeps accumulating gradients across steps",
        ));
    }
    if accumulation.is_some()
        && forward_block
            .iter()
            .any(|s| is_zero_grad(s, optimizer, model))
    {
        return Err(refuse("zero_grad() inside the accumulation loop"));
    }
    let scaler = scaler_of(backward);
    let scaled_step = matches!(method_statement(step), Some((Expr::Name(r), "step", _)) if Some(r.id.as_str()) == scaler);
    if scaler.is_some() != scaled_step {
        return Err(refuse(
            "the backward and the step do not both go through the same GradScaler",
        ));
    }
    let scaler_calls: Vec<&Stmt> = block
        .iter()
        .filter(|s| matches!(method_statement(s), Some((Expr::Name(r), "unscale_" | "update", _)) if Some(r.id.as_str()) == scaler))
        .collect();
    let mut clips = Vec::new();
    let after_backward_in_inner_loop = if accumulation.is_some() {
        &forward_block[backward_index + 1..]
    } else {
        &[]
    };
    let between = block[site + 1..step_index]
        .iter()
        .chain(after_backward_in_inner_loop);
    let between = between.filter(|s| !scaler_calls.iter().any(|c| std::ptr::eq(*c, *s)));
    for stmt in between {
        if let Some(clip) = clip_of(cx, stmt, model) {
            clips.push(clip);
        } else if mentions_gradients(stmt) {
            return Err(refuse(
                "gradients are read or changed between backward and step",
            ));
        }
    }
    if forward.iter().any(mentions_gradients) {
        return Err(refuse("the forward pass reads or changes gradients"));
    }
    let own_lines = [&forward[0], forward.last().expect("non-empty"), backward]
        .into_iter()
        .chain(zero_grads.iter().copied())
        .chain(scaler_calls.iter().copied())
        .chain(accumulation)
        .all(|stmt| cx.statement_lines(stmt).is_some());
    if !own_lines {
        return Err(refuse(
            "a statement of the step shares its line with another",
        ));
    }
    let outputs = outputs_of(forward, loss, &names);
    Ok(TrainingStep {
        optimizer,
        model,
        loss,
        backward,
        step,
        zero_grads,
        clips,
        forward,
        outputs,
        accumulation,
        scaler_calls,
    })
}

/// `optimizer.step()` as a statement, on a name that looks like an optimizer.
fn optimizer_step(stmt: &Stmt) -> Option<&str> {
    let (Expr::Name(receiver), "step", call) = method_statement(stmt)? else {
        return None;
    };
    // AMP: `scaler.step(optimizer)`.
    if let [Expr::Name(optimizer)] = &call.arguments.args[..]
        && call.arguments.keywords.is_empty()
        && looks_like_optimizer(optimizer.id.as_str())
    {
        return Some(optimizer.id.as_str());
    }
    (call.arguments.is_empty() && looks_like_optimizer(receiver.id.as_str()))
        .then_some(receiver.id.as_str())
}

pub fn looks_like_optimizer(name: &str) -> bool {
    name.contains("optim") || name == "opt"
}

fn is_zero_grad(stmt: &Stmt, optimizer: &str, model: &str) -> bool {
    matches!(method_statement(stmt), Some((Expr::Name(r), "zero_grad", _)) if r.id.as_str() == optimizer || r.id.as_str() == model)
}

/// Indices of the statements before the backward that the loss depends on, in order.
fn loss_chain(before: &[Stmt], loss: &str) -> Vec<usize> {
    let mut needed: HashSet<&str> = HashSet::default();
    needed.insert(loss);
    let mut chain = Vec::new();
    for (index, stmt) in before.iter().enumerate().rev() {
        let names = StatementNames::of(stmt);
        if names.writes.iter().any(|w| needed.contains(w)) {
            chain.push(index);
            needed.extend(names.reads);
        }
    }
    chain.reverse();
    chain
}

/// Names called in a statement, and names passed to calls (a helper taking the model).
fn called_names(stmt: &Stmt) -> impl Iterator<Item = &str> {
    struct Calls<'a>(Vec<&'a str>);
    impl<'a> Visitor<'a> for Calls<'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr {
                if let Expr::Name(name) = call.func.as_ref() {
                    self.0.push(name.id.as_str());
                }
                for argument in &call.arguments.args {
                    if let Expr::Name(name) = argument {
                        self.0.push(name.id.as_str());
                    }
                }
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut calls = Calls(Vec::new());
    calls.visit_stmt(stmt);
    calls.0.into_iter()
}

/// Moving `forward` into a nested function must not change what it means.
fn check_movable(cx: &Context, forward: &[Stmt]) -> Result<(), String> {
    let text = &cx.text[span(&forward[0]).start..span(forward.last().expect("non-empty")).end];
    if text.contains("\"\"\"") || text.contains("'''") {
        return Err(
            "a multi-line string in the forward pass (re-indenting would change it)".into(),
        );
    }
    let mut written: HashSet<&str> = HashSet::default();
    let all_writes: HashSet<&str> = forward
        .iter()
        .flat_map(|s| StatementNames::of(s).writes)
        .collect();
    for stmt in forward {
        let names = StatementNames::of(stmt);
        if names.escapes {
            return Err("the forward pass returns, yields, breaks or declares globals".into());
        }
        if let Some(name) = names
            .reads
            .iter()
            .find(|r| all_writes.contains(*r) && !written.contains(*r))
        {
            return Err(format!(
                "`{name}` is read in the forward pass before it is assigned there"
            ));
        }
        written.extend(names.writes);
    }
    Ok(())
}

fn clip_of<'a>(cx: &Context<'a>, stmt: &'a Stmt, model: &str) -> Option<Clip<'a>> {
    if let Stmt::If(if_stmt) = stmt
        && if_stmt.elif_else_clauses.is_empty()
        && let [only] = &if_stmt.body[..]
    {
        return clip_of(cx, only, model);
    }
    let (norm, value) = match stmt {
        Stmt::Expr(e) => (None, e.value.as_ref()),
        Stmt::Assign(a) => match &a.targets[..] {
            [Expr::Name(n)] => (Some(n.id.as_str()), a.value.as_ref()),
            _ => return None,
        },
        _ => return None,
    };
    let Expr::Call(call) = value else { return None };
    if cx.torch_name(&call.func).as_deref() != Some("torch.nn.utils.clip_grad_norm_") {
        return None;
    }
    let parameters = super::context::argument(call, 0, "parameters")?;
    let Expr::Call(parameters) = parameters else {
        return None;
    };
    let (Expr::Name(owner), "parameters") = method_call(parameters)? else {
        return None;
    };
    if owner.id.as_str() != model || super::context::argument(call, 2, "norm_type").is_some() {
        return None;
    }
    Some(Clip {
        stmt,
        norm,
        max_norm: super::context::argument(call, 1, "max_norm")?,
    })
}

fn mentions_gradients(stmt: &Stmt) -> bool {
    struct Grad(bool);
    impl<'a> Visitor<'a> for Grad {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Attribute(a) if a.attr.as_str() == "grad" => self.0 = true,
                Expr::Call(call)
                    if matches!(
                        method_call(call),
                        Some((_, "backward" | "step" | "zero_grad"))
                    ) =>
                {
                    self.0 = true
                }
                _ => visitor::walk_expr(self, expr),
            }
        }
    }
    let mut grad = Grad(false);
    grad.visit_stmt(stmt);
    grad.0 || matches!(method_statement(stmt), Some((_, m, _)) if m.starts_with("clip_grad"))
}

/// The forward pass's assigned names that the rest of the module reads: the loss first.
fn outputs_of<'a>(forward: &'a [Stmt], loss: &'a str, names: &ModuleNames) -> Vec<&'a str> {
    let inside = span(&forward[0]).start..span(forward.last().expect("non-empty")).end;
    let mut outputs = vec![loss];
    for stmt in forward {
        for written in StatementNames::of(stmt).writes {
            let read_outside = names
                .loads
                .iter()
                .any(|(name, at)| *name == written && !inside.contains(at));
            if read_outside && !outputs.contains(&written) {
                outputs.push(written);
            }
        }
    }
    outputs
}

/// What one statement reads and writes (names only; comprehension variables are their own).
struct StatementNames<'a> {
    reads: Vec<&'a str>,
    writes: Vec<&'a str>,
    /// `return`, `yield`, `break`, `continue`, `global`, `nonlocal`, `await`.
    escapes: bool,
}

impl<'a> StatementNames<'a> {
    fn of(stmt: &'a Stmt) -> Self {
        let mut names = Self {
            reads: Vec::new(),
            writes: Vec::new(),
            escapes: false,
        };
        names.visit_stmt(stmt);
        names
    }
}

impl<'a> Visitor<'a> for StatementNames<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Return(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::Global(_)
            | Stmt::Nonlocal(_) => self.escapes = true,
            Stmt::AugAssign(aug) => {
                if let Expr::Name(target) = aug.target.as_ref() {
                    self.reads.push(target.id.as_str());
                }
            }
            Stmt::FunctionDef(f) => self.writes.push(f.name.as_str()),
            Stmt::ClassDef(c) => self.writes.push(c.name.as_str()),
            _ => {}
        }
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => match name.ctx {
                ExprContext::Store | ExprContext::Del => self.writes.push(name.id.as_str()),
                _ => self.reads.push(name.id.as_str()),
            },
            Expr::Yield(_) | Expr::YieldFrom(_) | Expr::Await(_) => self.escapes = true,
            Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_)
            | Expr::Lambda(_) => {
                // Their variables are their own; what they read from outside still counts.
                let mut inner = StatementNames {
                    reads: Vec::new(),
                    writes: Vec::new(),
                    escapes: false,
                };
                visitor::walk_expr(&mut inner, expr);
                self.reads.extend(
                    inner
                        .reads
                        .into_iter()
                        .filter(|r| !inner.writes.contains(r)),
                );
                self.escapes |= inner.escapes;
            }
            _ => {}
        }
        if !matches!(
            expr,
            Expr::ListComp(_)
                | Expr::SetComp(_)
                | Expr::DictComp(_)
                | Expr::Generator(_)
                | Expr::Lambda(_)
        ) {
            visitor::walk_expr(self, expr);
        }
    }
}

/// What the whole module says about its names: which look like models (something calls
/// `.parameters()`, `.train()`... on them), every name in use (for fresh names), and where
/// each name is read.
pub struct ModuleNames<'a> {
    pub models: HashSet<&'a str>,
    pub used: HashSet<&'a str>,
    loads: Vec<(&'a str, usize)>,
}

impl<'a> ModuleNames<'a> {
    pub fn collect(module: &'a ast::ModModule) -> Self {
        Self::collect_in(&module.body)
    }

    /// The same, for one function's body.
    pub fn collect_in(body: &'a [Stmt]) -> Self {
        let mut names = Self {
            models: HashSet::default(),
            used: HashSet::default(),
            loads: Vec::new(),
        };
        for stmt in body {
            names.visit_stmt(stmt);
        }
        names
    }

    /// `base`, or `base_2`, `base_3`... whichever the module does not use yet.
    pub fn fresh(&self, base: &str) -> String {
        if !self.used.contains(base) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}_{n}"))
            .find(|candidate| !self.used.contains(candidate.as_str()))
            .expect("some suffix is free")
    }
}

impl<'a> Visitor<'a> for ModuleNames<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.used.insert(f.name.as_str());
                for parameter in f.parameters.iter_non_variadic_params() {
                    self.used.insert(parameter.parameter.name.as_str());
                }
            }
            Stmt::ClassDef(c) => {
                self.used.insert(c.name.as_str());
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => {
                self.used.insert(name.id.as_str());
                if matches!(name.ctx, ExprContext::Load) {
                    self.loads.push((name.id.as_str(), span(name).start));
                }
            }
            Expr::Call(call) => {
                if let Some((Expr::Name(owner), method)) = method_call(call)
                    && matches!(
                        method,
                        "parameters"
                            | "named_parameters"
                            | "train"
                            | "eval"
                            | "zero_grad"
                            | "state_dict"
                            | "load_state_dict"
                    )
                    && !looks_like_optimizer(owner.id.as_str())
                {
                    self.models.insert(owner.id.as_str());
                }
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}
