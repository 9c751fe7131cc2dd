//! layer-attributes: the sizes torch's layers keep as attributes and MLX's layers do not:
//! read off the layer's weight.
//!
//! Why: torch's convolutions keep `in_channels`, `out_channels` and `kernel_size`, `Linear`
//! keeps `in_features` and `out_features`, `Embedding` `num_embeddings` and `embedding_dim`,
//! `GroupNorm` `num_channels` and `LayerNorm` `normalized_shape`. MLX's layers keep their
//! weight (a convolution's is (O, *kernel, I/groups)) and little else, so reading one of these
//! raises AttributeError in the port: torchvision's and timm's weight-init loops
//! (`fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels`), timm's `feature_info`.
//!
//! Example: in `if isinstance(m, nn.Conv2d):`, `m.out_channels` → `m.weight.shape[0]`,
//! `m.kernel_size` → `m.weight.shape[1:-1]`, `m.in_channels` → `m.weight.shape[-1] *
//! m.groups`; `self.head.in_features` with `self.head = nn.Linear(...)` →
//! `self.head.weight.shape[1]`. A submodule built by a call portui cannot follow
//! (`self.conv_pw = create_conv2d(...)`) → `portui_shims.layer_attribute(self.conv_pw,
//! "out_channels")`, which reads the attribute where the object has it and the weight where an
//! MLX layer does not.
//!
//! Fix safety: safe where the layer's class is known (a layer attribute of the class, an
//! `isinstance` test around the use); review for the shim. A subclass of a torch layer reading
//! its own (`self.kernel_size`) is left: it derives from portui_shims' Torch* layer, which
//! keeps torch's attributes.

use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::{Ranged, span};
use crate::semantic::self_attribute;

pub struct LayerAttributes;
pub static RULE: LayerAttributes = LayerAttributes;

/// The sizes only layers have: a submodule of unknown class is read through the shim for these.
const LAYER_SIZES: &[&str] = &[
    "in_channels",
    "out_channels",
    "kernel_size",
    "in_features",
    "out_features",
    "num_embeddings",
    "embedding_dim",
];

/// Sizes read where the layer's class is known only: a config object's `num_channels` or
/// `normalized_shape` is as likely.
const NORM_SIZES: &[&str] = &["num_channels", "normalized_shape"];

/// Whether `attr` is one of the sizes this rule reads off a layer's weight: the walk offers
/// it these attribute reads.
pub(super) fn is_layer_size(attr: &str) -> bool {
    LAYER_SIZES.contains(&attr) || NORM_SIZES.contains(&attr)
}

impl Rule for LayerAttributes {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "layer-attributes", step: "1", checklist: "torch-semantics", summary: "layer sizes MLX's layers do not keep (kernel_size, in_features...) read off the weight" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprAttribute])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Attribute(attribute) = expr else { return };
        let attr = attribute.attr.as_str();
        if attribute.ctx != ast::ExprContext::Load || !is_layer_size(attr) {
            return;
        }
        let receiver = attribute.value.as_ref();
        if !matches!(receiver, Expr::Name(_) | Expr::Attribute(_)) {
            return; // repeated in the rewrite: only a name or an attribute chain
        }
        let classes = layer_classes(cx, receiver);
        let r = cx.src(receiver);
        let forms: Vec<String> = classes.iter().filter_map(|class| direct_form(class, attr, r)).collect();
        if let Some(form) = forms.first()
            && forms.iter().all(|f| f == form)
        {
            out.safe(span(expr), format!("`.{attr}`: MLX's layer keeps no such attribute → `{form}`"), vec![Edit::replace(span(expr), form.clone())]);
            return;
        }
        let unknown_submodule = self_attribute(receiver).is_some_and(|a| {
            cx.class_info()
                .is_some_and(|c| c.is_module && c.built_by_calls.contains(a))
        });
        if !forms.is_empty() || (unknown_submodule && LAYER_SIZES.contains(&attr)) {
            let form = format!("portui_shims.layer_attribute({r}, \"{attr}\")");
            out.review(span(expr), format!("`.{attr}` of a module whose MLX class may keep no such attribute → `{form}`, which reads it off the weight when the layer lacks it"), vec![Edit::replace(span(expr), form)]);
        }
    }
}

/// The torch layer classes `receiver` is known to be, qualified: a layer attribute of the
/// class (`self.fc`), or the names an enclosing `isinstance(m, ...)` test allows.
fn layer_classes(cx: &Context, receiver: &Expr) -> Vec<String> {
    if let Some(class) = cx.layer_type(receiver) {
        return vec![class.to_string()];
    }
    // `self` in a subclass of a torch layer is left: the subclass derives from portui_shims'
    // Torch* layer, which keeps torch's attributes.
    let Expr::Name(name) = receiver else { return Vec::new() };
    isinstance_classes(cx, name.id.as_str(), receiver)
}

