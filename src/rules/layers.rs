//! layers: what of torch's layers needs more than the constructor call: the `nn.Module` base
//! class, `nn.Sequential`'s parameter names, `nn.Flatten` in a channels-last module, and layer
//! classes used as values (`isinstance(m, nn.Conv2d)`). Every layer constructor is an entry of
//! the API table (`table/nn.api`), with its renames, argument renames, defaults made explicit
//! and unsupported arguments.
//!
//! Why: a module class must derive from `mlx.nn.Module`. MLX's `Sequential` keeps its
//! children under `layers`, so parameter names would gain `.layers` (`net.0.weight` →
//! `net.layers.0.weight`) and torch checkpoints stop loading (mlx-traps #18): the shim
//! `portui_shims.Sequential` keeps torch's names wherever the container sits. MLX has no
//! Flatten layer, and in a channels-last module the map it flattens is NHWC: flattened as it
//! is, the next Linear would see the features in another order (mlx-traps #22), so the
//! channels move back to axis 1 first. A layer class named as a value must name the MLX
//! class the table builds (`nn.BatchNorm2d` → `nn.BatchNorm`); in a module whose feature maps
//! keep torch's layout, the channels-first form of it, as the table's constructor calls there.
//! A class built elsewhere may be given torch's factory keywords there (timm's
//! `norm_layer(dim, **dd)` with `dd = {'device': ..., 'dtype': ...}`), which MLX's layers do
//! not take: it becomes `portui_shims.with_factory_keywords(cls)`, a subclass made once per
//! class (device= dropped, dtype= casting the parameters), except in type checks, comparisons
//! with an object's type and annotations. A layer class a subclass extends (`class
//! Linear(nn.Linear)`) is wrapped so too: the subclass is built with torch's arguments.
//!
//! Example: `class Net(nn.Module)` → `class Net(nn.Module)` with `mlx.nn`;
//! `nn.Sequential(conv, bn)` → `portui_shims.Sequential(conv, bn)`; in a module with
//! convolutions, `nn.Flatten()` → `portui_shims.Flatten(channels_last=True)`;
//! `isinstance(m, nn.BatchNorm2d)` → `isinstance(m, nn.BatchNorm)`; `norm_layer=nn.LayerNorm`
//! → `norm_layer=portui_shims.with_factory_keywords(nn.LayerNorm)`.
//!
//! Fix safety: safe for the base class, `Sequential` and class references; review for
//! `Flatten` in a channels-last module (which maps are flattened is inferred).

use super::{Context, Findings, Rule, RuleMeta};
use crate::api::{Action, table};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct Layers;
pub static RULE: Layers = Layers;

impl Rule for Layers {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "layers", step: "1", checklist: "torch-semantics", summary: "nn.Module base, Sequential names, Flatten, layer classes as values" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtClassDef, NodeKind::ExprCall, NodeKind::ExprAttribute, NodeKind::ExprName])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        // `class M(nn.Module)`: the base must end up as mlx.nn.Module.
        let Stmt::ClassDef(class) = stmt else { return };
        for base in class.bases() {
            if cx.torch_name(base).as_deref() == Some("torch.nn.Module") {
                out.safe(span(base), "nn.Module → mlx.nn.Module", vec![Edit::replace(span(base), "nn.Module")]);
            }
        }
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        if matches!(expr, Expr::Attribute(_) | Expr::Name(_)) {
            self.layer_reference(cx, expr, out);
            return;
        }
        let Expr::Call(call) = expr else { return };
        let range = span(call);
        match cx.torch_name(&call.func).as_deref() {
            // An empty module to hang attributes on: MLX's Module is built the same way.
            Some("torch.nn.Module") if call.arguments.is_empty() => {
                out.safe(range, "nn.Module() → mlx.nn.Module(): an empty module", vec![Edit::replace(span(call.func.as_ref()), "nn.Module")]);
            }
            Some("torch.nn.Sequential") => {
                let edits = vec![Edit::replace(span(call.func.as_ref()), "portui_shims.Sequential")];
                out.safe(range, "nn.Sequential → portui_shims.Sequential: the children keep torch's parameter names (`net.0.weight`; mlx.nn.Sequential stores them under `layers`)", edits);
            }
            Some("torch.nn.Flatten") => {
                let mut edits = vec![Edit::replace(span(call.func.as_ref()), "portui_shims.Flatten")];
                if cx.class_info().is_some_and(|class| class.feature_rank.is_some()) {
                    edits.push(super::calls::append_argument(call, "channels_last=True"));
                    out.review(range, "nn.Flatten in a channels-last module → portui_shims.Flatten(..., channels_last=True): the feature map's channels move back to axis 1 before flattening, so the next layer sees torch's feature order", edits);
                } else {
                    out.safe(range, "nn.Flatten → portui_shims.Flatten (MLX has no Flatten layer)", edits);
                }
            }
            _ => {}
        }
    }
}

