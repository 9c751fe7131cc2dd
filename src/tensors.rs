//! Telling tensors from other objects, as far as static analysis allows. Per function, names
//! are tensors when assigned from torch calls, from module layers, from tensor methods or
//! arithmetic on tensors; `forward`'s arguments are tensors. Everything else is `Unknown`,
//! and rules that need certainty say so in their finding instead of guessing silently.

use crate::parse::Ranged;
use crate::parse::ast::{self, Expr, Stmt};
use crate::parse::visitor::{self, Visitor};
use crate::semantic::{ClassInfo, Semantic, self_attribute};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::{OnceCell, RefCell};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certainty {
    Tensor,
    NotTensor,
    Unknown,
}

/// Methods of `torch.Tensor` that return something other than a tensor.
const NON_TENSOR_METHODS: &[&str] = &[
    "size",
    "dim",
    "numel",
    "item",
    "tolist",
    "numpy",
    "element_size",
    "nelement",
    "ndimension",
    "is_contiguous",
    "data_ptr",
    "get_device",
    "stride",
    "__len__",
];

/// torch callables that do not return tensors.
const NON_TENSOR_TORCH: &[&str] = &[
    "torch.device",
    "torch.manual_seed",
    "torch.is_tensor",
    "torch.numel",
    "torch.no_grad",
    "torch.inference_mode",
    "torch.set_grad_enabled",
    "torch.compile",
    "torch.save",
    "torch.load",
    "torch.finfo",
    "torch.iinfo",
    "torch.Size",
    "torch.Generator",
    "torch.get_default_dtype",
    "torch.set_default_dtype",
    "torch.set_float32_matmul_precision",
    "torch.topk",
];

/// Namespaces whose functions compute tensors. A call elsewhere in torch (`torch.nn.utils.
/// weight_norm`, `torch.hub.load`, `torch.utils.data.random_split`) may return a module, a
/// model or anything else, so it is not known to be a tensor.
const TENSOR_NAMESPACES: &[&str] = &[
    "torch",
    "torch.nn.functional",
    "torch.linalg",
    "torch.fft",
    "torch.special",
    "torch.Tensor",
];

/// The names a function (or the module) binds to tensors, inferred when first asked: most
/// functions are never asked about.
pub struct FunctionTensors<'a> {
    scope: Scope<'a>,
    semantic: &'a Semantic,
    names: OnceCell<HashSet<String>>,
    non_tensors: OnceCell<HashSet<String>>,
}

enum Scope<'a> {
    Module(&'a [Stmt]),
    Function(&'a ast::StmtFunctionDef, Option<&'a ClassInfo>),
}

impl<'a> FunctionTensors<'a> {
    /// Tensors bound at module level (scripts build data and models there).
    pub fn of_module(body: &'a [Stmt], semantic: &'a Semantic) -> Self {
        Self {
            scope: Scope::Module(body),
            semantic,
            names: OnceCell::new(),
            non_tensors: OnceCell::new(),
        }
    }

    /// Tensors bound in `function`, a method of `class` when it has one.
    pub fn of_function(
        function: &'a ast::StmtFunctionDef,
        semantic: &'a Semantic,
        class: Option<&'a ClassInfo>,
    ) -> Self {
        Self {
            scope: Scope::Function(function, class),
            semantic,
            names: OnceCell::new(),
            non_tensors: OnceCell::new(),
        }
    }

    pub fn names(&self) -> &HashSet<String> {
        self.names.get_or_init(|| match self.scope {
            Scope::Module(body) => {
                let mut assignments = Vec::new();
                collect_assignments(body, &mut assignments);
                fixpoint(HashSet::default(), &assignments, self.semantic, None)
            }
            Scope::Function(function, class) => {
                let mut names = HashSet::default();
                if class.is_some_and(|c| c.is_module)
                    && matches!(function.name.as_str(), "forward" | "__call__")
                {
                    for parameter in function.parameters.iter_non_variadic_params().skip(1) {
                        names.insert(parameter.parameter.name.to_string());
                    }
                }
                // `x: torch.Tensor` (or `Optional[Tensor]`, `Tensor | None`) says so.
                for parameter in function.parameters.iter_non_variadic_params() {
                    if parameter
                        .parameter
                        .annotation
                        .as_deref()
                        .is_some_and(|a| annotates_tensor(a, self.semantic))
                    {
                        names.insert(parameter.parameter.name.to_string());
                    }
                }
                let mut assignments = Vec::new();
                collect_assignments(&function.body, &mut assignments);
                fixpoint(names, &assignments, self.semantic, class)
            }
        })
    }