/// The classes the innermost `if isinstance(name, ...)` branch holding `at` tests for.
fn isinstance_classes(cx: &Context, name: &str, at: &Expr) -> Vec<String> {
    let start = at.start();
    for stmt in cx.stmt_stack.iter().rev() {
        let Stmt::If(branches) = stmt else { continue };
        let inside = |body: &[Stmt]| {
            matches!((body.first(), body.last()), (Some(first), Some(last)) if first.start() <= start && start < last.end())
        };
        let test = if inside(&branches.body) {
            Some(branches.test.as_ref())
        } else {
            branches
                .elif_else_clauses
                .iter()
                .find(|clause| inside(&clause.body))
                .and_then(|clause| clause.test.as_ref())
        };
        let mut classes = Vec::new();
        if let Some(test) = test {
            tested_classes(cx, test, name, &mut classes);
        }
        if !classes.is_empty() {
            return classes;
        }
    }
    Vec::new()
}

/// The classes of `isinstance(name, C)` or `isinstance(name, (C, D))` in `test`, also as a
/// term of an `and`.
fn tested_classes(cx: &Context, test: &Expr, name: &str, classes: &mut Vec<String>) {
    match test {
        Expr::BoolOp(all) if all.op == ast::BoolOp::And => {
            for value in &all.values {
                tested_classes(cx, value, name, classes);
            }
        }
        Expr::Call(call)
            if matches!(call.func.as_ref(), Expr::Name(f) if f.id.as_str() == "isinstance")
                && call.arguments.keywords.is_empty() =>
        {
            let [Expr::Name(tested), class] = &call.arguments.args[..] else { return };
            if tested.id.as_str() != name {
                return;
            }
            match class {
                Expr::Tuple(tuple) => classes.extend(tuple.elts.iter().filter_map(|c| cx.torch_name(c).map(String::from))),
                class => classes.extend(cx.torch_name(class).map(String::from)),
            }
        }
        _ => {}
    }
}

/// `r.attr` of the torch layer `class`, read from its MLX counterpart; `None` when the class
/// has no such attribute (or MLX keeps it).
fn direct_form(class: &str, attr: &str, r: &str) -> Option<String> {
    let class = class.strip_prefix("torch.nn.")?;
    let conv = matches!(class, "Conv1d" | "Conv2d" | "Conv3d" | "ConvTranspose1d" | "ConvTranspose2d" | "ConvTranspose3d");
    Some(match attr {
        "out_channels" if conv => format!("{r}.weight.shape[0]"),
        // MLX's Conv1d and Conv2d take groups (the weight holds I/groups); its Conv3d and
        // transposed convolutions take none.
        "in_channels" if matches!(class, "Conv1d" | "Conv2d") => format!("{r}.weight.shape[-1] * {r}.groups"),
        "in_channels" if conv => format!("{r}.weight.shape[-1]"),
        "kernel_size" if conv => format!("{r}.weight.shape[1:-1]"),
        "in_features" if class == "Linear" => format!("{r}.weight.shape[1]"),
        "out_features" if class == "Linear" => format!("{r}.weight.shape[0]"),
        "num_embeddings" if class == "Embedding" => format!("{r}.weight.shape[0]"),
        "embedding_dim" if class == "Embedding" => format!("{r}.weight.shape[1]"),
        "num_channels" if class == "GroupNorm" => format!("{r}.dims"),
        "normalized_shape" if class == "LayerNorm" => format!("({r}.dims,)"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::findings_of;

    #[test]
    fn known_layers_read_their_weight() {
        let source = "import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 5)\n        self.conv = nn.Conv2d(3, 8, 3, groups=1)\n    def size(self):\n        return self.fc.in_features, self.conv.in_channels\n";
        let found = findings_of("layer-attributes", source);
        let texts: Vec<&str> = found.iter().map(|f| &source[f.range.clone()]).collect();
        assert_eq!(texts, ["self.fc.in_features", "self.conv.in_channels"]);
        assert!(found[0].message.contains("self.fc.weight.shape[1]"), "{}", found[0].message);
        assert!(found[1].message.contains("self.conv.weight.shape[-1] * self.conv.groups"), "{}", found[1].message);
    }

    #[test]
    fn isinstance_branches_narrow_a_name() {
        let source = "import torch.nn as nn\ndef init(m):\n    if isinstance(m, nn.Conv2d):\n        n = m.kernel_size[0] * m.out_channels\n    elif isinstance(m, (nn.Linear,)):\n        n = m.out_features\n    else:\n        n = m.out_features\n    return n\n";
        let found = findings_of("layer-attributes", source);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert!(messages[0].contains("m.weight.shape[1:-1]"));
        assert!(messages[1].contains("m.weight.shape[0]"));
        assert!(messages[2].contains("m.weight.shape[0]")); // the else branch: nothing known
    }

    #[test]
    fn submodules_of_unknown_class_go_through_the_shim_and_configs_are_left() {
        let source = "import torch.nn as nn\nclass B(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.config = config\n        self.conv_pw = create_conv2d(3, 8, 1)\n    def info(self):\n        return self.conv_pw.out_channels, self.config.in_channels\n";
        let found = findings_of("layer-attributes", source);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("portui_shims.layer_attribute(self.conv_pw, \"out_channels\")"));
        assert_eq!(found[0].applicability, crate::fix::Applicability::Review);
    }
}