impl Layers {
    /// A layer class used as a value (`isinstance(m, nn.Conv2d)`), not called.
    fn layer_reference(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let called = matches!(cx.parent_expr(), Some(Expr::Call(call)) if span(call.func.as_ref()) == span(expr));
        let in_chain = matches!(cx.parent_expr(), Some(Expr::Attribute(_)));
        if called || in_chain {
            return;
        }
        let Some(q) = cx.torch_name(expr) else { return };
        // torchvision's layers (`FrozenBatchNorm2d`) are named by their class alone.
        let name = match q.strip_prefix("torch.nn.") {
            Some(layer) => format!("nn.{layer}"),
            None if q.starts_with("torchvision.ops.") => q.rsplit('.').next().unwrap_or_default().to_string(),
            None => return,
        };
        let Some(to) = mlx_class(&q) else { return };
        // A class built elsewhere with torch's arguments (`activation_layer(inplace=True)`)
        // whose MLX class takes none of them; isinstance checks need the class itself.
        if ignores_torch_arguments(&q) && !in_type_check(cx) && !in_type_comparison(cx) && !is_class_base(cx, expr) {
            let wrapped = format!("portui_shims.ignoring_arguments({to})");
            out.safe(span(expr), format!("{name} (the class) → {wrapped}: built elsewhere with torch's arguments (inplace=...), which mean nothing in MLX"), vec![Edit::replace(span(expr), wrapped)]);
            return;
        }
        // `conv_layer = nn.Conv2d`, `norm_layer=nn.BatchNorm2d` in a module whose feature maps
        // keep torch's layout: what it builds must take channels-first arrays, as the table's
        // constructor calls there do.
        if builds_channels_last(&q) && cx.in_channels_first_scope() && !in_type_check(cx) && !is_class_base(cx, expr) {
            let wrapped = format!("portui_shims.channels_first_layer({to})");
            out.safe(span(expr), format!("{name} (the class) → {wrapped}: this module's feature maps keep torch's channels-first layout"), vec![Edit::replace(span(expr), wrapped)]);
            return;
        }
        // `class Conv2dSame(nn.Conv2d)`: the subclass's own code reads torch's attributes and
        // works in torch's layout, so its base is torch's layer rebuilt on mx; the semantic
        // model makes the classes using it channels-first.
        if let Some(base) = torch_base(&q)
            && is_class_base(cx, expr)
        {
            out.safe(span(expr), format!("{name} (a base class) → {base}: torch's layer on mx (torch's attributes, weight layout and channels-first maps), as the subclass's own code expects"), vec![Edit::replace(span(expr), base)]);
            return;
        }
        // Other layers MLX builds channels-last: the layer takes channels-first arrays.
        if builds_channels_last(&q) && is_class_base(cx, expr) {
            let wrapped = format!("portui_shims.channels_first_layer({to})");
            out.safe(span(expr), format!("{name} (a base class) → {wrapped}: the subclass's own code works in torch's channels-first layout"), vec![Edit::replace(span(expr), wrapped)]);
            return;
        }
        // `class Linear(nn.Linear)` (timm's) with no __init__ of its own, built as
        // `Linear(a, b, **dd)`: the subclass takes torch's factory keywords as its base did.
        // portui_shims' containers (`Sequential`) take no factory keywords in torch either.
        if is_class_base(cx, expr) && !ignores_torch_arguments(&q) && to.starts_with("nn.") {
            let wrapped = format!("portui_shims.with_factory_keywords({to})");
            out.safe(span(expr), format!("{name} (a base class) → {wrapped}: the subclass is built with torch's arguments, maybe its factory keywords (device=, dtype=), which MLX's layers do not take"), vec![Edit::replace(span(expr), wrapped)]);
            return;
        }
        // `isinstance(m, nn.Conv2d)` in a file subclassing it: the subclass extends
        // portui_shims' rebuild of torch's conv, which was an instance of torch's conv too.
        if let Some(base) = torch_base(&q)
            && in_type_check(cx)
            && file_extends(cx, &q)
        {
            let both = format!("({to}, {base})");
            out.safe(span(expr), format!("{name} (the class) → {both}: subclasses of torch's layer extend {base}"), vec![Edit::replace(span(expr), both)]);
            return;
        }
        // `norm_layer=nn.LayerNorm`, built elsewhere as `norm_layer(dim, **dd)` with timm's
        // `dd = {'device': device, 'dtype': dtype}`: MLX's layers take no factory keywords.
        // Type checks, comparisons with types and annotations want the class itself.
        if !in_type_check(cx) && !in_type_comparison(cx) && !cx.in_annotation && !is_class_base(cx, expr) {
            let wrapped = format!("portui_shims.with_factory_keywords({to})");
            out.safe(span(expr), format!("{name} (the class) → {wrapped}: built elsewhere, maybe with torch's factory keywords (device=, dtype=), which MLX's layers do not take"), vec![Edit::replace(span(expr), wrapped)]);
            return;
        }
        out.safe(span(expr), format!("{name} (the class) → {to}"), vec![Edit::replace(span(expr), to)]);
    }
}