    /// Names every assignment of which binds something that is not a tensor (`seen = set()`,
    /// `names = [...]`, `s: str`): a method called on one is not a tensor method.
    pub fn non_tensors(&self) -> &HashSet<String> {
        self.non_tensors.get_or_init(|| {
            let (body, class, parameters) = match self.scope {
                Scope::Module(body) => (body, None, None),
                Scope::Function(function, class) => {
                    (&function.body[..], class, Some(&function.parameters))
                }
            };
            let mut assignments = Vec::new();
            collect_assignments(body, &mut assignments);
            let empty = HashSet::default();
            let judge = Judge {
                semantic: self.semantic,
                class,
                names: self.names(),
                non_tensors: &empty,
                memo: None,
            };
            let mut verdicts: HashMap<String, bool> = HashMap::default();
            for (targets, value) in &assignments {
                let not_tensor = judge.certainty(value) == Certainty::NotTensor;
                for target in *targets {
                    if let Expr::Name(name) = target {
                        let verdict = verdicts.entry(name.id.to_string()).or_insert(true);
                        *verdict &= not_tensor;
                    }
                }
            }
            for parameter in parameters
                .into_iter()
                .flat_map(|p| p.iter_non_variadic_params())
            {
                let name = parameter.parameter.name.to_string();
                let annotated_other = parameter
                    .parameter
                    .annotation
                    .as_deref()
                    .is_some_and(annotates_non_tensor);
                let verdict = verdicts.entry(name).or_insert(annotated_other);
                *verdict &= annotated_other;
            }
            verdicts
                .into_iter()
                .filter(|(_, v)| *v)
                .map(|(name, _)| name)
                .collect()
        })
    }
}

/// Annotations of Python's own types: `str`, `int`, `list[int]`, `Dict[str, int]`...
fn annotates_non_tensor(annotation: &Expr) -> bool {
    let name = match annotation {
        Expr::Name(name) => name.id.as_str(),
        Expr::Subscript(subscript) => return annotates_non_tensor(&subscript.value),
        _ => return false,
    };
    matches!(
        name,
        "str"
            | "int"
            | "float"
            | "bool"
            | "bytes"
            | "list"
            | "dict"
            | "set"
            | "tuple"
            | "List"
            | "Dict"
            | "Set"
            | "Tuple"
            | "Sequence"
            | "Mapping"
    )
}

/// Builtins whose result is never a tensor.
const NON_TENSOR_BUILTINS: &[&str] = &[
    "set",
    "list",
    "dict",
    "tuple",
    "str",
    "int",
    "float",
    "bool",
    "len",
    "range",
    "sorted",
    "enumerate",
    "zip",
    "isinstance",
    "hasattr",
    "repr",
    "open",
    "frozenset",
    "bytes",
    "type",
];

/// Modules whose functions never return tensors.
const NON_TENSOR_MODULES: &[&str] = &[
    "numpy",
    "math",
    "os",
    "re",
    "json",
    "random",
    "string",
    "pathlib",
    "collections",
    "itertools",
    "sys",
    "time",
    "logging",
    "warnings",
    "inspect",
    "argparse",
];

/// Flow-insensitive fixpoint: a few rounds cover chains of assignments.
fn fixpoint(
    mut names: HashSet<String>,
    assignments: &[(&[Expr], &Expr)],
    semantic: &Semantic,
    class: Option<&ClassInfo>,
) -> HashSet<String> {
    // An assignment found to bind tensors has added its names; judging it again in a later
    // round could add nothing (names are never removed).
    let mut bound = vec![false; assignments.len()];
    for _ in 0..4 {
        let before = names.len();
        for ((targets, value), bound) in assignments.iter().zip(&mut bound) {
            if *bound {
                continue;
            }
            let judge = Judge {
                semantic,
                class,
                names: &names,
                non_tensors: &HashSet::default(),
                memo: None,
            };
            if judge.certainty(value) == Certainty::Tensor {
                *bound = true;
                let mut new = Vec::new();
                for target in *targets {
                    bind_names(target, &mut new);
                }
                names.extend(new);
            }
        }
        if names.len() == before {
            break;
        }
    }
    names
}

pub struct Judge<'a> {
    pub semantic: &'a Semantic,
    pub class: Option<&'a ClassInfo>,
    pub names: &'a HashSet<String>,
    /// Names bound only to things that are not tensors.
    pub non_tensors: &'a HashSet<String>,
    /// Judgements by node range: a 20k-call chain is judged once per node, not once per
    /// node per ancestor.
    pub memo: Option<&'a RefCell<HashMap<(usize, usize), Certainty>>>,
}

