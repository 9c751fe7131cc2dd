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
//! takes probabilities). BCE with `weight` or `pos_weight` goes to a `portui_shims` helper with
//! torch's formula (MLX's weights must have the loss's exact shape; torch's broadcast, and MLX
//! has no `pos_weight`). The legacy `size_average`/`reduce` become the reduction torch reads
//! from them (written out when both are literals, else `portui_shims.legacy_reduction`); the
//! api rule does the same for the table's losses. A loss module becomes a lambda the call
//! sites keep calling. Manual: `weight` on MSE and L1 (MLX has none; torch's mean divides by
//! the weights' sum), and `smooth_l1_loss` with `beta=0` (MLX divides by beta; torch's is then
//! L1).
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

#[derive(Clone, Copy)]
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
    /// A `portui_shims` helper with torch's signature for calls giving `weight=` or
    /// `pos_weight=`, which the MLX loss has no form of.
    weighted: Option<&'static str>,
}

const LOSSES: &[Loss] = &[
    Loss {
        function: "cross_entropy",
        module: "CrossEntropyLoss",
        arguments: &["weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"],
        target: Target::Shim("portui_shims.cross_entropy"),
        weighted: None,
    },
    Loss {
        function: "nll_loss",
        module: "NLLLoss",
        arguments: &["weight", "size_average", "ignore_index", "reduce", "reduction"],
        target: Target::Shim("portui_shims.nll_loss"),
        weighted: None,
    },
    Loss {
        function: "kl_div",
        module: "KLDivLoss",
        arguments: &["size_average", "reduce", "reduction", "log_target"],
        target: Target::Shim("portui_shims.kl_div"),
        weighted: None,
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
        weighted: None,
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
        weighted: None,
    },
    Loss {
        function: "smooth_l1_loss",
        module: "SmoothL1Loss",
        arguments: &["size_average", "reduce", "reduction", "beta"],
        target: Target::Mlx {
            function: "nn.losses.smooth_l1_loss",
            extra: "",
        },
        weighted: None,
    },
    Loss {
        function: "binary_cross_entropy",
        module: "BCELoss",
        arguments: &["weight", "size_average", "reduce", "reduction"],
        target: Target::Mlx {
            function: "nn.losses.binary_cross_entropy",
            extra: "with_logits=False",
        },
        weighted: Some("portui_shims.binary_cross_entropy"),
    },
    Loss {
        function: "binary_cross_entropy_with_logits",
        module: "BCEWithLogitsLoss",
        arguments: &["weight", "size_average", "reduce", "reduction", "pos_weight"],
        target: Target::Mlx {
            function: "nn.losses.binary_cross_entropy",
            extra: "with_logits=True",
        },
        weighted: Some("portui_shims.binary_cross_entropy_with_logits"),
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
                    _ if loss.weighted == Some(to) => "torch's broadcasting weight, pos_weight and reduction kept",
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
    let legacy_argument = |legacy: &str| arguments.iter().find(|(name, _)| *name == legacy).map(|(_, value)| *value);
    let (size_average, reduce) = (legacy_argument("size_average"), legacy_argument("reduce"));
    let legacy = is_legacy(size_average, reduce);
    let weighted = loss.weighted.filter(|_| {
        arguments
            .iter()
            .any(|(name, value)| matches!(*name, "weight" | "pos_weight") && !matches!(value, Expr::NoneLiteral(_)))
    });
    let mut keywords: Vec<Vec<Piece>> = Vec::new();
    for &(name, value) in &arguments {
        match name {
            // Folded into the reduction below (or None: not given); torch then ignores reduction=.
            "size_average" | "reduce" => continue,
            "reduction" if legacy => continue,
            "weight" | "pos_weight" if weighted.is_none() && matches!(value, Expr::NoneLiteral(_)) => continue,
            "weight" if weighted.is_none() && matches!(loss.target, Target::Mlx { .. }) => {
                return Err("weight=: MLX's loss has none: multiply the reduction=\"none\" loss by the weight, then reduce as torch does (its mean divides by the weights' sum)".into());
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
    if legacy {
        let mut reduction = vec![text("reduction=")];
        match legacy_reduction(size_average, reduce) {
            Some(written) => reduction.push(text(format!("\"{written}\""))),
            None => {
                reduction.push(text("portui_shims.legacy_reduction("));
                reduction.push(size_average.map_or(text("None"), hole));
                reduction.push(text(", "));
                reduction.push(reduce.map_or(text("None"), hole));
                reduction.push(text(")"));
            }
        }
        keywords.push(reduction);
    }
    let function = match (weighted, loss.target) {
        (Some(function), _) | (None, Target::Shim(function)) => function,
        (None, Target::Mlx { function, extra }) => {
            if !extra.is_empty() {
                keywords.push(vec![text(extra)]);
            }
            if !legacy && !arguments.iter().any(|(name, _)| *name == "reduction") {
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

/// Whether a loss call passes the legacy `size_average=` or `reduce=` (not None): torch then
/// takes its reduction from them, whatever `reduction=` says.
pub(crate) fn is_legacy(size_average: Option<&Expr>, reduce: Option<&Expr>) -> bool {
    [size_average, reduce]
        .into_iter()
        .flatten()
        .any(|value| !matches!(value, Expr::NoneLiteral(_)))
}

/// torch's reduction for the legacy `size_average=`/`reduce=` (`torch.nn._reduction.
/// legacy_get_string`: a missing or None one counts as true; `reduce` false gives 'none', else
/// `size_average` true 'mean', false 'sum'), when both are literals. `None` when one is a
/// run-time value: `portui_shims.legacy_reduction(size_average, reduce)` computes it then.
pub(crate) fn legacy_reduction(size_average: Option<&Expr>, reduce: Option<&Expr>) -> Option<&'static str> {
    let truth = |value: Option<&Expr>| match value {
        None | Some(Expr::NoneLiteral(_)) => Some(true),
        Some(Expr::BooleanLiteral(b)) => Some(b.value),
        Some(number) => int_literal(number).map(|n| n != 0),
    };
    Some(match (truth(size_average)?, truth(reduce)?) {
        (_, false) => "none",
        (true, true) => "mean",
        (false, true) => "sum",
    })
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

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    /// The losses rule's port of `body` (after the imports), and its findings' messages.
    fn port(body: &str) -> (String, Vec<(Applicability, String)>) {
        let source = format!("import torch.nn as nn\nimport torch.nn.functional as F\n{body}");
        let findings = crate::rules::findings_of("losses", &source);
        let ported = crate::port::port(&source, &findings, |_| true).expect("ports").text;
        (ported, findings.into_iter().map(|f| (f.applicability, f.message)).collect())
    }

    #[test]
    fn legacy_arguments_become_torchs_reduction() {
        let (ported, findings) = port("a = F.mse_loss(x, y, 1)\nb = F.l1_loss(x, y, False, reduction='none')\nc = F.kl_div(x, y, reduce=False)\nd = F.smooth_l1_loss(x, y, None, None)\nm = nn.MSELoss(size_average=False)\n");
        assert!(findings.iter().all(|(a, _)| *a == Applicability::Safe), "{findings:?}");
        // Given size_average/reduce, torch ignores reduction=; None is not giving them.
        assert!(ported.contains("a = nn.losses.mse_loss(x, y, reduction=\"mean\")"), "{ported}");
        assert!(ported.contains("b = nn.losses.l1_loss(x, y, reduction=\"sum\")"), "{ported}");
        assert!(ported.contains("c = portui_shims.kl_div(x, y, reduction=\"none\")"), "{ported}");
        assert!(ported.contains("d = nn.losses.smooth_l1_loss(x, y, reduction=\"mean\")"), "{ported}");
        assert!(ported.contains("m = lambda input, target: nn.losses.mse_loss(input, target, reduction=\"sum\")"), "{ported}");
    }

    #[test]
    fn run_time_legacy_arguments_are_read_at_run_time() {
        let (ported, _) = port("a = F.mse_loss(x, y, size_average=avg)\nb = F.cross_entropy(x, y, reduce=flag)\n");
        assert!(ported.contains("a = nn.losses.mse_loss(x, y, reduction=portui_shims.legacy_reduction(avg, None))"), "{ported}");
        assert!(ported.contains("b = portui_shims.cross_entropy(x, y, reduction=portui_shims.legacy_reduction(None, flag))"), "{ported}");
    }

    #[test]
    fn broadcasting_bce_weights_go_to_torchs_formula() {
        let (ported, findings) = port("a = F.binary_cross_entropy(p, y, w)\nb = F.binary_cross_entropy_with_logits(z, y, pos_weight=pw, reduction='sum')\nc = nn.BCELoss(weight=None)\nd = F.mse_loss(p, y, weight=w)\n");
        assert!(ported.contains("a = portui_shims.binary_cross_entropy(p, y, weight=w)"), "{ported}");
        assert!(ported.contains("b = portui_shims.binary_cross_entropy_with_logits(z, y, pos_weight=pw, reduction='sum')"), "{ported}");
        assert!(ported.contains("c = lambda input, target: nn.losses.binary_cross_entropy(input, target, with_logits=False, reduction=\"mean\")"), "{ported}");
        assert_eq!(findings[3].0, Applicability::Manual, "MSE's weight: {:?}", findings[3]);
    }
}
