//! optimizers: `torch.optim.X(model.parameters(), lr=..., ...)` → `optim.X(learning_rate=...,
//! ...)` with MLX's argument names, and torch's defaults written out where MLX's differ.
//!
//! Why: MLX optimizers take no parameters (`optimizer.update(model, grads)` gives them) and call
//! the learning rate `learning_rate`, with no default. Defaults differ: MLX's Adam and AdamW
//! default to `bias_correction=False`, so a plain rename makes the first update ~3x torch's
//! (mlx-traps #8); MLX's Adagrad eps is 1e-8 where torch's is 1e-10; torch's default learning
//! rates (1e-3 for SGD, Adam, AdamW; 1e-2 for RMSprop, Adagrad; 1.0 for Adadelta) must be
//! written since MLX has none. What MLX cannot express stays manual: `weight_decay` on Adam,
//! RMSprop, Adagrad and Adadelta (MLX's only weight decays are SGD's L2 term and AdamW's
//! decoupled one), `amsgrad`, `maximize`, `differentiable`, RMSprop `momentum` and `centered`,
//! Adagrad `lr_decay` and `initial_accumulator_value`, and SGD `dampening` (MLX dampens the
//! first momentum step, torch does not); each is rewritten when it holds torch's default (0 or
//! False) and dropped. `foreach`, `fused` and `capturable` only choose torch's kernels and are
//! dropped. Adamax stays manual (MLX's has no first-moment bias correction and adds eps outside
//! the max); NAdam, RAdam, ASGD, Rprop, LBFGS and SparseAdam have no MLX optimizer. Parameter
//! groups (a list of dicts) become a manual finding with an `optim.MultiOptimizer` template
//! built from the groups in the code.
//!
//! Example: `torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95))` →
//! `optim.AdamW(learning_rate=3e-4, betas=(0.9, 0.95), bias_correction=True)`;
//! `torch.optim.Adagrad(model.parameters())` →
//! `optim.Adagrad(learning_rate=0.01, eps=1e-10)`.
//!
//! Fix safety: safe when the optimizer gets a whole module's `parameters()`: the same update
//! rule with the same hyper-parameters (each optimizer is run against torch in the conformance
//! tests). Review when it gets a submodule's parameters (`model.head.parameters()`): MLX updates
//! whatever gradients it is given, so the gradients must be of that submodule only.

use super::calls::{arguments_inner, method_call, plain_positional, rename_callee};
use super::context::keyword;
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use std::ops::Range;

pub struct Optimizers;
pub static RULE: Optimizers = Optimizers;