/// Inside a comparison with an object's type (`type(m) is nn.Linear`, `m.__class__ in
/// (nn.Conv2d, nn.Linear)`), which must see the class a plain constructor call builds. A
/// comparison of values (`act_layer == nn.ELU`) takes the wrapped class, which is one object
/// wherever it is named.
pub(super) fn in_type_comparison(cx: &Context) -> bool {
    let names_a_type = |operand: &Expr| match operand {
        Expr::Call(call) => matches!(call.func.as_ref(), Expr::Name(name) if name.id.as_str() == "type"),
        Expr::Attribute(attribute) => attribute.attr.as_str() == "__class__",
        _ => false,
    };
    cx.expr_stack.iter().any(|ancestor| {
        matches!(ancestor, Expr::Compare(compare) if names_a_type(&compare.left) || compare.comparators.iter().any(names_a_type))
    })
}

/// The layers portui_shims rebuilds as torch has them, for subclasses that read torch's
/// attributes (`self.stride[0]`, `self.weight.shape[-2:]`, `self.normalized_shape`).
const TORCH_BASES: &[(&str, &str)] = &[
    ("torch.nn.Conv1d", "portui_shims.TorchConv1d"),
    ("torch.nn.Conv2d", "portui_shims.TorchConv2d"),
    ("torch.nn.Conv3d", "portui_shims.TorchConv3d"),
    ("torch.nn.MaxPool1d", "portui_shims.TorchMaxPool1d"),
    ("torch.nn.MaxPool2d", "portui_shims.TorchMaxPool2d"),
    ("torch.nn.LayerNorm", "portui_shims.TorchLayerNorm"),
];

/// portui_shims' rebuild of torch's layer `torch`, for a subclass to extend.
pub(crate) fn torch_base(torch: &str) -> Option<&'static str> {
    TORCH_BASES.iter().find(|(t, _)| *t == torch).map(|(_, base)| *base)
}

/// Whether a class of the file extends the torch layer `torch`.
fn file_extends(cx: &Context, torch: &str) -> bool {
    cx.module.body.iter().any(|stmt| {
        matches!(stmt, Stmt::ClassDef(class) if class.bases().iter().any(|base| cx.torch_name(base).as_deref() == Some(torch)))
    })
}

/// Whether the table's MLX layer for the torch class works on channels-last arrays.
fn builds_channels_last(torch: &str) -> bool {
    table().lookup(torch).next().is_some_and(|entry| entry.channels_last)
}

/// Whether the table builds the torch layer without any of its constructor's arguments
/// (`torch.nn.ReLU(inplace=False) = nn.ReLU()`).
fn ignores_torch_arguments(torch: &str) -> bool {
    table().lookup(torch).next().is_some_and(|entry| match &entry.action {
        Action::Rewrite(template) => !entry.params.is_empty() && template.params().is_empty(),
        _ => false,
    })
}

/// A base of the class being defined (`class Stage(nn.Identity)`): subclasses build it as
/// MLX does, so it stays the class itself.
pub(super) fn is_class_base(cx: &Context, expr: &Expr) -> bool {
    cx.expr_stack.is_empty() && matches!(cx.stmt_stack.last(), Some(Stmt::ClassDef(class)) if class.bases().iter().any(|base| span(base) == span(expr)))
}

/// Inside `isinstance(...)` or `issubclass(...)`, where the class itself is wanted.
pub(super) fn in_type_check(cx: &Context) -> bool {
    cx.expr_stack.iter().any(|ancestor| {
        matches!(ancestor, Expr::Call(call) if matches!(call.func.as_ref(), Expr::Name(name) if matches!(name.id.as_str(), "isinstance" | "issubclass")))
    })
}

