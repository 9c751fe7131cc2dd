//! layers: `nn.<Layer>(...)` constructors and the `nn.Module` base → MLX layers with their
//! argument differences translated.
//!
//! Why: most layers exist in `mlx.nn`, but names and arguments differ: `BatchNorm1d/2d/3d`
//! are one `BatchNorm`; `LayerNorm(elementwise_affine=)` is `affine=`; `GroupNorm` needs
//! `pytorch_compatible=True` to normalise like torch; torch's `RMSNorm` eps defaults to the
//! dtype's epsilon (MLX: 1e-5); `GELU(approximate="tanh")` is `GELU(approx="precise")`;
//! `nn.Sequential` keeps its children under `layers` (parameter names change: recorded in
//! the weight map); convolutions, pooling and 2-D norms are channels-last (see the
//! channels-last rule). Layers whose MLX version behaves differently
//! (`MultiheadAttention`, `TransformerEncoder`, `Embedding(padding_idx=)`, string padding)
//! are manual.
//!
//! Example: `nn.BatchNorm2d(64)` → `nn.BatchNorm(64)`; `nn.LayerNorm(d, elementwise_affine=False)`
//! → `nn.LayerNorm(d, affine=False)`; `nn.GroupNorm(8, 64)` →
//! `nn.GroupNorm(8, 64, pytorch_compatible=True)`.
//!
//! Fix safety: safe for renames; review where a default is made explicit or the layout
//! changes (the finding says what the caller must now pass).

use super::context::keyword;
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::weights::WeightNote;

pub struct Layers;
pub static RULE: Layers = Layers;

/// torch layer → MLX layer, for layers whose arguments line up.
const SAME: &[(&str, &str)] = &[
    ("Linear", "Linear"), ("Conv1d", "Conv1d"), ("Conv2d", "Conv2d"), ("Conv3d", "Conv3d"),
    ("ConvTranspose1d", "ConvTranspose1d"), ("ConvTranspose2d", "ConvTranspose2d"),
    ("ConvTranspose3d", "ConvTranspose3d"), ("LayerNorm", "LayerNorm"), ("RMSNorm", "RMSNorm"),
    ("BatchNorm1d", "BatchNorm"), ("BatchNorm2d", "BatchNorm"), ("BatchNorm3d", "BatchNorm"),
    ("GroupNorm", "GroupNorm"), ("InstanceNorm1d", "InstanceNorm"), ("InstanceNorm2d", "InstanceNorm"),
    ("InstanceNorm3d", "InstanceNorm"), ("Embedding", "Embedding"), ("Dropout", "Dropout"),
    ("Dropout2d", "Dropout2d"), ("Dropout3d", "Dropout3d"), ("Sequential", "Sequential"),
    ("GELU", "GELU"), ("SiLU", "SiLU"), ("ReLU", "ReLU"), ("ReLU6", "ReLU6"), ("Tanh", "Tanh"),
    ("Sigmoid", "Sigmoid"), ("LeakyReLU", "LeakyReLU"), ("ELU", "ELU"), ("SELU", "SELU"),
    ("CELU", "CELU"), ("Mish", "Mish"), ("Hardswish", "Hardswish"), ("Softplus", "Softplus"),
    ("Softsign", "Softsign"), ("LogSigmoid", "LogSigmoid"), ("GLU", "GLU"), ("PReLU", "PReLU"),
    ("MaxPool1d", "MaxPool1d"), ("MaxPool2d", "MaxPool2d"), ("MaxPool3d", "MaxPool3d"),
    ("AvgPool1d", "AvgPool1d"), ("AvgPool2d", "AvgPool2d"), ("AvgPool3d", "AvgPool3d"),
    ("Upsample", "Upsample"), ("Identity", "Identity"), ("Softmax", "Softmax"),
    ("LogSoftmax", "LogSoftmax"), ("Hardtanh", "HardTanh"), ("Softmin", "Softmin"),
];

const KEYWORDS: &[(&str, &str)] = &[
    ("elementwise_affine", "affine"), ("normalized_shape", "dims"), ("num_channels", "dims"),
    ("embedding_dim", "dims"), ("approximate", "approx"),
    ("in_features", "input_dims"), ("out_features", "output_dims"),
];

