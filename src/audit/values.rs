//! Whether a method's receiver may be an mx.array. Static and local: what the expression is
//! (a literal, an `mx.*` call, arithmetic...) and what its names are bound to in their scopes.
//! `Unknown` (may be an array) is the answer whenever the code does not say otherwise, so a
//! torch method is missed only on receivers known not to be arrays.

use super::frames::{Binding, Frames, import_in, spell};
use super::names::names;
use super::results::{arithmetic, builtin_result, builtin_type, called, imported};
use super::scope::{Scope, Source};
use crate::parse::ast::{self, Expr};
use crate::semantic::leftmost_name;
use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;

/// What a value is, as far as the audit can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// No information: `None` (an optional array is still an array), or a name whose value is
    /// being worked out (`x = x + 1`).
    Nothing,
    Array,
    /// Anything, an array included.
    Unknown,
    /// Known not to be an array.
    Other(What),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Str,
    Number,
    /// A list, tuple, dict or set.
    Container,
    /// A numpy value (or numpy itself).
    Numpy,
    /// An MLX layer or module instance.
    Module,
    /// Another object: a module, a class, a function, an instance, an exception.
    Object,
}

impl Value {
    /// What a name bound to either may be.
    fn merge(self, other: Value) -> Value {
        match (self, other) {
            (Value::Nothing, value) | (value, Value::Nothing) => value,
            (a, b) if a == b => a,
            (Value::Other(_), Value::Other(_)) => Value::Other(What::Object),
            _ => Value::Unknown,
        }
    }
}

/// Expression depth after which the answer is `Unknown` (a 100k-term sum as a receiver).
const MAX_DEPTH: u32 = 64;

/// Works out values in the frames open at one point of the walk.
pub struct Infer<'f, 'a> {
    frames: &'f Frames<'a>,
    /// Values worked out for names of methods other than the one being walked (met through
    /// `self.<name>` assignments), by scope address and name.
    method_names: RefCell<HashMap<(usize, &'a str), Value>>,
}

/// Where an expression is evaluated: in frame `at`, or, for the value of a `self.<name>`
/// assignment, in `method` (a method of the class in frame `at`, not open in the walk).
#[derive(Clone, Copy)]
struct Context<'f, 'a> {
    at: usize,
    method: Option<&'f Scope<'a>>,
    depth: u32,
}

/// Where a name was found.
enum Found<'f, 'a> {
    Frame(Binding<'f, 'a>),
    Method(&'f Scope<'a>, &'f [Source<'a>]),
}

impl<'f, 'a> Infer<'f, 'a> {
    pub fn new(frames: &'f Frames<'a>) -> Self {
        Self {
            frames,
            method_names: RefCell::default(),
        }
    }

    /// What `expr`, evaluated in frame `at`, may be.
    pub fn value(&self, expr: &'a Expr, at: usize) -> Value {
        self.of(
            expr,
            Context {
                at,
                method: None,
                depth: 0,
            },
        )
    }

    fn of(&self, expr: &'a Expr, context: Context<'f, 'a>) -> Value {
        if context.depth > MAX_DEPTH {
            return Value::Unknown;
        }
        let inner = Context {
            depth: context.depth + 1,
            ..context
        };
        match expr {
            Expr::StringLiteral(_)
            | Expr::FString(_)
            | Expr::TString(_)
            | Expr::BytesLiteral(_) => Value::Other(What::Str),
            Expr::NumberLiteral(_) | Expr::BooleanLiteral(_) => Value::Other(What::Number),
            Expr::NoneLiteral(_) => Value::Nothing,
            Expr::List(_)
            | Expr::Tuple(_)
            | Expr::Dict(_)
            | Expr::Set(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_) => Value::Other(What::Container),
            Expr::Generator(_) | Expr::Lambda(_) | Expr::EllipsisLiteral(_) | Expr::Slice(_) => {
                Value::Other(What::Object)
            }
            Expr::Name(name) => self.name(name.id.as_str(), context),
            Expr::Attribute(attribute) => self.attribute(expr, attribute, inner),
            Expr::Subscript(subscript) => {
                if let Expr::Attribute(indexer) = subscript.value.as_ref()
                    && indexer.attr.as_str() == "at"
                {
                    return Value::Other(What::Object); // `x.at[i]`: MLX's indexed-update helper
                }
                match self.of(&subscript.value, inner) {
                    value @ (Value::Array | Value::Other(What::Str | What::Numpy)) => value,
                    _ => Value::Unknown,
                }
            }
            Expr::Call(call) => self.call(call, inner),
            Expr::BinOp(binary) => arithmetic(
                binary.op,
                self.of(&binary.left, inner),
                self.of(&binary.right, inner),
            ),
            Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => Value::Other(What::Number),
            Expr::UnaryOp(unary) => self.of(&unary.operand, inner),
            Expr::If(conditional) => self
                .of(&conditional.body, inner)
                .merge(self.of(&conditional.orelse, inner)),
            Expr::BoolOp(boolean) => boolean
                .values
                .iter()
                .fold(Value::Nothing, |value, operand| {
                    value.merge(self.of(operand, inner))
                }),
            Expr::Compare(compare) => {
                let operands = std::iter::once(compare.left.as_ref()).chain(&compare.comparators);
                let values: Vec<Value> = operands.map(|operand| self.of(operand, inner)).collect();
                if values.contains(&Value::Array) {
                    Value::Array
                } else if values.iter().all(|value| matches!(value, Value::Other(_))) {
                    Value::Other(What::Number)
                } else {
                    Value::Unknown
                }
            }
            Expr::Named(named) => self.of(&named.value, inner),
            _ => Value::Unknown,
        }
    }