impl Judge<'_> {
    pub fn certainty(&self, expr: &Expr) -> Certainty {
        let Some(memo) = self.memo else {
            return self.judge(expr);
        };
        let key = (
            expr.range().start().to_usize(),
            expr.range().end().to_usize(),
        );
        if let Some(known) = memo.borrow().get(&key) {
            return *known;
        }
        let judged = self.judge(expr);
        memo.borrow_mut().insert(key, judged);
        judged
    }

    fn judge(&self, expr: &Expr) -> Certainty {
        use Certainty::*;
        match expr {
            Expr::Name(name) if self.names.contains(name.id.as_str()) => Tensor,
            Expr::Name(name) if self.non_tensors.contains(name.id.as_str()) => NotTensor,
            // An imported name is a module, a function or a class (`np`, `math`, `F`, a
            // project's `from . import initialization as init`).
            Expr::Name(name) if self.semantic.is_imported_name(name.id.as_str()) => NotTensor,
            Expr::Name(_) => Unknown,
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Set(_) => NotTensor,
            Expr::NumberLiteral(_)
            | Expr::StringLiteral(_)
            | Expr::FString(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::List(_)
            | Expr::Tuple(_)
            | Expr::Dict(_) => NotTensor,
            Expr::Compare(compare) => self.certainty(&compare.left),
            Expr::Call(call) => {
                let torch_call = self.semantic.with_torch_name(&call.func, |q| {
                    let is_class = q
                        .rsplit('.')
                        .next()
                        .is_some_and(|last| last.starts_with(char::is_uppercase));
                    let namespace = q.rsplit_once('.').map_or(q, |(namespace, _)| namespace);
                    if NON_TENSOR_TORCH.contains(&q)
                        || q.starts_with("torch.cuda.")
                        || (is_class && q != "torch.Tensor")
                    {
                        NotTensor
                    } else if TENSOR_NAMESPACES.contains(&namespace) {
                        Tensor
                    } else {
                        Unknown
                    }
                });
                if let Some(certainty) = torch_call {
                    return certainty;
                }
                if let Expr::Name(name) = call.func.as_ref()
                    && NON_TENSOR_BUILTINS.contains(&name.id.as_str())
                    && self.semantic.qualified_binding(name.id.as_str()).is_none()
                {
                    return NotTensor;
                }
                if let Some(root) = chain_root(&call.func)
                    && let Some(module) = self.semantic.qualified_binding(root)
                    && NON_TENSOR_MODULES.contains(&module.split('.').next().unwrap_or_default())
                {
                    return NotTensor;
                }
                match call.func.as_ref() {
                    // `gauss(11)` with `def gauss(size) -> Tensor` in the file.
                    Expr::Name(name)
                        if self.semantic.returns_annotated_tensor(name.id.as_str()) =>
                    {
                        Tensor
                    }
                    // `self(x)` inside a module: the module's output (or a tuple of them),
                    // unless its forward returns an object (a `ModelOutput`).
                    Expr::Name(name)
                        if name.id.as_str() == "self"
                            && self.class.is_some_and(|c| c.is_module && !c.returns_object) =>
                    {
                        Tensor
                    }
                    Expr::Attribute(method) => {
                        if let Some(attr) = self_attribute(&call.func)
                            && self
                                .class
                                .is_some_and(|c| self.semantic.calls_tensor_module(c, attr))
                        {
                            return Tensor;
                        }
                        let receiver = self.certainty(&method.value);
                        if receiver == Tensor {
                            if NON_TENSOR_METHODS.contains(&method.attr.as_str()) {
                                NotTensor
                            } else {
                                Tensor
                            }
                        } else {
                            Unknown
                        }
                    }
                    _ => Unknown,
                }
            }
            Expr::Attribute(attribute) => {
                if let Some(attr) = self_attribute(expr) {
                    return if self.class.is_some_and(|c| c.arrays.contains(attr)) {
                        Tensor
                    } else {
                        Unknown
                    };
                }
                if self.semantic.is_torch_rooted(expr) {
                    return NotTensor; // torch.float32, torch.inf ...
                }
                if chain_root(expr)
                    .is_some_and(|root| self.semantic.qualified_binding(root).is_some())
                {
                    return NotTensor; // np.random, math.pi: a module's attribute
                }
                match (self.certainty(&attribute.value), attribute.attr.as_str()) {
                    (Tensor, "T" | "mT" | "H" | "data" | "grad" | "real" | "imag") => Tensor,
                    (Tensor, "weight" | "bias") => Tensor,
                    // `x.shape`, `x.dtype`; an attribute torch.Tensor lacks (`outputs.loc`) says
                    // the value was not a tensor after all, and tells nothing of the attribute.
                    (Tensor, name) if crate::api::table().tensor_has(name) => NotTensor,
                    (_, "weight" | "bias") => Tensor,
                    _ => Unknown,
                }
            }
            Expr::Subscript(subscript) => match self.certainty(&subscript.value) {
                Tensor => Tensor,
                _ => Unknown,
            },
            Expr::BinOp(binop) => {
                let (l, r) = (self.certainty(&binop.left), self.certainty(&binop.right));
                if l == Tensor || r == Tensor {
                    Tensor
                } else {
                    Unknown
                }
            }
            Expr::UnaryOp(unary) => self.certainty(&unary.operand),
            // `b if cond else None` may be None (an optional bias): not known to be a tensor.
            Expr::If(if_expr)
                if [&if_expr.body, &if_expr.orelse]
                    .iter()
                    .any(|branch| branch.is_none_literal_expr()) =>
            {
                Unknown
            }
            Expr::If(if_expr) => {
                let (a, b) = (
                    self.certainty(&if_expr.body),
                    self.certainty(&if_expr.orelse),
                );
                if a == Tensor || b == Tensor {
                    Tensor
                } else {
                    Unknown
                }
            }
            _ => Unknown,
        }
    }
}