/// MLX activation layers that take no arguments; torch's argument values they fix.
const ARGUMENTLESS: &[(&str, &str)] = &[("Softmax", "-1"), ("LogSoftmax", "-1"), ("Softmin", "-1"), ("Softplus", ""), ("HardTanh", ""), ("Hardtanh", "")];

const MANUAL: &[(&str, &str)] = &[
    ("MultiheadAttention", "nn.MultiHeadAttention takes (dims, num_heads), is batch-first and returns only the output: port its call sites by hand"),
    ("TransformerEncoder", "mlx.nn.TransformerEncoder(num_layers, dims, num_heads, ...) is built differently: port by hand"),
    ("TransformerEncoderLayer", "mlx.nn.TransformerEncoderLayer(dims, num_heads, ...): port by hand (norm_first, batch_first differ)"),
    ("TransformerDecoder", "port by hand with mlx.nn.TransformerDecoder"),
    ("Transformer", "port by hand with mlx.nn.Transformer"),
    ("Flatten", "flatten order depends on the layout: use x.reshape(x.shape[0], -1) (channels-last: see the channels-last rule)"),
    ("AdaptiveAvgPool2d", "use x.mean(axis=(1, 2), keepdims=True) for output size 1 (channels-last); other sizes by hand"),
    ("AdaptiveAvgPool1d", "use x.mean(axis=1, keepdims=True) for output size 1 (channels-last); other sizes by hand"),
    ("ZeroPad2d", "use mx.pad with one (before, after) pair per axis in channels-last order"),
    ("ConstantPad2d", "use mx.pad with one (before, after) pair per axis in channels-last order"),
    ("ReflectionPad2d", "MLX has no reflection padding: build it from slices and mx.concatenate"),
    ("LSTM", "mlx.nn.LSTM differs (batch-first, single layer, different gate weight names): port by hand"),
    ("GRU", "mlx.nn.GRU differs (batch-first, single layer): port by hand"),
    ("PixelShuffle", "port by hand with reshape/transpose in channels-last order"),
];