    fn find(&self, name: &str, context: Context<'f, 'a>) -> Option<Found<'f, 'a>> {
        match context.method {
            Some(method) if method.is_global(name) => self.frames.lookup(name, 0).map(Found::Frame),
            Some(method) => match method.sources(name) {
                Some(sources) => Some(Found::Method(method, sources)),
                None => self
                    .frames
                    .lookup_enclosing(name, context.at)
                    .map(Found::Frame),
            },
            None => self.frames.lookup(name, context.at).map(Found::Frame),
        }
    }

    /// The qualified name of an import-rooted chain, seen from `context`.
    fn qualified(&self, expr: &Expr, context: Context<'f, 'a>) -> Option<String> {
        let sources = match self.find(leftmost_name(expr)?, context)? {
            Found::Frame(binding) => binding.sources,
            Found::Method(_, sources) => sources,
        };
        Some(spell(import_in(sources)?, expr))
    }

    fn name(&self, name: &'a str, context: Context<'f, 'a>) -> Value {
        match self.find(name, context) {
            None => Value::Unknown, // a builtin, or from a star import
            Some(Found::Frame(binding)) => {
                let frame = self.frames.get(binding.frame);
                let at = Context {
                    at: binding.frame,
                    method: None,
                    ..context
                };
                memoised(&frame.name_values, name, || {
                    self.sources(name, binding.sources, &frame.scope, at)
                })
            }
            Some(Found::Method(method, sources)) => {
                let key = (std::ptr::from_ref(method) as usize, name);
                if let Some(&known) = self.method_names.borrow().get(&key) {
                    return known;
                }
                self.method_names.borrow_mut().insert(key, Value::Nothing);
                let value = self.sources(name, sources, method, context);
                self.method_names.borrow_mut().insert(key, value);
                value
            }
        }
    }