/// What becomes of one torch argument.
#[derive(Clone, Copy)]
enum Port {
    /// The same meaning under MLX's name. `written_default`: torch's default, written out when
    /// the argument is absent because MLX's default differs (or MLX has none).
    Renamed {
        mlx: &'static str,
        written_default: Option<&'static str>,
    },
    /// MLX has no form for any value but torch's default (0 or False): dropped when it holds
    /// that, else the optimizer stays manual for the reason given.
    OnlyDefault(&'static str),
    /// Chooses torch kernels only; the numbers do not depend on it.
    Dropped,
}

struct Argument {
    torch: &'static str,
    port: Port,
}

const fn renamed(torch: &'static str, mlx: &'static str) -> Argument {
    Argument {
        torch,
        port: Port::Renamed {
            mlx,
            written_default: None,
        },
    }
}

const fn renamed_with_default(
    torch: &'static str,
    mlx: &'static str,
    default: &'static str,
) -> Argument {
    Argument {
        torch,
        port: Port::Renamed {
            mlx,
            written_default: Some(default),
        },
    }
}

const fn only_default(torch: &'static str, why: &'static str) -> Argument {
    Argument {
        torch,
        port: Port::OnlyDefault(why),
    }
}

const fn dropped(torch: &'static str) -> Argument {
    Argument {
        torch,
        port: Port::Dropped,
    }
}

struct Spec {
    torch: &'static str,
    mlx: &'static str,
    /// torch's arguments after `params`, positional ones first in their order.
    arguments: &'static [Argument],
    /// How many of `arguments` may be given by position.
    positional: usize,
    /// MLX arguments always written, with why.
    always: &'static [(&'static str, &'static str)],
}

const MAXIMIZE: Argument = only_default(
    "maximize",
    "MLX optimizers always minimise: negate the loss instead",
);
const DIFFERENTIABLE: Argument = only_default(
    "differentiable",
    "MLX optimizer steps are not differentiated through",
);
const AMSGRAD: Argument = only_default("amsgrad", "MLX's Adam and AdamW have no AMSGrad variant");
const NO_WEIGHT_DECAY: Argument = only_default(
    "weight_decay",
    "this MLX optimizer has no weight decay: add weight_decay * parameter to each gradient before optimizer.update (torch's L2 term)",
);
const BIAS_CORRECTION: (&str, &str) = (
    "bias_correction=True",
    "torch's Adam corrects the moment estimates' bias; MLX's default does not",
);

const SPECS: &[Spec] = &[
    Spec {
        torch: "SGD",
        mlx: "SGD",
        arguments: &[
            renamed_with_default("lr", "learning_rate", "0.001"),
            renamed("momentum", "momentum"),
            only_default(
                "dampening",
                "MLX dampens the first momentum step, torch does not: the first update differs",
            ),
            renamed("weight_decay", "weight_decay"),
            renamed("nesterov", "nesterov"),
            MAXIMIZE,
            dropped("foreach"),
            DIFFERENTIABLE,
            dropped("fused"),
        ],
        positional: 5,
        always: &[],
    },
    Spec {
        torch: "Adam",
        mlx: "Adam",
        arguments: &[
            renamed_with_default("lr", "learning_rate", "0.001"),
            renamed("betas", "betas"),
            renamed("eps", "eps"),
            NO_WEIGHT_DECAY,
            AMSGRAD,
            dropped("foreach"),
            MAXIMIZE,
            dropped("capturable"),
            DIFFERENTIABLE,
            dropped("fused"),
            only_default(
                "decoupled_weight_decay",
                "decoupled weight decay is optim.AdamW",
            ),
        ],
        positional: 5,
        always: &[BIAS_CORRECTION],
    },
    Spec {
        torch: "AdamW",
        mlx: "AdamW",
        arguments: &[
            renamed_with_default("lr", "learning_rate", "0.001"),
            renamed("betas", "betas"),
            renamed("eps", "eps"),
            // Both default to 0.01 (checked against mlx 0.32.4).
            renamed("weight_decay", "weight_decay"),
            AMSGRAD,
            MAXIMIZE,
            dropped("foreach"),
            dropped("capturable"),
            DIFFERENTIABLE,
            dropped("fused"),
        ],
        positional: 5,
        always: &[BIAS_CORRECTION],
    },
    Spec {
        torch: "RMSprop",
        mlx: "RMSprop",
        arguments: &[
            renamed_with_default("lr", "learning_rate", "0.01"),
            renamed("alpha", "alpha"),
            renamed("eps", "eps"),
            NO_WEIGHT_DECAY,
            only_default("momentum", "MLX's RMSprop has no momentum"),
            only_default("centered", "MLX's RMSprop is not centred"),
            dropped("capturable"),
            dropped("foreach"),
            MAXIMIZE,
            DIFFERENTIABLE,
        ],
        positional: 10,
        always: &[],
    },
    Spec {
        torch: "Adagrad",
        mlx: "Adagrad",
        arguments: &[
            renamed_with_default("lr", "learning_rate", "0.01"),
            only_default(
                "lr_decay",
                "MLX's Adagrad has no lr_decay: use a schedule lr / (1 + step * lr_decay)",
            ),
            NO_WEIGHT_DECAY,
            only_default(
                "initial_accumulator_value",
                "MLX's Adagrad starts its accumulator at 0",
            ),
            // MLX's default is 1e-8.
            renamed_with_default("eps", "eps", "1e-10"),
            dropped("foreach"),
            MAXIMIZE,
            DIFFERENTIABLE,
            dropped("fused"),
        ],
        positional: 6,
        always: &[],
    },
    Spec {
        torch: "Adadelta",
        mlx: "AdaDelta",
        arguments: &[
            renamed_with_default("lr", "learning_rate", "1.0"),
            renamed("rho", "rho"),
            renamed("eps", "eps"),
            NO_WEIGHT_DECAY,
            dropped("foreach"),
            dropped("capturable"),
            MAXIMIZE,
            DIFFERENTIABLE,
        ],
        positional: 5,
        always: &[],
    },
];

/// torch optimizers with no faithful MLX counterpart, and why.
const UNPORTED: &[(&str, &str)] = &[
    (
        "Adamax",
        "MLX's Adamax has no first-moment bias correction and adds eps outside the max: port the update by hand or choose another optimizer",
    ),
    ("NAdam", "no MLX NAdam"),
    ("RAdam", "no MLX RAdam"),
    ("ASGD", "no MLX ASGD"),
    ("Rprop", "no MLX Rprop"),
    ("LBFGS", "no MLX LBFGS (it needs a closure re-evaluating the loss)"),
    ("SparseAdam", "MLX has no sparse gradients"),
];

impl Rule for Optimizers {
    fn meta(&self) -> RuleMeta {
        RuleMeta {
            id: "optimizers",
            step: "3",
            checklist: "optimizers-ported",
            summary: "torch.optim optimizers → mlx.optimizers with torch's defaults (bias correction, eps, lr)",
        }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some(qualified) = cx.torch_name(&call.func) else {
            return;
        };
        let Some(name) = qualified.strip_prefix("torch.optim.") else {
            return;
        };
        let range = span(call);
        if let Some((_, why)) = UNPORTED.iter().find(|(torch, _)| *torch == name) {
            out.manual(range, format!("torch.optim.{name}: {why}"));
            return;
        }
        let Some(spec) = SPECS.iter().find(|spec| spec.torch == name) else {
            return; // lr_scheduler and the rest are other rules' business
        };
        match port(cx, call, spec) {
            Ok(ported) => {
                let message = format!(
                    "torch.optim.{} → optim.{}: {}",
                    spec.torch,
                    spec.mlx,
                    ported.notes.join("; ")
                );
                if ported.whole_module {
                    out.safe(range, message, ported.edits);
                } else {
                    out.review(range, message, ported.edits);
                }
            }
            Err(why) => {
                out.manual(range, format!("torch.optim.{name}: {why}"));
            }
        }
    }
}

struct Ported {
    edits: Vec<Edit>,
    notes: Vec<String>,
    /// The optimizer got `<name>.parameters()` (a whole model) rather than a submodule's.
    whole_module: bool,
}

/// One argument as given: its torch name, value, whole range, and whether it is a keyword.
type Given<'e> = (&'static str, &'e Expr, Range<usize>, bool);

/// The parameters argument and every other argument with its torch name, in source order.
fn named_arguments<'e>(
    call: &'e ast::ExprCall,
    spec: &Spec,
) -> Result<(&'e Expr, Vec<Given<'e>>), String> {
    let mut params = None;
    let mut named = Vec::new();
    for (index, argument) in call.arguments.args.iter().enumerate() {
        if index == 0 {
            params = Some(argument);
        } else if index <= spec.positional {
            named.push((spec.arguments[index - 1].torch, argument, span(argument), false));
        } else {
            return Err(format!("too many positional arguments for {}", spec.torch));
        }
    }
    for keyword in &call.arguments.keywords {
        let Some(arg) = &keyword.arg else {
            return Err("arguments passed with ** cannot be mapped".into());
        };
        if arg.as_str() == "params" {
            params = Some(&keyword.value);
            continue;
        }
        let Some(known) = spec.arguments.iter().find(|a| a.torch == arg.as_str()) else {
            return Err(format!("unknown argument {}=", arg.as_str()));
        };
        named.push((known.torch, &keyword.value, span(keyword), true));
    }
    let params = params.ok_or("no parameters given")?;
    Ok((params, named))
}