/// Whether every `return` of `function` (a module-level helper such as a positional-embedding
/// builder) gives a tensor, and it has at least one.
pub fn returns_tensor(function: &ast::StmtFunctionDef, semantic: &Semantic) -> bool {
    struct Returns<'a>(Vec<&'a Expr>, bool);
    impl<'a> Visitor<'a> for Returns<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Return(ret) => match ret.value.as_deref() {
                    Some(value) => self.0.push(value),
                    None => self.1 = true,
                },
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {} // their returns are not ours
                _ => visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut returns = Returns(Vec::new(), false);
    returns.visit_body(&function.body);
    let scope = FunctionTensors::of_function(function, semantic, None);
    let judge = Judge {
        semantic,
        class: None,
        names: scope.names(),
        non_tensors: scope.non_tensors(),
        memo: None,
    };
    !returns.1
        && !returns.0.is_empty()
        && returns
            .0
            .iter()
            .all(|value| judge.certainty(value) == Certainty::Tensor)
}

/// `torch.Tensor`, `Tensor` imported from torch, and those inside `Optional[...]` or `| None`.
fn annotates_tensor(annotation: &Expr, semantic: &Semantic) -> bool {
    match annotation {
        Expr::Subscript(subscript) => {
            let optional = matches!(subscript.value.as_ref(), Expr::Name(n) if n.id.as_str() == "Optional")
                || matches!(subscript.value.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "Optional");
            optional && annotates_tensor(&subscript.slice, semantic)
        }
        Expr::BinOp(union) => {
            annotates_tensor(&union.left, semantic) || annotates_tensor(&union.right, semantic)
        }
        _ => semantic
            .with_torch_name(annotation, |q| q == "torch.Tensor")
            .unwrap_or(false),
    }
}

/// The name a name/attribute chain starts at (`np` of `np.random.rand`).
fn chain_root(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => chain_root(&attribute.value),
        _ => None,
    }
}

fn bind_names(target: &Expr, out: &mut Vec<String>) {
    match target {
        Expr::Name(name) => out.push(name.id.to_string()),
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| bind_names(e, out)),
        Expr::List(list) => list.elts.iter().for_each(|e| bind_names(e, out)),
        Expr::Starred(starred) => bind_names(&starred.value, out),
        _ => {}
    }
}

/// Every assignment in a body: its targets and its value.
fn collect_assignments<'a>(body: &'a [Stmt], out: &mut Vec<(&'a [Expr], &'a Expr)>) {
    struct Collector<'a, 'o> {
        out: &'o mut Vec<(&'a [Expr], &'a Expr)>,
    }
    impl<'a> Visitor<'a> for Collector<'a, '_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Assign(assign) => self.out.push((&assign.targets, &assign.value)),
                Stmt::AnnAssign(assign) => {
                    if let Some(value) = &assign.value {
                        self.out
                            .push((std::slice::from_ref(assign.target.as_ref()), value));
                    }
                }
                Stmt::AugAssign(assign) => self
                    .out
                    .push((std::slice::from_ref(assign.target.as_ref()), &assign.value)),
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                _ => visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut collector = Collector { out };
    for stmt in body {
        collector.visit_stmt(stmt);
    }
}
