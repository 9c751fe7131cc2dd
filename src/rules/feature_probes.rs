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
//! Example: `_HAS_FUSED_ATTN = hasattr(torch.nn.functional, "scaled_dot_product_attention")`
//! → `_HAS_FUSED_ATTN = True`.
//!
//! Fix safety: review: the probe no longer asks the running library; a name the table does
//! not know is left to a person (the unported finding on the torch name stays).

use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind};
use crate::parse::span;

pub struct FeatureProbes;
pub static RULE: FeatureProbes = FeatureProbes;

impl Rule for FeatureProbes {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "feature-probes", step: "7", checklist: "torch-semantics", summary: "hasattr probes of torch's API → the answer of the torch the table describes" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Expr::Name(callee) = call.func.as_ref() else { return };
        if callee.id.as_str() != "hasattr" || !call.arguments.keywords.is_empty() {
            return;
        }
        let [namespace, Expr::StringLiteral(name)] = &call.arguments.args[..] else { return };
        let Some(namespace) = cx.torch_name(namespace) else { return };
        let probed = format!("{namespace}.{}", name.value.to_str());
        if !crate::api::table().knows(&probed) {
            return;
        }
        let range = span(expr);
        out.review(
            range.clone(),
            format!("hasattr probe of `{probed}`: True, as in the torch whose API portui ports (its uses are ported where portui can)"),
            vec![Edit::replace(range, "True")],
        );
    }
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
            d = hasattr(obj, 'compiler')\n";
        let findings = findings_of("feature-probes", source);
        let probed: Vec<&str> = findings.iter().map(|f| &source[f.range.clone()]).collect();
        assert_eq!(
            probed,
            [
                "hasattr(F, 'scaled_dot_product_attention')",
                "hasattr(torch, 'compiler')",
                "hasattr(torch.compiler, 'is_exporting')",
            ]
        );
    }
}
