//! layout-boundary: a channels-last block built where feature maps keep torch's layout →
//! `portui_shims.channels_first_layer(Block)`.
//!
//! Why: a module class owning convolutions and taking one array is ported channels-last: it
//! takes (N, H, W, C) maps. So is one taking the map first beside arrays that only pass
//! through its other layers, returning a tuple led by the map (PiT's
//! `Pooling.forward(x, cls_token)`): only the map moves. (A class whose inputs meet, as
//! attention's `forward(q, k, v)` with talking-heads convolutions, handles its own layouts
//! inside and is left.) A class that keeps torch's channels-first layout (its layers built by helpers or in
//! containers, or taken from another file that keeps it) and builds such a block hands it
//! (N, C, H, W) maps, and the block's first convolution raises on the channel count (or, on
//! a square map with as many channels as pixels, computes something else). The classes of one
//! file agree on a layout when one builds another by name; a block named as a value (a
//! default argument, a `partial`) or imported from another file of the project is outside that
//! agreement: torchvision's MobileNetV3 builds `partial(SElayer, ...)` from `ops/misc.py`,
//! timm's EfficientNet `se_layer or SqueezeExcite`.
//!
//! Example: in `InvertedResidual` (channels-first), `partial(SElayer, scale_activation=...)` →
//! `partial(portui_shims.channels_first_layer(SElayer), scale_activation=...)`: the same-named
//! subclass moves the channels last on entry and back on exit, and keeps the block's
//! parameter names.
//!
//! Fix safety: review: which maps keep torch's layout is inferred. Type checks, annotations,
//! class bases and attributes of the class (`Block.expansion`) name the class itself.

use super::layers::{in_type_check, in_type_comparison, is_class_base};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind};
use crate::parse::span;

pub struct LayoutBoundary;
pub static RULE: LayoutBoundary = LayoutBoundary;

impl Rule for LayoutBoundary {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "layout-boundary", step: "1", checklist: "channels-last", summary: "channels-last blocks built where maps keep torch's layout → channels_first_layer(Block)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprName])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Name(name) = expr else { return };
        if name.ctx != ast::ExprContext::Load || !names_a_class(name.id.as_str()) || !handles_channels_first_maps(cx) {
            return;
        }
        let names_its_attribute = matches!(cx.parent_expr(), Some(Expr::Attribute(parent)) if std::ptr::eq(parent.value.as_ref(), expr));
        if names_its_attribute || cx.in_annotation || in_type_check(cx) || in_type_comparison(cx) || is_class_base(cx, expr) {
            return;
        }
        if !cx.channels_last_block(name.id.as_str()) {
            return;
        }
        let wrapped = format!("portui_shims.channels_first_layer({})", name.id);
        out.review(span(expr), format!("{} is ported channels-last, but the maps here keep torch's channels-first layout → {wrapped}, which moves the channels last on entry and back on exit", name.id), vec![Edit::replace(span(expr), wrapped)]);
    }
}

/// Where feature maps keep torch's channels-first layout (`Context::in_channels_first_scope`),
/// in a file that works on feature maps: a file without any (a language model's) hands none
/// to blocks, and asking about each class it names would read many other files. A file whose
/// blocks build their layers from another file's channels-first classes (timm's ReXNet) has
/// maps too: asked of each class's `__init__` once, where a block is built.
fn handles_channels_first_maps(cx: &Context) -> bool {
    cx.in_channels_first_scope()
        && (cx.semantic.has_feature_maps()
            || (cx.function_name() == Some("__init__") && cx.builds_imported_channels_first()))
}

/// Classes (and private aliases of them, timm's `_SE_LAYER`) are capitalised: the walk offers
/// this rule only such names, since most names are variables (see `worth_checking`).
pub(super) fn names_a_class(name: &str) -> bool {
    name.trim_start_matches('_').starts_with(|c: char| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use crate::semantic::ImportedLayoutQuestion;

    const FILE: &str = "import torch.nn as nn\nfrom functools import partial\nfrom misc import SqueezeExcitation as SElayer\n\nclass Block(nn.Module):\n    def __init__(self, c, se_layer=partial(SElayer, k=1)):\n        super().__init__()\n        layers = [nn.Conv2d(c, c, 3, padding=1)]\n        layers.append(se_layer(c))\n        self.body = nn.Sequential(*layers)\n        self.ratio = SElayer.ratio\n    def forward(self, x: SElayer):\n        assert isinstance(self.body[1], SElayer)\n        return self.body(x)\n";

    /// `SElayer` is a channels-last block in the file it comes from (the other file's answer).
    fn findings() -> Vec<crate::rules::Finding> {
        let module = crate::parse::parse_module(FILE).expect("parses");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let imported = |import: &crate::semantic::ImportRef, question| {
            import.name == "SqueezeExcitation" && question == ImportedLayoutQuestion::ChannelsLastBlock
        };
        let findings = crate::rules::check_until(FILE, &module, deadline, &imported).expect("in time");
        findings.into_iter().filter(|f| f.rule == "layout-boundary").collect()
    }

    #[test]
    fn an_imported_channels_last_block_built_where_maps_are_channels_first_is_wrapped() {
        let found = findings();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(&FILE[found[0].range.clone()], "SElayer");
        assert!(FILE[..found[0].range.start].ends_with("partial("));
        assert!(found[0].message.contains("portui_shims.channels_first_layer(SElayer)"));
    }
}