impl Rule for Layers {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "layers", step: "1", checklist: "torch-semantics", summary: "nn layers → mlx.nn layers with argument differences" }
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
        let Some(q) = cx.torch_name(&call.func) else { return };
        let Some(name) = q.strip_prefix("torch.nn.").or_else(|| q.strip_prefix("torch.nn.modules.")) else { return };
        let range = span(call);
        if let Some((_, why)) = MANUAL.iter().find(|(n, _)| *n == name) {
            out.manual(range, format!("nn.{name}: {why}"));
            return;
        }
        let Some((_, to)) = SAME.iter().find(|(n, _)| *n == name) else { return };
        if let Some((_, default)) = ARGUMENTLESS.iter().find(|(n, _)| *n == name || *n == *to) {
            let arguments: Vec<&str> = call.arguments.iter_source_order().map(|a| match a {
                ast::ArgOrKeyword::Arg(e) => cx.src(e),
                ast::ArgOrKeyword::Keyword(k) => cx.src(&k.value),
            }).collect();
            if arguments.iter().any(|a| *a != *default) {
                out.manual(range, format!("nn.{name} with arguments: MLX's nn.{to} takes none (it works on the last axis with the defaults); use the functional form"));
                return;
            }
            out.safe(range.clone(), format!("nn.{name} → nn.{to}"), vec![Edit::replace(range, format!("nn.{to}()"))]);
            return;
        }
        if let Some(reason) = unsupported_argument(call, name) {
            out.manual(range, format!("nn.{name}: {reason}"));
            return;
        }
        let mut edits = vec![Edit::replace(span(call.func.as_ref()), format!("nn.{to}"))];
        edits.extend(super::calls::keyword_edits(cx.text, call, KEYWORDS));
        for drop in ["inplace", "dtype", "device"] {
            if let Some(k) = keyword(call, drop) {
                edits.push(super::context::remove_keyword(cx.text, call, k));
            }
        }
        let mut notes = Vec::new();
        let mut message = format!("nn.{name} → nn.{to}");
        let mut review = false;
        match name {
            "GroupNorm" => {
                edits.push(super::calls::append_argument(call, "pytorch_compatible=True"));
                message.push_str(" with pytorch_compatible=True (torch's normalisation)");
            }
            "RMSNorm" if keyword(call, "eps").is_none() && call.arguments.args.len() < 2 => {
                edits.push(super::calls::append_argument(call, "eps=1.1920928955078125e-07"));
                message.push_str(": torch's default eps is float32's epsilon (MLX: 1e-5), made explicit");
                review = true;
            }
            "GELU" => {
                if let Some(k) = keyword(call, "approximate")
                    && let Expr::StringLiteral(s) = &k.value
                {
                    let value = if s.value.to_str() == "tanh" { "\"precise\"" } else { "\"none\"" };
                    edits.push(Edit::replace(span(&k.value), value));
                }
            }
            "Sequential" => {
                if let Some(class) = cx.class {
                    let info = cx.class_info();
                    let attrs: Vec<&String> = info.map(|i| i.layers.iter().filter(|(_, t)| t.as_str() == "torch.nn.Sequential").map(|(a, _)| a).collect()).unwrap_or_default();
                    for attr in attrs {
                        notes.push(WeightNote::Rename { class: class.name.to_string(), torch: format!("{attr}."), mlx: format!("{attr}.layers.") });
                    }
                }
                message.push_str(": MLX stores the children under `layers` (parameter names gain `.layers`, recorded in portui-weights.json)");
                review = true;
            }
            "Conv1d" | "Conv2d" | "Conv3d" | "ConvTranspose1d" | "ConvTranspose2d" | "ConvTranspose3d" | "BatchNorm2d" | "BatchNorm3d" | "MaxPool2d" | "AvgPool2d" | "InstanceNorm2d" => {
                message.push_str(": MLX is channels-last (weights and activations); inputs must be NHWC/NLC");
                review = true;
            }
            _ => {}
        }
        let finding = if review { out.review(range, message, edits) } else { out.safe(range, message, edits) };
        finding.weights = notes;
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
        let Some(name) = q.strip_prefix("torch.nn.") else { return };
        let Some((_, to)) = SAME.iter().find(|(n, _)| *n == name) else { return };
        out.safe(span(expr), format!("nn.{name} (the class) → nn.{to}"), vec![Edit::replace(span(expr), format!("nn.{to}"))]);
    }
}

/// Arguments MLX's layer cannot express.
fn unsupported_argument(call: &ast::ExprCall, name: &str) -> Option<String> {
    if let Some(k) = keyword(call, "padding")
        && matches!(k.value, Expr::StringLiteral(_))
    {
        return Some("string padding (\"same\"/\"valid\") has no MLX form: compute the integer padding".into());
    }
    if keyword(call, "padding_mode").is_some_and(|k| !matches!(&k.value, Expr::StringLiteral(s) if s.value.to_str() == "zeros")) {
        return Some("padding_mode other than zeros: pad with mx.pad first".into());
    }
    if name == "Embedding" && (keyword(call, "padding_idx").is_some() || keyword(call, "max_norm").is_some() || call.arguments.args.len() > 2) {
        return Some("padding_idx/max_norm have no MLX equivalent: zero that row after loading weights and mask its gradient by hand".into());
    }
    if name.starts_with("InstanceNorm") && keyword(call, "track_running_stats").is_some() {
        return Some("MLX InstanceNorm keeps no running statistics".into());
    }
    if name == "Upsample" && keyword(call, "size").is_some() {
        return Some("Upsample(size=) has no MLX form: compute scale_factor".into());
    }
    if name.starts_with("LayerNorm") || name == "RMSNorm" {
        let shape = keyword(call, "normalized_shape").map(|k| &k.value).or_else(|| call.arguments.args.first());
        if matches!(shape, Some(Expr::Tuple(_) | Expr::List(_))) {
            return Some("normalising over several axes: MLX norms take the last axis only; reshape first".into());
        }
    }
    None
}
