//! losses: `F.cross_entropy`, `F.nll_loss`, `F.kl_div`, `F.mse_loss`, `F.l1_loss`,
//! `F.smooth_l1_loss`, `F.binary_cross_entropy(_with_logits)` and their `nn.*Loss` modules →
//! MLX losses computing torch's numbers, with the reduction written out.
//!
//! Why: MLX's losses differ from torch's in defaults and conventions. `nn.losses.cross_entropy`,
//! `nll_loss` and `kl_div_loss` default to `reduction='none'` (torch: `'mean'`), take the class
//! axis last (torch: axis 1), and have no `ignore_index` (torch's default is -100: an ignored
//! target would gather a real class, mlx-traps #7) and no class-weighted mean; MLX's
//! `kl_div_loss` wants log-probability targets and sums over the class axis before reducing,
//! where torch's `kl_div` is pointwise (its `'mean'` averages every element, `'batchmean'`
//! divides by the batch size). Those three go to small helpers in `portui_shims` that keep
//! torch's meaning (class weights, label smoothing and probability targets included). MSE, L1,
//! smooth L1 and binary cross-entropy are plain `nn.losses` calls with the reduction written
//! out and, for BCE, `with_logits` (MLX's default is logits, torch's `binary_cross_entropy`
//! takes probabilities). A loss module becomes a lambda the call sites keep calling. Manual:
//! the legacy `size_average`/`reduce` arguments, `weight` on MSE, L1 and BCE (MLX has none, or
//! wants weights of the loss's exact shape) and `pos_weight` (no MLX form), and `smooth_l1_loss` with `beta=0` (MLX divides
//! by beta; torch's is then L1).
//!
//! Example: `F.mse_loss(pred, y)` → `nn.losses.mse_loss(pred, y, reduction="mean")`;
//! `criterion = nn.CrossEntropyLoss(label_smoothing=0.1)` →
//! `criterion = lambda input, target: portui_shims.cross_entropy(input, target, label_smoothing=0.1)`;
//! `F.binary_cross_entropy_with_logits(z, y, reduction="sum")` →
//! `nn.losses.binary_cross_entropy(z, y, with_logits=True, reduction="sum")`.
//!
//! Fix safety: safe: each loss and reduction is run against torch in the conformance tests.

use super::calls::plain_positional;
use super::context::{hole, int_literal, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, Expr, NodeKind};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};

pub struct Losses;
pub static RULE: Losses = Losses;

enum Target {
    /// A `portui_shims` helper with torch's signature: arguments pass through by name.
    Shim(&'static str),
    /// An `nn.losses` function: `reduction` written out, `extra` appended.
    Mlx {
        function: &'static str,
        extra: &'static str,
    },
}

struct Loss {
    function: &'static str,
    module: &'static str,
    /// torch's arguments after `input, target` (the module's constructor takes the same).
    arguments: &'static [&'static str],
    target: Target,
}

const LOSSES: &[Loss] = &[
    Loss {
        function: "cross_entropy",
        module: "CrossEntropyLoss",
        arguments: &["weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"],
        target: Target::Shim("portui_shims.cross_entropy"),
    },
    Loss {
        function: "nll_loss",
        module: "NLLLoss",
        arguments: &["weight", "size_average", "ignore_index", "reduce", "reduction"],
        target: Target::Shim("portui_shims.nll_loss"),
    },
    Loss {
        function: "kl_div",
        module: "KLDivLoss",
        arguments: &["size_average", "reduce", "reduction", "log_target"],
        target: Target::Shim("portui_shims.kl_div"),
    },
    Loss {
        function: "mse_loss",
        module: "MSELoss",
        // `weight` exists on the function only (torch 2.15 has it), not on the module.
        arguments: &["size_average", "reduce", "reduction", "weight"],
        target: Target::Mlx {
            function: "nn.losses.mse_loss",
            extra: "",
        },
    },
    Loss {
        function: "l1_loss",
        module: "L1Loss",
        // `weight` exists on the function only (torch 2.15 has it), not on the module.
        arguments: &["size_average", "reduce", "reduction", "weight"],
        target: Target::Mlx {
            function: "nn.losses.l1_loss",
            extra: "",
        },
    },
    Loss {
        function: "smooth_l1_loss",
        module: "SmoothL1Loss",
        arguments: &["size_average", "reduce", "reduction", "beta"],
        target: Target::Mlx {
            function: "nn.losses.smooth_l1_loss",
            extra: "",
        },
    },
    Loss {
        function: "binary_cross_entropy",
        module: "BCELoss",
        arguments: &["weight", "size_average", "reduce", "reduction"],
        target: Target::Mlx {
            function: "nn.losses.binary_cross_entropy",
            extra: "with_logits=False",
        },
    },
    Loss {
        function: "binary_cross_entropy_with_logits",
        module: "BCEWithLogitsLoss",
        arguments: &["weight", "size_average", "reduce", "reduction", "pos_weight"],
        target: Target::Mlx {
            function: "nn.losses.binary_cross_entropy",
            extra: "with_logits=True",
        },
    },
];