/// `0`, `0.0` or `False`: torch's default for every argument MLX cannot express.
fn is_zero_literal(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(boolean) => !boolean.value,
        Expr::NumberLiteral(number) => match &number.value {
            ast::Number::Int(int) => int.as_i64() == Some(0),
            ast::Number::Float(float) => *float == 0.0,
            ast::Number::Complex { .. } => false,
        },
        _ => false,
    }
}

fn port(cx: &Context, call: &ast::ExprCall, spec: &Spec) -> Result<Ported, String> {
    if !plain_positional(call) {
        return Err("arguments passed with * or ** cannot be mapped".into());
    }
    let (params, arguments) = named_arguments(call, spec)?;
    let whole_module = match params {
        Expr::Call(parameters) if parameters.arguments.is_empty() => match method_call(parameters) {
            Some((Expr::Name(_), "parameters")) => true,
            Some((_, "parameters")) => false,
            _ => return Err(parameters_message(cx, params, call, spec)),
        },
        _ => return Err(parameters_message(cx, params, call, spec)),
    };
    let mut edits = vec![rename_callee(call, &format!("optim.{}", spec.mlx))];
    let mut notes = vec!["built without parameters (optimizer.update(model, grads) gives them)".to_string()];
    if !whole_module {
        notes.push(format!(
            "it updated {} only: MLX updates every gradient it is given, so give it gradients of those parameters only",
            cx.src(params)
        ));
    }
    let mut removed = vec![span(params)];
    for (torch, value, range, is_keyword) in arguments.iter().cloned() {
        let argument = spec
            .arguments
            .iter()
            .find(|a| a.torch == torch)
            .expect("named_arguments only returns known arguments");
        match argument.port {
            Port::Renamed { mlx, .. } => {
                if is_keyword && torch != mlx {
                    let name = keyword(call, torch).and_then(|k| k.arg.as_ref()).expect("keyword");
                    edits.push(Edit::replace(span(name), mlx));
                    notes.push(format!("{torch} → {mlx}"));
                } else if !is_keyword {
                    edits.push(Edit::insert(range.start, format!("{mlx}=")));
                }
            }
            Port::OnlyDefault(why) => {
                if !is_zero_literal(value) {
                    return Err(format!("{torch}={}: {why}", cx.src(value)));
                }
                removed.push(range.clone());
                notes.push(format!("{torch}={} dropped (MLX's behaviour)", cx.src(value)));
            }
            Port::Dropped => {
                removed.push(range.clone());
                notes.push(format!("{torch}= dropped (it only selects torch's kernels)"));
            }
        }
    }
    let mut added: Vec<String> = Vec::new();
    for argument in spec.arguments {
        if let Port::Renamed {
            mlx,
            written_default: Some(default),
        } = argument.port
            && !arguments.iter().any(|(torch, ..)| *torch == argument.torch)
        {
            added.push(format!("{mlx}={default}"));
            notes.push(format!("{mlx}={default} written (torch's default; MLX's differs or is required)"));
        }
    }
    for (argument, why) in spec.always {
        added.push((*argument).to_string());
        notes.push(format!("{argument} ({why})"));
    }
    edits.extend(remove_and_append(call, &removed, &added));
    Ok(Ported {
        edits,
        notes,
        whole_module,
    })
}

