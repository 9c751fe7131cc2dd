//! Python's scopes, as far as the audit needs them. A name assigned anywhere in a function is
//! that function's own everywhere in it, so a scope's bindings are collected before its code is
//! checked: what each name is bound to (an import, a value, a parameter...), the names it uses
//! like arrays (`x.shape`, `x @ w`), and, in a method, what it assigns to `self.<name>`.

use super::names::names;
use crate::parse::ast::{self, Expr, Stmt};
use crate::parse::visitor::{self, Visitor};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// What binds a name.
#[derive(Debug, Clone)]
pub enum Source<'a> {
    /// `import a.b as c`, `from a import b`: the qualified name (`a.b`).
    Import(String),
    /// `x = value`, `x: T = value`, `(x := value)`.
    Value(&'a Expr),
    /// `x: T` with no value.
    Annotation(&'a Expr),
    /// A function's parameter, with its annotation.
    Parameter(Option<&'a Expr>),
    /// `*args` or `**kwargs`: a tuple or a dict.
    Variadic,
    /// The first parameter of a method: the instance (or class) itself.
    Instance,
    Class,
    Function,
    /// A loop target, an unpacked element, a `with ... as`: anything.
    Opaque,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    /// A function, lambda or comprehension.
    Function,
}

#[derive(Debug)]
pub struct Scope<'a> {
    pub kind: ScopeKind,
    bindings: HashMap<&'a str, Vec<Source<'a>>>,
    /// Declared `global` or `nonlocal`: bound elsewhere.
    free: HashSet<&'a str>,
    /// Names used like arrays here.
    array_like: HashSet<&'a str>,
    /// Names used like something else too: `isinstance(x, ...)`, `x.items()`, `x.append(...)`.
    polymorphic: HashSet<&'a str>,
    /// In a method: `self.<attribute>` assignments (`None` for an unknown value).
    pub instance_attributes: HashMap<&'a str, Vec<Option<&'a Expr>>>,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind) -> Self {
        Self {
            kind,
            bindings: HashMap::default(),
            free: HashSet::default(),
            array_like: HashSet::default(),
            polymorphic: HashSet::default(),
            instance_attributes: HashMap::default(),
        }
    }

    pub fn module(body: &'a [Stmt]) -> Self {
        Binder::collect(Scope::new(ScopeKind::Module), None, |binder| {
            binder.visit_body(body);
        })
    }

    pub fn class(class: &'a ast::StmtClassDef) -> Self {
        Binder::collect(Scope::new(ScopeKind::Class), None, |binder| {
            binder.visit_body(&class.body);
        })
    }

    /// A function's scope; `in_class` when it is defined directly in a class body (its first
    /// parameter is then the instance, unless it is a static method).
    pub fn function(function: &'a ast::StmtFunctionDef, in_class: bool) -> Self {
        let is_static = function.decorator_list.iter().any(|decorator| {
            matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod")
        });
        let instance = (in_class && !is_static)
            .then(|| function.parameters.iter_non_variadic_params().next())
            .flatten()
            .map(|first| first.parameter.name.as_str());
        let mut scope = Scope::new(ScopeKind::Function);
        scope.bind_parameters(&function.parameters, instance);
        Binder::collect(scope, instance, |binder| binder.visit_body(&function.body))
    }

    pub fn lambda(lambda: &'a ast::ExprLambda) -> Self {
        let mut scope = Scope::new(ScopeKind::Function);
        if let Some(parameters) = &lambda.parameters {
            scope.bind_parameters(parameters, None);
        }
        Binder::collect(scope, None, |binder| binder.visit_expr(&lambda.body))
    }

    /// A comprehension: its targets are its own; `parts` are the expressions evaluated in it.
    pub fn comprehension(generators: &'a [ast::Comprehension], parts: &[&'a Expr]) -> Self {
        Binder::collect(Scope::new(ScopeKind::Function), None, |binder| {
            for generator in generators {
                binder.bind_target(&generator.target, None);
                binder.visit_expr(&generator.iter);
                for condition in &generator.ifs {
                    binder.visit_expr(condition);
                }
            }
            for part in parts {
                binder.visit_expr(part);
            }
        })
    }

    fn bind_parameters(&mut self, parameters: &'a ast::Parameters, instance: Option<&'a str>) {
        for parameter in parameters.iter() {
            let variadic = matches!(parameter, ast::AnyParameterRef::Variadic(_));
            let parameter = parameter.as_parameter();
            let name = parameter.name.as_str();
            let source = if Some(name) == instance {
                Source::Instance
            } else if variadic {
                Source::Variadic
            } else {
                Source::Parameter(parameter.annotation.as_deref())
            };
            self.bindings.entry(name).or_default().push(source);
        }
    }

    /// The sources binding `name` here, when this scope binds it.
    pub fn sources(&self, name: &str) -> Option<&[Source<'a>]> {
        if self.free.contains(name) {
            return None;
        }
        self.bindings.get(name).map(Vec::as_slice)
    }

    pub fn is_global(&self, name: &str) -> bool {
        self.free.contains(name)
    }

    /// Used like an array, and like nothing else.
    pub fn used_like_array(&self, name: &str) -> bool {
        self.array_like.contains(name) && !self.polymorphic.contains(name)
    }
}

