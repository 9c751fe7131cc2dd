//! The audit of one parsed file: one walk in source order, with the scopes open at each point
//! (`frames`), naming what a port must not have: torch imports and the names they bind, names
//! rooted in mlx that the pinned mlx lacks, and torch.Tensor methods called on what may be an
//! mx.array.

use super::Kind;
use super::frames::Frames;
use super::names::{MethodGap, names};
use super::values::{Infer, Value};
use crate::parse::ast::{self, Expr, ExprContext, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};
use std::ops::Range;

/// One leftover, at a byte range of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub kind: Kind,
    pub range: Range<usize>,
    pub name: String,
    pub message: String,
}

/// Every leftover of a parsed file, in source order.
pub fn leftovers(text: &str, module: &ast::ModModule) -> Vec<Leftover> {
    let mut walk = Walk {
        text,
        frames: Frames::default(),
        found: Vec::new(),
        callee: None,
    };
    walk.frames.push_module(module);
    walk.visit_body(&module.body);
    walk.found.sort_by_key(|leftover| leftover.range.start);
    walk.found
}

/// `torch` and its submodules, and the PyTorch packages that import it (`torchvision`,
/// `torchaudio`, `torch_geometric`...): a port that imports any of them still needs torch.
fn is_torch(qualified: &str) -> bool {
    qualified.starts_with("torch")
}

struct Walk<'a> {
    text: &'a str,
    frames: Frames<'a>,
    found: Vec<Leftover>,
    /// The callee of the call being walked: an attribute there is a method, which
    /// `check_method` judges.
    callee: Option<*const Expr>,
}

impl<'a> Walk<'a> {
    fn report(&mut self, kind: Kind, range: Range<usize>, name: String, message: String) {
        self.found.push(Leftover {
            kind,
            range,
            name,
            message,
        });
    }

    /// An imported module or name: torch's, or an MLX name the pinned mlx lacks.
    fn check_import(&mut self, qualified: String, range: Range<usize>) {
        if is_torch(&qualified) {
            let message = format!(
                "imports `{qualified}`: a port must run without torch (the bench makes torch unimportable)"
            );
            self.report(Kind::TorchImport, range, qualified, message);
        } else if let Some(missing) = names().missing(&qualified) {
            self.report_missing(range, missing);
        }
    }

    fn report_missing(&mut self, range: Range<usize>, missing: super::names::Missing) {
        let names = names();
        let last = missing.name.rsplit('.').next().unwrap_or(&missing.name);
        let mut message = format!(
            "mlx {} has no `{last}` in `{}`",
            names.mlx_version, missing.parent
        );
        if let Some(suggestion) = &missing.suggestion {
            message.push_str(&format!(" (did you mean `{suggestion}`?)"));
        }
        self.report(Kind::MlxName, range, missing.name, message);
    }

    /// A name/attribute chain rooted in an import. Returns whether it was one.
    fn check_chain(&mut self, expr: &'a Expr, context: ExprContext) -> bool {
        let Some((qualified, root_len)) = self.frames.qualified(expr, self.frames.top()) else {
            return false;
        };
        if is_torch(&qualified) {
            let written = &self.text[span(expr)];
            let message = if written == qualified {
                format!("`{qualified}` is torch: the port still needs torch here")
            } else {
                format!("`{written}` is `{qualified}`: the port still needs torch here")
            };
            self.report(Kind::TorchUse, span(expr), qualified, message);
        } else if context == ExprContext::Load
            && let Some(missing) = names().missing(&qualified)
            // A root that does not exist was reported at its import.
            && missing.name.len() > root_len
        {
            self.report_missing(span(expr), missing);
        }
        true
    }

    /// `receiver.method(...)` where `method` is a torch.Tensor method mx.array lacks.
    fn check_method(&mut self, method: &'a ast::ExprAttribute, arguments: &ast::Arguments) {
        let name = method.attr.as_str();
        let Some(gap) = names().torch_only_method(name) else {
            return;
        };
        let at = self.frames.top();
        let value = Infer::new(&self.frames).value(&method.value, at);
        let receiver = match value {
            Value::Array => "the receiver is an array",
            Value::Unknown | Value::Nothing => "the receiver may be an array",
            Value::Other(_) => return,
        };
        let message = match gap {
            MethodGap::Missing { ambiguous: true } if value != Value::Array => return,
            // `group.size()` (mx.distributed), `cache.size()`: a `size()` without arguments is
            // torch's only on what is known to be an array; `x.size(0)` is torch's anywhere.
            MethodGap::Property if value != Value::Array && arguments.is_empty() => return,
            MethodGap::Missing { .. } => {
                format!("mx.array has no method `{name}` (torch.Tensor has); {receiver}")
            }
            MethodGap::Property => format!(
                "mx.array's `{name}` is a property, not a method: calling it fails; {receiver}"
            ),
        };
        self.report(
            Kind::ArrayMethod,
            span(&method.attr),
            name.to_string(),
            message,
        );
    }

