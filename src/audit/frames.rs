//! The scopes open at a point of the walk, innermost last, and Python's lookup rules over them:
//! a name is found in the innermost scope that binds it, class bodies are invisible from the
//! functions inside them, `global` goes to the module. Imports resolve to qualified names
//! (`mx.fast.rms_norm` → `mlx.core.fast.rms_norm`).

use super::scope::{Scope, ScopeKind, Source};
use super::values::Value;
use crate::parse::ast::{self, Expr};
use crate::semantic::leftmost_name;
use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use std::rc::Rc;

/// A value assigned to `self.<name>` (`None` when it cannot be told), and the method that
/// assigned it (whose names the value's names are).
pub type Assigned<'a> = (Option<&'a Expr>, Rc<Scope<'a>>);

pub struct Frame<'a> {
    pub scope: Rc<Scope<'a>>,
    /// A class's methods' scopes, built with the class (their `self.<name>` assignments are
    /// the class's attributes), used again when the walk enters each method. Keyed by address.
    methods: HashMap<usize, Rc<Scope<'a>>>,
    /// A class's instance attributes: every value assigned to `self.<name>` in its methods.
    pub attributes: HashMap<&'a str, Vec<Assigned<'a>>>,
    /// Kinds worked out for names bound here (and for a class, its attributes).
    pub name_values: RefCell<HashMap<&'a str, Value>>,
    pub attribute_values: RefCell<HashMap<&'a str, Value>>,
}

impl<'a> Frame<'a> {
    fn new(scope: impl Into<Rc<Scope<'a>>>) -> Self {
        Self {
            scope: scope.into(),
            methods: HashMap::default(),
            attributes: HashMap::default(),
            name_values: RefCell::default(),
            attribute_values: RefCell::default(),
        }
    }
}

/// Where a name is bound: the frame's index and what binds it there.
pub struct Binding<'f, 'a> {
    pub frame: usize,
    pub sources: &'f [Source<'a>],
}

#[derive(Default)]
pub struct Frames<'a> {
    frames: Vec<Frame<'a>>,
}

fn address<T>(node: &T) -> usize {
    std::ptr::from_ref(node) as usize
}

impl<'a> Frames<'a> {
    pub fn top(&self) -> usize {
        self.frames.len() - 1
    }

    pub fn get(&self, index: usize) -> &Frame<'a> {
        &self.frames[index]
    }

    pub fn push_module(&mut self, module: &'a ast::ModModule) {
        self.frames.push(Frame::new(Scope::module(&module.body)));
    }

    pub fn push_class(&mut self, class: &'a ast::StmtClassDef) {
        let mut frame = Frame::new(Scope::class(class));
        for stmt in &class.body {
            if let ast::Stmt::FunctionDef(function) = stmt {
                let mut method = Scope::function(function, true);
                let assigned = std::mem::take(&mut method.instance_attributes);
                let method = Rc::new(method);
                for (name, values) in assigned {
                    let values = values.into_iter().map(|value| (value, Rc::clone(&method)));
                    frame.attributes.entry(name).or_default().extend(values);
                }
                frame.methods.insert(address(function), method);
            }
        }
        self.frames.push(frame);
    }

    pub fn push_function(&mut self, function: &'a ast::StmtFunctionDef) {
        let prebuilt = self
            .frames
            .last()
            .and_then(|frame| frame.methods.get(&address(function)).cloned());
        let scope = prebuilt.unwrap_or_else(|| Rc::new(Scope::function(function, false)));
        self.frames.push(Frame::new(scope));
    }

    pub fn push_lambda(&mut self, lambda: &'a ast::ExprLambda) {
        self.frames.push(Frame::new(Scope::lambda(lambda)));
    }

    pub fn push_comprehension(&mut self, generators: &'a [ast::Comprehension], parts: &[&'a Expr]) {
        self.frames
            .push(Frame::new(Scope::comprehension(generators, parts)));
    }

    pub fn pop(&mut self) {
        self.frames.pop();
    }

    /// Where `name`, used in frame `at`, is bound.
    pub fn lookup(&self, name: &str, at: usize) -> Option<Binding<'_, 'a>> {
        self.lookup_from(name, at, true)
    }

    /// Where `name`, used in a function defined in frame `at` (a method of class `at`), is
    /// bound when the function does not bind it itself.
    pub fn lookup_enclosing(&self, name: &str, at: usize) -> Option<Binding<'_, 'a>> {
        self.lookup_from(name, at, false)
    }

    /// `at_visible`: whether frame `at` is seen even when it is a class body (it is when the
    /// name is used in the class body itself).
    fn lookup_from(&self, name: &str, at: usize, at_visible: bool) -> Option<Binding<'_, 'a>> {
        let mut index = at;
        loop {
            let frame = &self.frames[index];
            if index > 0 && frame.scope.is_global(name) {
                index = 0;
                continue;
            }
            let visible = (at_visible && index == at) || frame.scope.kind != ScopeKind::Class;
            if visible && let Some(sources) = frame.scope.sources(name) {
                return Some(Binding {
                    frame: index,
                    sources,
                });
            }
            if index == 0 {
                return None;
            }
            index -= 1;
        }
    }

    /// The qualified name `name` is imported as, seen from frame `at`. A scope that also
    /// assigns the name keeps the import (`except ImportError: torch = None`), unless its
    /// imports disagree.
    pub fn import_of(&self, name: &str, at: usize) -> Option<&str> {
        import_in(self.lookup(name, at)?.sources)
    }

    /// A pure name/attribute chain rooted in an import, as a qualified name and the length of
    /// its imported root (`mx.fast.rms_norm` → (`mlx.core.fast.rms_norm`, 8)).
    pub fn qualified(&self, expr: &Expr, at: usize) -> Option<(String, usize)> {
        // Most chains (`self.fc`, `x.shape`) are not imports: nothing is built for them.
        let root = self.import_of(leftmost_name(expr)?, at)?;
        Some((spell(root, expr), root.len()))
    }

    /// Whether `expr` is a name/attribute chain rooted in an import (`mx.fast`, `np`).
    pub fn is_imported(&self, expr: &Expr, at: usize) -> bool {
        leftmost_name(expr).is_some_and(|root| self.import_of(root, at).is_some())
    }

    /// The class whose instance a `Source::Instance` bound in frame `at` is.
    pub fn class_of_instance(&self, at: usize) -> Option<usize> {
        (0..at)
            .rev()
            .find(|&index| self.frames[index].scope.kind == ScopeKind::Class)
    }
}

