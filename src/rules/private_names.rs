//! private-names: layers and arrays stored under names starting with `_` stay parameters.
//!
//! Why: MLX leaves a module's attributes whose names start with `_` out of its parameters
//! (`Module.valid_parameter_filter`): a layer stored as `self._bn0` is then not trained, not
//! saved and not loaded, and a strict load of torch's checkpoint fails on it. torch registers
//! it whatever its name (efficientnet-pytorch names every layer so). The decorator lists the
//! names torch registers; portui_shims makes MLX's filter keep those names for instances of
//! the marked class, and only those.
//!
//! Example: `class MBConvBlock(nn.Module):` with `self._bn0 = nn.BatchNorm2d(...)` →
//! `@portui_shims.torch_private_names("_bn0")` above the class.
//!
//! Fix safety: safe.

use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};
use crate::semantic::self_attribute;

pub struct PrivateNames;
pub static RULE: PrivateNames = PrivateNames;

impl Rule for PrivateNames {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "private-names", step: "1", checklist: "torch-semantics", summary: "self._layer → kept among the parameters" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtClassDef])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        let Stmt::ClassDef(class) = stmt else { return };
        if !cx.semantic.classes.get(class.name.id.as_str()).is_some_and(|c| c.is_module) {
            return;
        }
        let mut found = Registered::default();
        for stmt in &class.body {
            if let Stmt::FunctionDef(method) = stmt {
                found.visit_body(&method.body);
            }
        }
        if found.names.is_empty() {
            return;
        }
        let listed: Vec<String> = found.names.iter().map(|n| format!("{n:?}")).collect();
        // Above the class's decorators, if it has any: at the start of its first line.
        let start = class.decorator_list.first().map_or(span(stmt).start, |d| span(d).start.min(span(stmt).start));
        let line_start = cx.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent = &cx.text[line_start..start];
        let edit = Edit::insert(line_start, format!("{indent}@portui_shims.torch_private_names({})\n", listed.join(", ")));
        out.safe(span(&class.name), format!("{} stored under a name starting with `_`: MLX leaves such attributes out of a module's parameters, torch registers them; the class is marked so they stay parameters", found.names.join(", ")), vec![edit]);
    }
}

/// The `_names` a class's methods give torch modules, parameters or buffers: `self._x =
/// SomeClass(...)` (a layer, a container, `nn.Parameter`; plain objects are no parameters in
/// MLX whatever their name), and `register_buffer("_x", ...)`, `register_parameter`,
/// `add_module`.
#[derive(Default)]
struct Registered {
    names: Vec<String>,
}

impl Registered {
    fn add(&mut self, name: &str) {
        // `__x` is mangled to `_Class__x`; not a name torch code registers in practice.
        if name.starts_with('_') && !name.starts_with("__") && !self.names.iter().any(|n| n == name) {
            self.names.push(name.to_string());
        }
    }
}

impl<'a> Visitor<'a> for Registered {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign) if builds_object(&assign.value) => {
                for target in &assign.targets {
                    if let Some(name) = self_attribute(target) {
                        self.add(name);
                    }
                }
            }
            Stmt::AnnAssign(assign) if assign.value.as_deref().is_some_and(builds_object) => {
                if let Some(name) = self_attribute(&assign.target) {
                    self.add(name);
                }
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {} // their `self` is another object
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr
            && let Expr::Attribute(method) = call.func.as_ref()
            && matches!(method.attr.as_str(), "register_buffer" | "register_parameter" | "add_module" | "register_module")
            && matches!(method.value.as_ref(), Expr::Name(name) if name.id.as_str() == "self")
            && let Some(Expr::StringLiteral(name)) = call.arguments.args.first()
        {
            self.add(name.value.to_str());
        }
        visitor::walk_expr(self, expr);
    }
}

/// A call building an object of a class (`nn.BatchNorm2d(...)`, `Conv2d(...)`, `nn.ModuleList
/// ([])`): its callee's last name is capitalised.
fn builds_object(value: &Expr) -> bool {
    let Expr::Call(call) = value else { return false };
    let last = match call.func.as_ref() {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        _ => return false,
    };
    last.starts_with(char::is_uppercase)
}

#[cfg(test)]
mod tests {
    use crate::rules::findings_of;

    #[test]
    fn private_layers_and_buffers_are_listed_and_public_ones_are_not() {
        let source = "import torch\nimport torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self._bn0 = nn.BatchNorm2d(4)\n        self.fc = nn.Linear(4, 4)\n        self._scale = 2.0\n        self.register_buffer(\"_mask\", torch.ones(4))\n\n    def forward(self, x):\n        return self.fc(self._bn0(x))\n";
        let found = findings_of("private-names", source);
        assert_eq!(found.len(), 1);
        let text = crate::fix::apply_edits(source, &found[0].edits.iter().collect::<Vec<_>>());
        assert!(text.contains("@portui_shims.torch_private_names(\"_bn0\", \"_mask\")\nclass Block(nn.Module):"), "{text}");
    }
}
