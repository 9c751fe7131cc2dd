//! feature-probes: `hasattr(torch.nn.functional, "scaled_dot_product_attention")`, a probe of
//! whether the installed torch has an API, → `True` when the torch that portui's API table
//! describes has it (a name the table lists, or a namespace holding names it lists).
//!
//! Why: libraries probe torch's features once, at import (`_HAS_FUSED_ATTN = hasattr(F,
//! "scaled_dot_product_attention")`, `hasattr(torch, "compiler")`), and the probe alone keeps
//! `import torch` alive in the port. A port answers as the torch its rewrites are checked
//! against (as `torch.__version__` does): the branch that torch takes, whose calls are ported
//! where portui can port them and named by their own findings where it cannot.
//!
//! `"silu" in dir(torch.nn.functional)` likewise. `getattr(getattr(torch, "compiler", None),
//! "disable", None)` (timm's `disable_compiler`), a
//! probe that keeps what it finds, → the MLX value the table gives that name
//! (`portui_shims.compiler_disable`).
//!
//! Example: `_HAS_FUSED_ATTN = hasattr(torch.nn.functional, "scaled_dot_product_attention")`
//! → `_HAS_FUSED_ATTN = True`.
//!
//! Fix safety: review: the probe no longer asks the running library; a name the table does
//! not know is left to a person (the unported finding on the torch name stays).

use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{CmpOp, Expr, NodeKind};
use crate::parse::span;

pub struct FeatureProbes;
pub static RULE: FeatureProbes = FeatureProbes;

impl Rule for FeatureProbes {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "feature-probes", step: "7", checklist: "torch-semantics", summary: "hasattr/getattr/dir probes of torch's API → the answer of the torch the table describes" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall, NodeKind::ExprCompare])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        // `'silu' in dir(torch.nn.functional)` (timm's create_act): hasattr spelled otherwise.
        if let Expr::Compare(compare) = expr
            && let ([CmpOp::In], [Expr::Call(listing)], Expr::StringLiteral(name)) = (&compare.ops[..], &compare.comparators[..], compare.left.as_ref())
            && matches!(listing.func.as_ref(), Expr::Name(callee) if callee.id.as_str() == "dir")
            && let [namespace] = &listing.arguments.args[..]
            && let Some(namespace) = cx.torch_name(namespace)
        {
            answer_true(expr, "dir", &format!("{namespace}.{}", name.value.to_str()), out);
            return;
        }
        let Expr::Call(call) = expr else { return };
        let Expr::Name(callee) = call.func.as_ref() else { return };
        if !call.arguments.keywords.is_empty() {
            return;
        }
        let range = span(expr);
        match (callee.id.as_str(), &call.arguments.args[..]) {
            ("hasattr", [namespace, Expr::StringLiteral(name)]) => {
                let Some(namespace) = cx.torch_name(namespace) else { return };
                answer_true(expr, "hasattr", &format!("{namespace}.{}", name.value.to_str()), out);
            }
            ("getattr", [_, Expr::StringLiteral(_), _]) => {
                if cx.parent_expr().is_some_and(|parent| probed_name(cx, parent).is_some()) {
                    return; // the outer getattr's
                }
                let Some(probed) = probed_name(cx, expr) else { return };
                let Some(value) = crate::api::table().lookup(&probed).find_map(|entry| entry.value.as_deref()) else { return };
                out.review(
                    range.clone(),
                    format!("getattr probe of `{probed}` → {value}, its MLX counterpart in the torch whose API portui ports"),
                    vec![Edit::replace(range, value)],
                );
            }
            _ => {}
        }
    }
}

/// A probe of whether torch has `probed` → `True`, when the table knows the name.
fn answer_true(probe: &Expr, form: &str, probed: &str, out: &mut Findings) {
    if crate::api::table().knows(probed) {
        let range = span(probe);
        out.review(range.clone(), format!("{form} probe of `{probed}`: True, as in the torch whose API portui ports (its uses are ported where portui can)"), vec![Edit::replace(range, "True")]);
    }
}

/// The torch name a probe spells: a torch name/attribute chain, or `getattr(<probe>, "name",
/// default)` of one (`getattr(getattr(torch, "compiler", None), "disable", None)` →
/// `torch.compiler.disable`).
fn probed_name(cx: &Context, expr: &Expr) -> Option<String> {
    if let Some(name) = cx.torch_name(expr) {
        return Some(name.to_string());
    }
    let Expr::Call(call) = expr else { return None };
    let Expr::Name(callee) = call.func.as_ref() else { return None };
    let [inner, Expr::StringLiteral(name), _] = &call.arguments.args[..] else { return None };
    if callee.id.as_str() != "getattr" || !call.arguments.keywords.is_empty() {
        return None;
    }
    Some(format!("{}.{}", probed_name(cx, inner)?, name.value.to_str()))
}

#[cfg(test)]
mod tests {
    use crate::rules::findings_of;

    #[test]
    fn probes_of_names_the_table_knows_become_true() {
        let source = "import torch\nimport torch.nn.functional as F\n\
            a = hasattr(F, 'scaled_dot_product_attention')\n\
            b = hasattr(torch, 'compiler') and hasattr(torch.compiler, 'is_exporting')\n\
            c = hasattr(torch, 'no_such_api')\n\
            d = hasattr(obj, 'compiler')\n\
            e = getattr(getattr(torch, 'compiler', None), 'disable', None) or nullwrap\n\
            g = 'silu' in dir(torch.nn.functional)\n\
            f = getattr(torch, 'no_such_api', None)\n\
            h = getattr(torch.compiler, 'is_compiling', None) or getattr(torch._dynamo, 'is_compiling', None)\n";
        let findings = findings_of("feature-probes", source);
        let probed: Vec<&str> = findings.iter().map(|f| &source[f.range.clone()]).collect();
        assert_eq!(
            probed,
            [
                "hasattr(F, 'scaled_dot_product_attention')",
                "hasattr(torch, 'compiler')",
                "hasattr(torch.compiler, 'is_exporting')",
                "getattr(getattr(torch, 'compiler', None), 'disable', None)",
                "'silu' in dir(torch.nn.functional)",
                "getattr(torch.compiler, 'is_compiling', None)",
                "getattr(torch._dynamo, 'is_compiling', None)",
            ]
        );
        let ported = crate::port::port(source, &findings, |_| true).expect("ports").text;
        assert!(ported.contains("h = portui_shims.always_false or portui_shims.always_false"), "{ported}");
    }
}