/// `root` followed by the attributes of the chain `expr`: (`mlx.core`, `mx.fast.rms_norm`) →
/// `mlx.core.fast.rms_norm`.
pub fn spell(root: &str, expr: &Expr) -> String {
    fn push_attributes(expr: &Expr, out: &mut String) {
        if let Expr::Attribute(attribute) = expr {
            push_attributes(&attribute.value, out);
            out.push('.');
            out.push_str(attribute.attr.as_str());
        }
    }
    let mut spelt = root.to_string();
    push_attributes(expr, &mut spelt);
    spelt
}

/// The qualified name the sources of a name import it as, when they agree on one.
pub fn import_in<'s>(sources: &'s [Source<'_>]) -> Option<&'s str> {
    let mut imports = sources.iter().filter_map(|source| match source {
        Source::Import(qualified) => Some(qualified.as_str()),
        _ => None,
    });
    let first = imports.next()?;
    imports.all(|other| other == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ast::Stmt;
    use crate::parse::parse_module;

    #[test]
    fn lookups_follow_python_scoping() {
        let module = parse_module(
            "import mlx.core as mx\nimport mlx.optimizers as optim\nclass C:\n    mx = 1\n    def f(self, optim):\n        return mx.zeros(3)\n",
        )
        .unwrap();
        let mut frames = Frames::default();
        frames.push_module(&module);
        let Stmt::ClassDef(class) = &module.body[2] else {
            panic!()
        };
        frames.push_class(class);
        assert_eq!(
            frames.import_of("mx", frames.top()),
            None,
            "the class's own `mx`"
        );
        let Stmt::FunctionDef(function) = &class.body[1] else {
            panic!()
        };
        frames.push_function(function);
        let at = frames.top();
        assert_eq!(
            frames.import_of("mx", at),
            Some("mlx.core"),
            "class bodies are skipped"
        );
        assert_eq!(
            frames.import_of("optim", at),
            None,
            "a parameter shadows the import"
        );
        let Stmt::Return(returned) = &function.body[0] else {
            panic!()
        };
        let Expr::Call(call) = returned.value.as_deref().unwrap() else {
            panic!()
        };
        assert_eq!(
            frames.qualified(&call.func, at),
            Some(("mlx.core.zeros".to_string(), "mlx.core".len()))
        );
        assert_eq!(frames.class_of_instance(at), Some(1));
    }
}