    /// `receiver.name`, not called, where `name` is a torch.Tensor attribute mx.array lacks.
    fn check_attribute(&mut self, attribute: &'a ast::ExprAttribute) {
        let name = attribute.attr.as_str();
        if !crate::api::table().tensor_only_property(name) {
            return;
        }
        let value = Infer::new(&self.frames).value(&attribute.value, self.frames.top());
        let receiver = match value {
            Value::Array => "the receiver is an array",
            // `self.device`, `args.name`: other objects have these too.
            _ if matches!(name, "name" | "layout" | "device" | "data") => return,
            Value::Unknown | Value::Nothing => "the receiver may be an array",
            Value::Other(_) => return,
        };
        let message = format!("mx.array has no attribute `{name}` (torch.Tensor has); {receiver}");
        self.report(
            Kind::ArrayAttribute,
            span(&attribute.attr),
            name.to_string(),
            message,
        );
    }

    fn visit_function(&mut self, function: &'a ast::StmtFunctionDef) {
        for decorator in &function.decorator_list {
            self.visit_decorator(decorator);
        }
        for parameter in function.parameters.iter_non_variadic_params() {
            if let Some(default) = &parameter.default {
                self.visit_expr(default);
            }
        }
        for parameter in function.parameters.iter() {
            if let Some(annotation) = &parameter.as_parameter().annotation {
                self.visit_annotation(annotation);
            }
        }
        if let Some(returns) = &function.returns {
            self.visit_annotation(returns);
        }
        self.frames.push_function(function);
        self.visit_body(&function.body);
        self.frames.pop();
    }