    fn sources(
        &self,
        name: &str,
        sources: &'f [Source<'a>],
        scope: &Scope<'a>,
        context: Context<'f, 'a>,
    ) -> Value {
        if sources.is_empty() {
            return Value::Unknown; // only `x += ...` or `del x` here
        }
        sources.iter().fold(Value::Nothing, |value, source| {
            value.merge(self.source(name, source, scope, context))
        })
    }

    fn source(
        &self,
        name: &str,
        source: &'f Source<'a>,
        scope: &Scope<'a>,
        context: Context<'f, 'a>,
    ) -> Value {
        match source {
            Source::Import(qualified) => imported(qualified),
            Source::Value(value) => self.of(value, context),
            Source::Annotation(annotation) => self.annotation(annotation, context),
            // A union (`dict | list | Tensor`) says the parameter is not only an array,
            // whatever its uses look like.
            Source::Parameter(Some(annotation)) if is_union(annotation) => {
                self.annotation(annotation, context)
            }
            Source::Parameter(annotation) => {
                let annotated = annotation.map_or(Value::Unknown, |a| self.annotation(a, context));
                match annotated {
                    Value::Unknown if scope.used_like_array(name) => Value::Array,
                    value => value,
                }
            }
            Source::Variadic => Value::Other(What::Container),
            Source::Instance | Source::Class | Source::Function => Value::Other(What::Object),
            Source::Opaque => Value::Unknown,
        }
    }

    fn attribute(
        &self,
        expr: &'a Expr,
        attribute: &'a ast::ExprAttribute,
        context: Context<'f, 'a>,
    ) -> Value {
        if let Some(qualified) = self.qualified(expr, context) {
            return imported(&qualified);
        }
        if let Expr::Name(owner) = attribute.value.as_ref()
            && let Some(class) = self.instance_class(owner.id.as_str(), context)
        {
            return self.instance_attribute(class, attribute.attr.as_str());
        }
        match self.of(&attribute.value, context) {
            Value::Array if names().is_array_property(attribute.attr.as_str()) => {
                Value::Other(What::Object) // shape, dtype, ndim...
            }
            Value::Other(What::Numpy) => Value::Other(What::Numpy),
            _ => Value::Unknown,
        }
    }

    /// The class frame when `name` is a method's instance parameter (`self`).
    fn instance_class(&self, name: &str, context: Context<'f, 'a>) -> Option<usize> {
        match self.find(name, context)? {
            Found::Frame(binding) => matches!(binding.sources, [Source::Instance])
                .then(|| self.frames.class_of_instance(binding.frame))
                .flatten(),
            Found::Method(_, sources) => {
                matches!(sources, [Source::Instance]).then_some(context.at)
            }
        }
    }

    fn instance_attribute(&self, class: usize, attribute: &'a str) -> Value {
        let frame = self.frames.get(class);
        let Some(assigned) = frame.attributes.get(attribute) else {
            return Value::Unknown; // set elsewhere (a base class, a caller)
        };
        memoised(&frame.attribute_values, attribute, || {
            assigned
                .iter()
                .fold(Value::Nothing, |value, (assigned, method)| {
                    let context = Context {
                        at: class,
                        method: Some(method),
                        depth: 0,
                    };
                    value.merge(assigned.map_or(Value::Unknown, |expr| self.of(expr, context)))
                })
        })
    }

    fn call(&self, call: &'a ast::ExprCall, context: Context<'f, 'a>) -> Value {
        if let Some(callee) = self.qualified(&call.func, context) {
            return called(&callee);
        }
        match call.func.as_ref() {
            Expr::Name(name) => match self.find(name.id.as_str(), context) {
                None => builtin_result(name.id.as_str()),
                Some(Found::Frame(Binding { sources, .. }) | Found::Method(_, sources))
                    if matches!(sources, [Source::Class]) =>
                {
                    Value::Other(What::Object)
                }
                Some(_) => Value::Unknown,
            },
            Expr::Attribute(method) => match self.of(&method.value, context) {
                Value::Array => {
                    let qualified = format!("mlx.core.array.{}", method.attr.as_str());
                    called(&qualified)
                }
                value @ Value::Other(What::Str | What::Numpy) => value,
                _ => Value::Unknown,
            },
            _ => Value::Unknown,
        }
    }

    fn annotation(&self, annotation: &'a Expr, context: Context<'f, 'a>) -> Value {
        match annotation {
            // `X | None`: an optional X is X where it is used.
            Expr::BinOp(union) if union.op == ast::Operator::BitOr => {
                match (union.left.as_ref(), union.right.as_ref()) {
                    (Expr::NoneLiteral(_), other) | (other, Expr::NoneLiteral(_)) => {
                        self.annotation(other, context)
                    }
                    _ => Value::Unknown,
                }
            }
            Expr::Subscript(generic) => {
                match self.qualified(&generic.value, context).as_deref() {
                    Some("typing.Optional") => self.annotation(&generic.slice, context),
                    Some("typing.List" | "typing.Dict" | "typing.Tuple" | "typing.Set") => {
                        Value::Other(What::Container)
                    }
                    _ => self.annotation(&generic.value, context), // list[int], Sequence[...]
                }
            }
            _ => match self.qualified(annotation, context) {
                Some(qualified) => match qualified.as_str() {
                    "mlx.core.array" => Value::Array,
                    q if q == "numpy" || q.starts_with("numpy.") => Value::Other(What::Numpy),
                    q if q.starts_with("mlx.") && names().is_class(q) => Value::Other(What::Object),
                    _ => Value::Unknown,
                },
                None => match annotation {
                    Expr::Name(name) if self.find(name.id.as_str(), context).is_none() => {
                        builtin_type(name.id.as_str())
                    }
                    _ => Value::Unknown,
                },
            },
        }
    }
}

/// `A | B` or `Union[A, B]` with more than `None` beside one type.
fn is_union(annotation: &Expr) -> bool {
    match annotation {
        Expr::BinOp(union) if union.op == ast::Operator::BitOr => {
            !matches!(union.left.as_ref(), Expr::NoneLiteral(_))
                && !matches!(union.right.as_ref(), Expr::NoneLiteral(_))
        }
        Expr::Subscript(generic) => {
            matches!(
                generic.value.as_ref(),
                Expr::Name(name) if name.id.as_str() == "Union"
            ) || matches!(
                generic.value.as_ref(),
                Expr::Attribute(attribute) if attribute.attr.as_str() == "Union"
            )
        }
        _ => false,
    }
}

/// `compute`'s answer for `key`, worked out once; while it is being worked out, asking again
/// (a value that mentions itself) answers `Nothing`.
fn memoised<'a>(
    memo: &RefCell<HashMap<&'a str, Value>>,
    key: &'a str,
    compute: impl FnOnce() -> Value,
) -> Value {
    if let Some(&known) = memo.borrow().get(key) {
        return known;
    }
    memo.borrow_mut().insert(key, Value::Nothing);
    let value = compute();
    memo.borrow_mut().insert(key, value);
    value
}