/// Collects one scope's bindings; stops at nested scopes (their names are theirs).
struct Binder<'a> {
    scope: Scope<'a>,
    /// The instance parameter's name in a method.
    instance: Option<&'a str>,
}

impl<'a> Binder<'a> {
    fn collect(
        scope: Scope<'a>,
        instance: Option<&'a str>,
        visit: impl FnOnce(&mut Self),
    ) -> Scope<'a> {
        let mut binder = Binder { scope, instance };
        visit(&mut binder);
        binder.scope
    }

    fn bind(&mut self, name: &'a str, source: Source<'a>) {
        self.scope.bindings.entry(name).or_default().push(source);
    }

    /// A name bound without a value the audit can use (`x += 1`, `del x`): local all the same.
    fn bind_local(&mut self, name: &'a str) {
        self.scope.bindings.entry(name).or_default();
    }

    fn bind_target(&mut self, target: &'a Expr, value: Option<&'a Expr>) {
        match target {
            Expr::Name(name) => {
                let source = value.map_or(Source::Opaque, Source::Value);
                self.bind(name.id.as_str(), source);
            }
            Expr::Tuple(ast::ExprTuple { elts: targets, .. })
            | Expr::List(ast::ExprList { elts: targets, .. }) => {
                let values = match value {
                    Some(Expr::Tuple(ast::ExprTuple { elts, .. }))
                    | Some(Expr::List(ast::ExprList { elts, .. }))
                        if elts.len() == targets.len()
                            && !elts.iter().chain(targets).any(Expr::is_starred_expr) =>
                    {
                        Some(elts)
                    }
                    _ => None,
                };
                for (i, target) in targets.iter().enumerate() {
                    self.bind_target(target, values.map(|values| &values[i]));
                }
            }
            Expr::Starred(starred) => self.bind_target(&starred.value, None),
            Expr::Attribute(attribute) => {
                if let Expr::Name(owner) = attribute.value.as_ref()
                    && Some(owner.id.as_str()) == self.instance
                {
                    self.scope
                        .instance_attributes
                        .entry(attribute.attr.as_str())
                        .or_default()
                        .push(value);
                }
            }
            _ => {}
        }
    }
}

impl<'a> Binder<'a> {
    /// `name.attribute` where only an array has `attribute`: `name` is used like an array;
    /// where only a str, list, dict... has it, like something else.
    fn mark_use(&mut self, attribute: &'a ast::ExprAttribute) {
        let Expr::Name(owner) = attribute.value.as_ref() else {
            return;
        };
        let names = names();
        if names.marks_array(attribute.attr.as_str()) {
            self.scope.array_like.insert(owner.id.as_str());
        } else if names.marks_container(attribute.attr.as_str()) {
            self.scope.polymorphic.insert(owner.id.as_str());
        }
    }
}