impl Rule for Losses {
    fn meta(&self) -> RuleMeta {
        RuleMeta {
            id: "losses",
            step: "3",
            checklist: "losses-ported",
            summary: "F.* losses and nn.*Loss → MLX losses with torch's reduction, ignore_index, weights",
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
        let (loss, is_module) = if let Some(name) = qualified.strip_prefix("torch.nn.functional.") {
            let Some(loss) = LOSSES.iter().find(|l| l.function == name) else {
                return;
            };
            (loss, false)
        } else if let Some(name) = qualified.strip_prefix("torch.nn.") {
            let Some(loss) = LOSSES.iter().find(|l| l.module == name) else {
                return;
            };
            (loss, true)
        } else {
            return;
        };
        let range = span(call);
        let torch = if is_module {
            format!("nn.{}", loss.module)
        } else {
            format!("F.{}", loss.function)
        };
        match port(cx, call, loss, is_module) {
            Ok((pieces, to)) => {
                let message = if is_module {
                    format!("{torch} → a lambda calling {to} (its call sites stay as they are)")
                } else {
                    format!("{torch} → {to}")
                };
                let note = match loss.target {
                    Target::Shim(_) => "torch's class axis, ignore_index, weighted mean and reduction kept",
                    Target::Mlx { .. } => "torch's reduction written out",
                };
                out.safe(
                    range.clone(),
                    format!("{message}: {note}"),
                    vec![Edit::template(range, pieces)],
                );
            }
            Err(why) => {
                out.manual(range, format!("{torch}: {why}"));
            }
        }
    }
}

/// The arguments given, by torch name, in source order (after `input, target` for a function).
fn given<'e>(
    call: &'e ast::ExprCall,
    loss: &Loss,
    skip: usize,
) -> Result<Vec<(&'static str, &'e Expr)>, String> {
    let mut named = Vec::new();
    for (index, value) in call.arguments.args.iter().enumerate().skip(skip) {
        let name = loss
            .arguments
            .get(index - skip)
            .ok_or("too many positional arguments")?;
        named.push((*name, value));
    }
    for keyword in &call.arguments.keywords {
        let name = keyword.arg.as_ref().map(|a| a.as_str()).unwrap_or_default();
        if skip > 0 && matches!(name, "input" | "target") {
            continue;
        }
        let known = loss
            .arguments
            .iter()
            .find(|a| **a == name)
            .ok_or_else(|| format!("unknown argument {name}="))?;
        named.push((*known, &keyword.value));
    }
    Ok(named)
}

/// The replacement for the call, and the MLX function it calls (for the message).
fn port(
    cx: &Context,
    call: &ast::ExprCall,
    loss: &Loss,
    is_module: bool,
) -> Result<(Vec<Piece>, &'static str), String> {
    if !plain_positional(call) {
        return Err("arguments passed with * or ** cannot be mapped".into());
    }
    let skip = if is_module { 0 } else { 2 };
    let arguments = given(call, loss, skip)?;
    let mut keywords: Vec<Vec<Piece>> = Vec::new();
    for &(name, value) in &arguments {
        match name {
            "size_average" | "reduce" => {
                return Err(format!(
                    "the legacy {name}= argument: write the equivalent reduction= instead"
                ));
            }
            "weight" if matches!(loss.target, Target::Mlx { .. }) => {
                return Err("weight=: MLX's loss has no weight of torch's broadcasting kind (binary_cross_entropy's weights must have the loss's exact shape): multiply the reduction=\"none\" loss by the weight, then reduce".into());
            }
            "pos_weight" => {
                return Err("pos_weight=: MLX's binary_cross_entropy has none: loss = -(pos_weight * target * nn.log_sigmoid(x) + (1 - target) * nn.log_sigmoid(-x)), then reduce".into());
            }
            "beta" if is_zero(value) => {
                return Err(
                    "beta=0: torch's loss is then L1 (nn.losses.l1_loss); MLX's smooth_l1_loss divides by beta".into(),
                );
            }
            _ => {}
        }
        keywords.push(vec![text(format!("{name}=")), hole(value)]);
    }
    let function = match loss.target {
        Target::Shim(function) => function,
        Target::Mlx { function, extra } => {
            if !extra.is_empty() {
                keywords.push(vec![text(extra)]);
            }
            if !arguments.iter().any(|(name, _)| *name == "reduction") {
                // MLX's defaults differ between losses; torch's is always 'mean'.
                keywords.push(vec![text("reduction=\"mean\"")]);
            }
            function
        }
    };
    let mut pieces = Vec::new();
    let (input, target): (Vec<Piece>, Vec<Piece>) = if is_module {
        if arguments
            .iter()
            .any(|(_, value)| mentions(value, &["input", "target"]))
        {
            return Err("its arguments name `input` or `target`, which the lambda's parameters would shadow: write the lambda by hand".into());
        }
        pieces.push(text(if cx.parent_expr().is_some() {
            "(lambda input, target: "
        } else {
            "lambda input, target: "
        }));
        (vec![text("input")], vec![text("target")])
    } else {
        let input = super::context::argument(call, 0, "input").ok_or("no input")?;
        let target = super::context::argument(call, 1, "target").ok_or("no target")?;
        (vec![hole(input)], vec![hole(target)])
    };
    pieces.push(text(format!("{function}(")));
    pieces.extend(input);
    pieces.push(text(", "));
    pieces.extend(target);
    for keyword in keywords {
        pieces.push(text(", "));
        pieces.extend(keyword);
    }
    pieces.push(text(")"));
    if is_module && cx.parent_expr().is_some() {
        pieces.push(text(")"));
    }
    Ok((pieces, function))
}

fn is_zero(expr: &Expr) -> bool {
    int_literal(expr) == Some(0)
        || matches!(expr, Expr::NumberLiteral(n) if matches!(n.value, ast::Number::Float(f) if f == 0.0))
}

/// Whether `expr` uses any of `names`.
fn mentions(expr: &Expr, names: &[&str]) -> bool {
    struct Finder<'n> {
        names: &'n [&'n str],
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if matches!(expr, Expr::Name(n) if self.names.contains(&n.id.as_str())) {
                self.found = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder {
        names,
        found: false,
    };
    finder.visit_expr(expr);
    finder.found
}