/// Edits deleting the arguments whose ranges are in `removed` (with their commas) and appending
/// `added` after the last argument kept.
fn remove_and_append(
    call: &ast::ExprCall,
    removed: &[Range<usize>],
    added: &[String],
) -> Vec<Edit> {
    let all: Vec<Range<usize>> = call
        .arguments
        .iter_source_order()
        .map(|a| match a {
            ast::ArgOrKeyword::Arg(e) => span(e),
            ast::ArgOrKeyword::Keyword(k) => span(k),
        })
        .collect();
    let kept: Vec<bool> = all.iter().map(|range| !removed.contains(range)).collect();
    let addition = added.join(", ");
    if !kept.contains(&true) {
        // Nothing survives: the new arguments replace everything between the parentheses
        // except a trailing comma or comment after the last one.
        let inner = arguments_inner(call).expect("at least the parameters argument");
        return vec![Edit::replace(inner, addition)];
    }
    let mut edits = Vec::new();
    let mut index = 0;
    while index < all.len() {
        if kept[index] {
            index += 1;
            continue;
        }
        let run_start = index;
        while index < all.len() && !kept[index] {
            index += 1;
        }
        let run_end = index - 1;
        let range = if run_start == 0 {
            all[0].start..all[index].start // a kept argument follows: some argument survives
        } else {
            all[run_start - 1].end..all[run_end].end
        };
        edits.push(Edit::delete(range));
    }
    if !addition.is_empty() {
        let last = all.len() - 1;
        // After the last kept argument; when later ones are deleted, at the end of that deletion.
        edits.push(Edit::insert(all[last].end, format!(", {addition}")));
    }
    edits
}