    /// A comprehension: its first iterable is evaluated outside it, the rest in its own scope.
    fn visit_comprehension_scope(
        &mut self,
        generators: &'a [ast::Comprehension],
        parts: &[&'a Expr],
    ) {
        let Some(first) = generators.first() else {
            return;
        };
        self.visit_expr(&first.iter);
        self.frames.push_comprehension(generators, parts);
        for (i, generator) in generators.iter().enumerate() {
            if i > 0 {
                self.visit_expr(&generator.iter);
            }
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        for part in parts {
            self.visit_expr(part);
        }
        self.frames.pop();
    }
}

impl<'a> Visitor<'a> for Walk<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => self.visit_function(function),
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.frames.push_class(class);
                self.visit_body(&class.body);
                self.frames.pop();
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    self.check_import(alias.name.to_string(), span(alias));
                }
            }
            Stmt::ImportFrom(import) if import.level == 0 => {
                let Some(module) = &import.module else { return };
                for alias in &import.names {
                    let qualified = if alias.name.as_str() == "*" {
                        module.to_string()
                    } else {
                        format!("{}.{}", module.as_str(), alias.name.as_str())
                    };
                    self.check_import(qualified, span(alias));
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => {
                if name.ctx != ExprContext::Store {
                    self.check_chain(expr, name.ctx);
                }
            }
            Expr::Attribute(attribute) => {
                if !self.check_chain(expr, attribute.ctx) {
                    if self.callee != Some(std::ptr::from_ref(expr)) {
                        self.check_attribute(attribute);
                    }
                    visitor::walk_expr(self, expr);
                }
            }
            Expr::Call(call) => {
                // `mx.zeros(...)`, `np.sort(...)`: a module's function, not an array's method.
                if let Expr::Attribute(method) = call.func.as_ref()
                    && !self.frames.is_imported(&method.value, self.frames.top())
                {
                    self.check_method(method, &call.arguments);
                }
                self.callee = Some(std::ptr::from_ref(call.func.as_ref()));
                visitor::walk_expr(self, expr);
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter_non_variadic_params() {
                        if let Some(default) = &parameter.default {
                            self.visit_expr(default);
                        }
                    }
                }
                self.frames.push_lambda(lambda);
                self.visit_expr(&lambda.body);
                self.frames.pop();
            }
            Expr::ListComp(comprehension) => {
                self.visit_comprehension_scope(&comprehension.generators, &[&comprehension.elt]);
            }
            Expr::SetComp(comprehension) => {
                self.visit_comprehension_scope(&comprehension.generators, &[&comprehension.elt]);
            }
            Expr::Generator(generator) => {
                self.visit_comprehension_scope(&generator.generators, &[&generator.elt]);
            }
            Expr::DictComp(comprehension) => {
                let mut parts: Vec<&'a Expr> = comprehension.key.as_deref().into_iter().collect();
                parts.push(&comprehension.value);
                self.visit_comprehension_scope(&comprehension.generators, &parts);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;

    fn audit(source: &str) -> Vec<(Kind, String, String)> {
        let module = parse_module(source).expect("parses");
        leftovers(source, &module)
            .into_iter()
            .map(|l| (l.kind, l.name, source[l.range].to_string()))
            .collect()
    }

    fn kinds_and_names(source: &str) -> Vec<(Kind, String)> {
        audit(source).into_iter().map(|(k, n, _)| (k, n)).collect()
    }

    #[test]
    fn torch_imports_and_the_names_they_bind() {
        let found = audit(
            "import torch\nimport torch.nn.functional as F\nfrom torchvision import transforms\nimport mlx.core as mx\n\ndef f(x: torch.Tensor):\n    return F.relu(x) + torch.zeros(3)\n",
        );
        assert_eq!(
            found,
            [
                (Kind::TorchImport, "torch".into(), "torch".into()),
                (
                    Kind::TorchImport,
                    "torch.nn.functional".into(),
                    "torch.nn.functional as F".into()
                ),
                (
                    Kind::TorchImport,
                    "torchvision.transforms".into(),
                    "transforms".into()
                ),
                (Kind::TorchUse, "torch.Tensor".into(), "torch.Tensor".into()),
                (
                    Kind::TorchUse,
                    "torch.nn.functional.relu".into(),
                    "F.relu".into()
                ),
                (Kind::TorchUse, "torch.zeros".into(), "torch.zeros".into()),
            ]
        );
    }

    #[test]
    fn mlx_names_are_checked_up_to_the_first_call() {
        let found = kinds_and_names(
            "import mlx.core as mx\nimport mlx.nn as nn\nfrom mlx.core import fast, nope\nfrom mlx import nn_typo\n\nmx.fast.rmsnorm(x)\nnn.Linear(3, 4).weight\nmx.float32.size\nfast.rope\nmx.linalg.norm(x)\nnn.Module.parameters\nmx.array.float\n",
        );
        assert_eq!(
            found,
            [
                (Kind::MlxName, "mlx.core.nope".into()),
                (Kind::MlxName, "mlx.nn_typo".into()),
                (Kind::MlxName, "mlx.core.fast.rmsnorm".into()),
                (Kind::MlxName, "mlx.core.array.float".into()),
            ]
        );
    }

    #[test]
    fn a_local_that_shadows_an_import_is_not_mlx() {
        let found = kinds_and_names(
            "import mlx.optimizers as optim\nimport mlx.nn as nn\n\ndef step(optim):\n    optim.step()\n\ndef g():\n    nn = object()\n    nn.whatever\n",
        );
        assert_eq!(found, []);
    }

    #[test]
    fn missing_roots_are_reported_once_at_their_import() {
        let found = kinds_and_names("import mlx.nn_typo as nn\nnn.Linear\nnn.Nope\n");
        assert_eq!(found, [(Kind::MlxName, "mlx.nn_typo".into())]);
    }

    #[test]
    fn torch_methods_on_what_may_be_an_array() {
        let found = audit(
            "import mlx.core as mx\nimport numpy as np\n\ndef f(x, n: int, s):\n    y = mx.zeros(3)\n    a = y.float()\n    b = x.numpy()\n    c = x.size(0)\n    c2 = s.size()\n    d = np.zeros(3).repeat(2)\n    e = 'a,b'.split(',').index('a')\n    g = [1, 2].index(1)\n    h = y.index(1)\n    k = s.values()\n    y.at[0].add(1)\n    self_like = mx.zeros(2)\n    return y.reshape(3).astype(mx.float16).swapaxes(0, 0)\n",
        );
        let names: Vec<(String, String)> = found
            .into_iter()
            .map(|(kind, name, text)| {
                assert_eq!(kind, Kind::ArrayMethod);
                (name, text)
            })
            .collect();
        assert_eq!(
            names,
            [
                ("float".into(), "float".into()),
                ("numpy".into(), "numpy".into()),
                ("size".into(), "size".into()),
                ("index".into(), "index".into()),
            ]
        );
    }

    #[test]
    fn methods_of_known_non_arrays_are_not_flagged() {
        let found = kinds_and_names(
            "import mlx.core as mx\nimport mlx.nn as nn\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n        self.names = []\n        self.w = mx.zeros(2)\n\n    def __call__(self, x):\n        self.fc.to('cpu')\n        self.names.sort()\n        self.float()\n        seen = set()\n        seen.add(1)\n        return self.w.add(x)\n",
        );
        assert_eq!(found, [(Kind::ArrayMethod, "add".into())]);
    }

    #[test]
    fn parameters_used_like_arrays_are_arrays() {
        let found = kinds_and_names(
            "def f(x, items):\n    n = x.shape[0]\n    x.sort()\n    items.sort()\n",
        );
        assert_eq!(found, [(Kind::ArrayMethod, "sort".into())]);
    }
}
