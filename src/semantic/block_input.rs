//! Module classes a feature map flows through beside other arrays: PiT's
//! `Pooling.forward(x, cls_token)` convolves the map and projects the class token.

use crate::parse::ast::{self, Expr, Stmt};
use crate::parse::visitor::{self, Visitor};
use rustc_hash::FxHashMap as HashMap;

/// Whether `forward` takes a feature map first and other arrays that only pass beside it:
/// the map goes straight into one of the class's channel layers (`self.conv(x)`), each other
/// required input only into its other layers (`self.fc(cls_token)`) or out, and every return
/// is a tuple led by the map. Channels-last inside, such a block takes channels-first maps
/// when the first input's channels move last on entry and the first output's back on exit.
/// A class whose other inputs meet the map (attention's `forward(q, k, v)`, a decoder's
/// `forward(x, skip)`) handles layouts no such move can.
pub(super) fn takes_map_first(
    function: &ast::StmtFunctionDef,
    layers: &HashMap<String, String>,
    is_channel_layer: fn(&str) -> bool,
) -> bool {
    let parameters = &function.parameters;
    let required_keyword = parameters.kwonlyargs.iter().any(|p| p.default.is_none());
    let required: Vec<&str> = parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .skip(1)
        .filter(|p| p.default.is_none())
        .map(|p| p.parameter.name.as_str())
        .collect();
    let [map, passengers @ ..] = required.as_slice() else {
        return false;
    };
    if passengers.is_empty() || required_keyword || parameters.vararg.is_some() {
        return false;
    }
    let mut uses = Uses {
        map,
        passengers,
        layers,
        is_channel_layer,
        map_into_channel_layer: false,
        returns: 0,
        broken: false,
    };
    uses.visit_body(&function.body);
    uses.map_into_channel_layer && uses.returns > 0 && !uses.broken
}

struct Uses<'f> {
    map: &'f str,
    passengers: &'f [&'f str],
    layers: &'f HashMap<String, String>,
    is_channel_layer: fn(&str) -> bool,
    map_into_channel_layer: bool,
    returns: usize,
    /// A passenger used otherwise, or a return not led by the map.
    broken: bool,
}

impl Uses<'_> {
    fn is_passenger(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if self.passengers.contains(&name.id.as_str()))
    }

    /// `self.<attr>(name)`: the layer called and the one argument.
    fn layer_call<'e>(&self, call: &'e ast::ExprCall) -> Option<(&str, &'e Expr)> {
        let Expr::Attribute(callee) = call.func.as_ref() else {
            return None;
        };
        let on_self = matches!(callee.value.as_ref(), Expr::Name(n) if n.id.as_str() == "self");
        let [argument] = &call.arguments.args[..] else {
            return None;
        };
        let layer = self.layers.get(callee.attr.as_str())?;
        (on_self && call.arguments.keywords.is_empty()).then_some((layer.as_str(), argument))
    }
}

impl<'a> Visitor<'a> for Uses<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let Stmt::Return(ret) = stmt else {
            return visitor::walk_stmt(self, stmt);
        };
        self.returns += 1;
        let Some(Expr::Tuple(tuple)) = ret.value.as_deref() else {
            self.broken = true;
            return;
        };
        if !matches!(tuple.elts.first(), Some(Expr::Name(n)) if n.id.as_str() == self.map) {
            self.broken = true;
        }
        for value in tuple.elts.iter().skip(1) {
            if !self.is_passenger(value) {
                self.visit_expr(value);
            }
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Call(call) if let Some((layer, argument)) = self.layer_call(call) => {
                let channel_layer = (self.is_channel_layer)(layer);
                if matches!(argument, Expr::Name(n) if n.id.as_str() == self.map) && channel_layer {
                    self.map_into_channel_layer = true;
                } else if channel_layer || !self.is_passenger(argument) {
                    // A passenger goes into a channel layer only by breaking the pattern.
                    visitor::walk_expr(self, expr);
                }
            }
            Expr::Name(name) if name.ctx == ast::ExprContext::Load && self.is_passenger(expr) => {
                self.broken = true;
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_module;
    use crate::semantic::Semantic;

    fn takes_map_first(forward: &str) -> bool {
        let source = format!(
            "import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(4, 4, 3)\n        self.fc = nn.Linear(4, 4)\n\n{forward}"
        );
        let module = parse_module(&source).expect("parses");
        Semantic::build(&module).classes["Block"].takes_map_first
    }

    #[test]
    fn a_map_with_a_token_beside_it_is_taken_first() {
        let pooling = "    def forward(self, x, cls_token):\n        x = self.conv(x)\n        cls_token = self.fc(cls_token)\n        return x, cls_token\n";
        assert!(takes_map_first(pooling));
    }

    #[test]
    fn inputs_that_meet_the_map_are_not_passengers() {
        let decoder = "    def forward(self, x, skip):\n        x = self.conv(x)\n        return x + skip, skip\n";
        let attention = "    def forward(self, q, k, v):\n        a = self.conv(q @ k.transpose(-1, -2))\n        return a @ v, k, v\n";
        let convolved = "    def forward(self, x, y):\n        return self.conv(x), self.conv(y)\n";
        assert!(!takes_map_first(decoder));
        assert!(!takes_map_first(attention));
        assert!(!takes_map_first(convolved));
    }

    #[test]
    fn the_map_must_lead_every_return() {
        let swapped = "    def forward(self, x, t):\n        x = self.conv(x)\n        return self.fc(t), x\n";
        let alone = "    def forward(self, x, t):\n        return self.conv(x)\n";
        assert!(!takes_map_first(swapped));
        assert!(!takes_map_first(alone));
    }
}