/// The manual finding for an optimizer that does not get `<module>.parameters()`: parameter
/// groups get an `optim.MultiOptimizer` template built from the groups in the code.
fn parameters_message(cx: &Context, params: &Expr, call: &ast::ExprCall, spec: &Spec) -> String {
    let groups = match params {
        Expr::List(list) => Some(list),
        Expr::Name(name) => list_bound_to(cx, name.id.as_str()),
        _ => None,
    };
    let Some(groups) = groups.filter(|list| list.elts.iter().all(|e| matches!(e, Expr::Dict(_))))
    else {
        return format!(
            "optimizer over `{}`: MLX optimizers take no parameters and update the gradients they are given: compute gradients of those parameters only (or freeze the others), then build optim.{}(learning_rate=...) without them",
            cx.src(params),
            spec.mlx
        );
    };
    let shared: Vec<(String, String)> = call
        .arguments
        .keywords
        .iter()
        .filter_map(|k| Some((k.arg.as_ref()?.as_str().to_string(), cx.src(&k.value).to_string())))
        .filter(|(name, _)| name != "params")
        .collect();
    let mut optimizers = Vec::new();
    let mut selections = Vec::new();
    for group in &groups.elts {
        let Expr::Dict(dict) = group else { continue };
        let mut settings = shared.clone();
        for item in &dict.items {
            let Some(Expr::StringLiteral(key)) = &item.key else { continue };
            let key = key.value.to_str().to_string();
            let value = cx.src(&item.value).to_string();
            if key == "params" {
                selections.push(value);
            } else if let Some(existing) = settings.iter_mut().find(|(name, _)| *name == key) {
                existing.1 = value;
            } else {
                settings.push((key, value));
            }
        }
        for argument in spec.arguments {
            if let Port::Renamed {
                written_default: Some(default),
                ..
            } = argument.port
                && !settings.iter().any(|(name, _)| name == argument.torch)
            {
                settings.push((argument.torch.to_string(), default.to_string()));
            }
        }
        let mut mlx_arguments: Vec<String> = settings
            .iter()
            .map(|(name, value)| {
                let mlx = spec
                    .arguments
                    .iter()
                    .find(|a| a.torch == name)
                    .and_then(|a| match a.port {
                        Port::Renamed { mlx, .. } => Some(mlx),
                        _ => None,
                    })
                    .unwrap_or(name);
                format!("{mlx}={value}")
            })
            .collect();
        mlx_arguments.extend(spec.always.iter().map(|(a, _)| a.to_string()));
        optimizers.push(format!("optim.{}({})", spec.mlx, mlx_arguments.join(", ")));
    }
    let filters: Vec<String> = selections
        .iter()
        .take(optimizers.len().saturating_sub(1))
        .map(|selection| format!("lambda path, weight: <True for the parameters in {selection}>"))
        .collect();
    format!(
        "parameter groups: MLX optimizers take no parameters; one optimizer per group with optim.MultiOptimizer([{}], [{}]) (filters get each parameter's dotted path and array; the last optimizer takes every parameter no filter selects; check each against torch's defaults as this rule does)",
        optimizers.join(", "),
        filters.join(", ")
    )
}

/// The list literal assigned to `name` in the enclosing function (or module), if that is its
/// only assignment there.
fn list_bound_to<'a>(cx: &Context<'a>, name: &str) -> Option<&'a ast::ExprList> {
    let body: &'a [Stmt] = cx
        .function
        .as_ref()
        .map_or(&cx.module.body[..], |(f, _)| &f.body[..]);
    let mut lists = body.iter().filter_map(|stmt| match stmt {
        Stmt::Assign(assign)
            if assign
                .targets
                .iter()
                .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == name)) =>
        {
            Some(assign.value.as_ref())
        }
        _ => None,
    });
    match (lists.next(), lists.next()) {
        (Some(Expr::List(list)), None) => Some(list),
        _ => None,
    }
}