/// The class the API table builds for a torch layer: the callee of its first rewrite
/// (`nn.BatchNorm` for `torch.nn.BatchNorm2d`), when that is a class of its own (not a
/// `portui_shims.Lambda` around a function).
pub(crate) fn mlx_class(torch: &str) -> Option<String> {
    match torch {
        "torch.nn.Sequential" => return Some("portui_shims.Sequential".into()),
        "torch.nn.Flatten" => return Some("portui_shims.Flatten".into()),
        // `class Getter(nn.ModuleDict)`: the containers rule ports the calls.
        "torch.nn.ModuleDict" | "torch.nn.ParameterDict" => return Some("portui_shims.ModuleDict".into()),
        "torch.nn.modules.batchnorm._BatchNorm" => return Some("nn.BatchNorm".into()),
        _ => {}
    }
    let template = table().lookup(torch).find_map(|entry| match &entry.action {
        Action::Rewrite(template) => Some(template),
        _ => None,
    })?;
    let callee = template.source.split_once('(')?.0;
    let is_class = callee.rsplit('.').next().is_some_and(|last| last.starts_with(char::is_uppercase));
    (is_class && callee != "portui_shims.Lambda" && callee.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '_')).then(|| callee.to_string())
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    fn layers(body: &str) -> Vec<crate::rules::Finding> {
        crate::rules::findings_of("layers", &format!("import torch\nimport torch.nn as nn\n\n{body}"))
    }

    #[test]
    fn layer_classes_as_values_name_the_class_the_table_builds() {
        let findings = layers("def f(m):\n    return isinstance(m, (nn.BatchNorm2d, nn.AdaptiveAvgPool2d, nn.Linear)), isinstance(m, nn.Softmax)\n");
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert!(messages.contains(&"nn.BatchNorm2d (the class) → nn.BatchNorm"), "{messages:?}");
        assert!(messages.contains(&"nn.AdaptiveAvgPool2d (the class) → portui_shims.AdaptiveAvgPool"), "{messages:?}");
        assert!(messages.contains(&"nn.Linear (the class) → nn.Linear"), "{messages:?}");
        assert!(messages.contains(&"nn.Softmax (the class) → nn.Softmax"), "{messages:?}");
    }

    /// A class built elsewhere may be given torch's factory keywords (timm's
    /// `norm_layer(dim, **dd)`); a type check or a comparison with an object's type wants the
    /// class a plain constructor call builds; a comparison of values sees the same wrapped class.
    #[test]
    fn layer_classes_built_elsewhere_take_factory_keywords() {
        let wrapped = |q: &str| format!("{q} (the class) → portui_shims.with_factory_keywords({q}): built elsewhere, maybe with torch's factory keywords (device=, dtype=), which MLX's layers do not take");
        let source = "def f(m, norm_layer=nn.LayerNorm):\n    linear = nn.Linear\n    return type(m) is nn.Embedding, norm_layer is nn.LayerNorm, isinstance(m, nn.Linear)\n";
        let messages: Vec<String> = layers(source).into_iter().map(|f| f.message).collect();
        assert_eq!(messages.iter().filter(|m| **m == wrapped("nn.LayerNorm")).count(), 2, "{messages:?}");
        assert!(messages.contains(&wrapped("nn.Linear")), "{messages:?}");
        assert!(messages.contains(&"nn.Embedding (the class) → nn.Embedding".to_string()), "{messages:?}");
        assert!(messages.contains(&"nn.Linear (the class) → nn.Linear".to_string()), "{messages:?}");
    }

    #[test]
    fn an_empty_module_is_mlxs() {
        let found = layers("holder = torch.nn.Module()\nbad = nn.Module(1)\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].message, "nn.Module() → mlx.nn.Module(): an empty module");
    }

    #[test]
    fn flatten_moves_channels_back_in_channels_last_modules_only() {
        let cnn = layers("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 4, 3)\n        self.flat = nn.Flatten()\n");
        let flatten = cnn.iter().find(|f| f.message.starts_with("nn.Flatten")).expect("flatten");
        assert_eq!(flatten.applicability, Applicability::Review);
        assert_eq!(flatten.edits.len(), 2, "callee and channels_last=True");
        let plain = layers("head = nn.Sequential(nn.Flatten(1), nn.Linear(4, 2))\n");
        let flatten = plain.iter().find(|f| f.message.starts_with("nn.Flatten")).expect("flatten");
        assert_eq!(flatten.applicability, Applicability::Safe);
        assert_eq!(flatten.edits.len(), 1);
        assert!(plain.iter().any(|f| f.message.starts_with("nn.Sequential")));
    }
}