impl<'a> Visitor<'a> for Binder<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => {
                // Decorators and defaults run here; the body is the function's own scope.
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                self.bind(function.name.as_str(), Source::Function);
            }
            Stmt::ClassDef(class) => self.bind(class.name.as_str(), Source::Class),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let full = alias.name.as_str();
                    match &alias.asname {
                        Some(local) => self.bind(local.as_str(), Source::Import(full.to_string())),
                        None => {
                            let root = full.split('.').next().unwrap_or(full);
                            self.bind(root, Source::Import(root.to_string()));
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    if local == "*" {
                        continue;
                    }
                    // A relative import (the project's own module) keeps its dots, so it is
                    // an import like any other and never torch's or mlx's.
                    let dots = ".".repeat(import.level as usize);
                    let module = import.module.as_ref().map_or("", |m| m.as_str());
                    let separator = if module.is_empty() { "" } else { "." };
                    let qualified = format!("{dots}{module}{separator}{}", alias.name.as_str());
                    self.bind(local, Source::Import(qualified));
                }
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    self.bind_target(target, Some(&assign.value));
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::AnnAssign(assign) => {
                match (assign.target.as_ref(), assign.value.as_deref()) {
                    (Expr::Name(name), None) => {
                        self.bind(name.id.as_str(), Source::Annotation(&assign.annotation));
                    }
                    (target, value) => self.bind_target(target, value),
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::AugAssign(assign) => {
                if let Expr::Name(name) = assign.target.as_ref() {
                    self.bind_local(name.id.as_str());
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::For(for_) => {
                self.bind_target(&for_.target, None);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    if let Some(target) = &item.optional_vars {
                        self.bind_target(target, None);
                    }
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    if let Expr::Name(name) = target {
                        self.bind_local(name.id.as_str());
                    }
                }
            }
            Stmt::Global(global) => {
                self.scope
                    .free
                    .extend(global.names.iter().map(|n| n.as_str()));
            }
            Stmt::Nonlocal(nonlocal) => {
                self.scope
                    .free
                    .extend(nonlocal.names.iter().map(|n| n.as_str()));
            }
            Stmt::Try(try_) => {
                for handler in &try_.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        self.bind(name.as_str(), Source::Opaque);
                    }
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            // Their own scopes.
            Expr::Lambda(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_) => {}
            Expr::Named(named) => {
                self.bind_target(&named.target, Some(&named.value));
                self.visit_expr(&named.value);
            }
            Expr::Call(call) => match call.func.as_ref() {
                // `p.size()` is not an array's (its `size` is a property): only what an array
                // can do marks one.
                Expr::Attribute(method) if matches!(method.value.as_ref(), Expr::Name(_)) => {
                    if !names().is_array_property(method.attr.as_str()) {
                        self.mark_use(method);
                    }
                    visitor::walk_arguments(self, &call.arguments);
                }
                // A value whose type is tested may be of several.
                Expr::Name(callee) if callee.id.as_str() == "isinstance" => {
                    if let Some(Expr::Name(tested)) = call.arguments.args.first() {
                        self.scope.polymorphic.insert(tested.id.as_str());
                    }
                    visitor::walk_expr(self, expr);
                }
                _ => visitor::walk_expr(self, expr),
            },
            Expr::Attribute(attribute) => {
                self.mark_use(attribute);
                visitor::walk_expr(self, expr);
            }
            Expr::BinOp(binary) if binary.op == ast::Operator::MatMult => {
                for side in [&binary.left, &binary.right] {
                    if let Expr::Name(name) = side.as_ref() {
                        self.scope.array_like.insert(name.id.as_str());
                    }
                }
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;

    fn kinds(scope: &Scope<'_>, name: &str) -> Vec<String> {
        scope
            .sources(name)
            .unwrap_or_default()
            .iter()
            .map(|source| match source {
                Source::Import(qualified) => format!("import {qualified}"),
                Source::Value(_) => "value".into(),
                Source::Annotation(_) => "annotation".into(),
                Source::Parameter(_) => "parameter".into(),
                Source::Variadic => "variadic".into(),
                Source::Instance => "instance".into(),
                Source::Class => "class".into(),
                Source::Function => "function".into(),
                Source::Opaque => "opaque".into(),
            })
            .collect()
    }

    #[test]
    fn module_bindings_resolve_every_import_form() {
        let module = parse_module(
            "import mlx.core as mx\nimport mlx.nn\nfrom mlx import nn as mnn\nfrom mlx.core import fast\nfrom . import local\nfrom ..utils import helper\nfrom mlx.core import *\ntry:\n    import torch\nexcept ImportError:\n    torch = None\n",
        )
        .unwrap();
        let scope = Scope::module(&module.body);
        assert_eq!(kinds(&scope, "mx"), ["import mlx.core"]);
        assert_eq!(kinds(&scope, "mlx"), ["import mlx"]);
        assert_eq!(kinds(&scope, "mnn"), ["import mlx.nn"]);
        assert_eq!(kinds(&scope, "fast"), ["import mlx.core.fast"]);
        assert_eq!(kinds(&scope, "local"), ["import .local"]);
        assert_eq!(kinds(&scope, "helper"), ["import ..utils.helper"]);
        assert_eq!(kinds(&scope, "torch"), ["import torch", "value"]);
        assert!(scope.sources("*").is_none());
    }

    #[test]
    fn a_function_owns_its_parameters_and_assignments_and_sees_self_attributes() {
        let module = parse_module(
            "class M:\n    def f(self, optim, x, *rest, n: int = 2, d=None, t=None):\n        global g\n        y = x.reshape(2)\n        d.ndim, d.items()\n        isinstance(t, dict) or t.shape\n        a, b = 1, x\n        for i in range(3):\n            pass\n        self.w = y\n        self.q, self.r = 1, 2\n        g = 1\n        return [z for z in rest]\n",
        )
        .unwrap();
        let Stmt::ClassDef(class) = &module.body[0] else {
            panic!()
        };
        let Stmt::FunctionDef(function) = &class.body[0] else {
            panic!()
        };
        let scope = Scope::function(function, true);
        assert_eq!(kinds(&scope, "self"), ["instance"]);
        assert_eq!(kinds(&scope, "optim"), ["parameter"]);
        assert_eq!(kinds(&scope, "rest"), ["variadic"]);
        assert_eq!(kinds(&scope, "y"), ["value"]);
        assert_eq!(kinds(&scope, "a"), ["value"]);
        assert_eq!(kinds(&scope, "b"), ["value"]);
        assert_eq!(kinds(&scope, "i"), ["opaque"]);
        assert!(scope.sources("z").is_none(), "the comprehension's own");
        assert!(scope.sources("g").is_none() && scope.is_global("g"));
        assert!(scope.used_like_array("x") && !scope.used_like_array("y"));
        assert!(
            !scope.used_like_array("d") && !scope.used_like_array("t"),
            "polymorphic"
        );
        let mut attributes: Vec<&str> = scope.instance_attributes.keys().copied().collect();
        attributes.sort_unstable();
        assert_eq!(attributes, ["q", "r", "w"]);
    }
}
