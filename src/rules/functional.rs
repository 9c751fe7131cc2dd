//! functional: the `torch.nn.functional` calls whose MLX form depends on more than the call:
//! pooling of a channels-last feature map, and `F.pad`'s flat tuple. Every other `F.*`
//! function is an entry of the API table (`table/functional.api`), which writes them with
//! torch's channels-first layout kept.
//!
//! Why: in a channels-last module (see the channels-last rule) a feature map is NHWC once
//! ported, and MLX pools through layers on that layout: `F.max_pool2d(x, 2)` becomes the
//! layer called on `x`, while the table's form (which moves the channels around the layer)
//! applies to channels-first arrays elsewhere. A pool over the whole map is the
//! channels-last rule's (`mx.mean(x, axis=(1, 2), keepdims=True)`); an adaptive pool to
//! another size is a `portui_shims` layer with torch's bins. `F.pad`'s tuple runs from the
//! last axis backwards, and which axes they are depends on the layout.
//!
//! Example: in a module with convolutions, `F.max_pool2d(out, 2)` →
//! `nn.MaxPool2d(2)(out)`; `F.adaptive_avg_pool2d(out, (2, 2))` →
//! `portui_shims.AdaptiveAvgPool((2, 2), 2)(out)`; `F.pad(x, (1, 2))` →
//! `mx.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 2)])`.
//!
//! Fix safety: review (the feature maps are inferred, see the channels-last rule); manual
//! for pooling arguments MLX's layers lack (ceil_mode, dilation, return_indices, ...).

use super::calls::plain_positional;
use super::context::{argument, hole, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::{Edit, Piece};
use crate::parse::ast::{ArgOrKeyword, Expr, NodeKind};
use crate::parse::span;

pub struct Functional;
pub static RULE: Functional = Functional;

/// Pooling functions → (MLX channels-last layer, spatial axes, whether adaptive).
const POOLS: &[(&str, &str, usize, bool)] = &[
    ("max_pool1d", "nn.MaxPool1d", 1, false),
    ("max_pool2d", "nn.MaxPool2d", 2, false),
    ("max_pool3d", "nn.MaxPool3d", 3, false),
    ("avg_pool1d", "nn.AvgPool1d", 1, false),
    ("avg_pool2d", "nn.AvgPool2d", 2, false),
    ("avg_pool3d", "nn.AvgPool3d", 3, false),
    ("adaptive_avg_pool1d", "portui_shims.AdaptiveAvgPool", 1, true),
    ("adaptive_avg_pool2d", "portui_shims.AdaptiveAvgPool", 2, true),
    ("adaptive_avg_pool3d", "portui_shims.AdaptiveAvgPool", 3, true),
    ("adaptive_max_pool1d", "portui_shims.AdaptiveMaxPool", 1, true),
    ("adaptive_max_pool2d", "portui_shims.AdaptiveMaxPool", 2, true),
    ("adaptive_max_pool3d", "portui_shims.AdaptiveMaxPool", 3, true),
];

impl Rule for Functional {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "functional", step: "2", checklist: "torch-semantics", summary: "F.* pooling on channels-last feature maps, F.pad's reversed pairs" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall])
    }
    fn torch_callees_only(&self) -> bool {
        true
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else { return };
        let Some(q) = cx.torch_name(&call.func) else { return };
        let Some(name) = q.strip_prefix("torch.nn.functional.") else { return };
        if !plain_positional(call) {
            return;
        }
        if name == "pad" {
            super::channels_last::pad(cx, call, out);
            return;
        }
        let Some(&(_, layer, spatial, adaptive)) = POOLS.iter().find(|(n, ..)| *n == name) else { return };
        let Some(x) = argument(call, 0, "input") else { return };
        // Channels-first input is the table's (functional.api); a global pool the channels-last rule's.
        if !super::channels_last::channel_sensitive(cx, x) || super::channels_last::is_global_pool(cx, call) {
            return;
        }
        let range = span(call);
        let layer_arguments: &[&str] = if adaptive { &["output_size"] } else { &["kernel_size", "stride", "padding"] };
        let unported = call.arguments.args.len() > 1 + layer_arguments.len()
            || call.arguments.keywords.iter().any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() != "input" && !layer_arguments.contains(&a.as_str())));
        if unported {
            out.manual(range, format!("F.{name} on a channels-last feature map with arguments MLX's pooling layers lack (ceil_mode, dilation, return_indices, count_include_pad, divisor_override): pool by hand"));
            return;
        }
        let pieces = if adaptive {
            let Some(size) = argument(call, 1, "output_size") else { return };
            vec![text(format!("{layer}(")), hole(size), text(format!(", {spatial})(")), hole(x), text(")")]
        } else {
            // kernel_size, stride and padding keep their names and order in MLX's layers.
            let rest: Vec<_> = call
                .arguments
                .iter_source_order()
                .filter_map(|a| match a {
                    ArgOrKeyword::Arg(e) => (span(e) != span(x)).then(|| span(e)),
                    ArgOrKeyword::Keyword(k) => (span(&k.value) != span(x)).then(|| span(k)),
                })
                .collect();
            let (Some(first), Some(last)) = (rest.first(), rest.last()) else { return };
            vec![text(format!("{layer}(")), Piece::Source(first.start..last.end), text(")("), hole(x), text(")")]
        };
        out.review(range.clone(), format!("F.{name} of a channels-last feature map → {layer}(...)(x): MLX pools through channels-last layers"), vec![Edit::template(range, pieces)]);
    }
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    fn functional(forward: &str) -> Vec<crate::rules::Finding> {
        let source = format!("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 4, 3)\n\n    def forward(self, x):\n        out = self.conv(x)\n{forward}\n\ndef f(x):\n    return F.max_pool2d(x, 2)\n");
        crate::rules::findings_of("functional", &source)
    }

    #[test]
    fn only_channels_last_feature_maps_are_pooled_here() {
        let findings = functional("        return F.max_pool2d(out, 2) + F.adaptive_max_pool2d(out, output_size=3)");
        assert_eq!(findings.len(), 2, "not the pool of f's channels-first x: {findings:?}");
        assert!(findings.iter().all(|f| f.applicability == Applicability::Review));
        assert!(findings[1].message.contains("portui_shims.AdaptiveMaxPool"));
    }

    #[test]
    fn arguments_mlx_layers_lack_and_global_pools_are_not_rewritten() {
        let findings = functional("        return F.max_pool2d(out, 2, ceil_mode=True) + F.adaptive_avg_pool2d(out, 1)");
        assert_eq!(findings.len(), 1, "the global pool is the channels-last rule's: {findings:?}");
        assert_eq!(findings[0].applicability, Applicability::Manual);
    }
}
