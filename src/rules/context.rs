//! What a rule sees at a node: the text, the resolved names, the enclosing class and
//! function, the statement stack, and helpers to build minimal edits.

use crate::fix::{Edit, Piece};
use crate::parse::ast::{self, Expr, Stmt};
use crate::parse::{Ranged, span};
use crate::semantic::{
    ClassInfo, ImportedLayout, ImportedLayoutQuestion, Semantic, self_attribute,
};
use crate::tensors::{Certainty, FunctionTensors, Judge};
use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use std::cell::{OnceCell, RefCell};
use std::ops::Range;
use std::rc::Rc;

/// How many module-level aliases (`A = partial(B, ...)`) are followed to a class.
const MAX_ALIAS_HOPS: usize = 3;

pub struct Context<'a> {
    pub text: &'a str,
    pub semantic: &'a Semantic,
    pub class: Option<&'a ast::StmtClassDef>,
    /// What the semantic model knows of `class` (looked up once per class body).
    class_info: Option<&'a ClassInfo>,
    pub function: Option<(&'a ast::StmtFunctionDef, FunctionTensors<'a>)>,
    /// Tensors bound at module level, seen where no function encloses the node.
    pub module_tensors: FunctionTensors<'a>,
    pub module: &'a ast::ModModule,
    /// Enclosing statements, innermost last.
    pub stmt_stack: Vec<&'a Stmt>,
    /// Enclosing expressions of the node being checked, innermost last.
    pub expr_stack: Vec<&'a Expr>,
    /// Tensor judgements of the current function, set aside while a nested one is walked.
    pub tensor_memo: RefCell<HashMap<(usize, usize), Certainty>>,
    last_torch_name: RefCell<Option<(usize, Option<QualifiedName>)>>,
    /// The names the current function binds to module instances (`module_instance`), with
    /// the function they were found in (0: module level).
    module_instances: RefCell<Option<(usize, FxHashSet<String>)>>,
    /// The classes the module builds (see `channels_last::built_models`), found when first
    /// asked. Owned names: a borrowed one would make the context invariant in `'a`.
    pub built_models: OnceCell<FxHashSet<String>>,
    /// The file's module-level aliases of classes (`Semantic::module_aliases`), alias → class,
    /// found when first asked.
    module_aliases: OnceCell<HashMap<String, String>>,
    /// `builds_imported_channels_first` of the class last asked about (by its start offset):
    /// classes are walked one at a time.
    imported_channels_first_built: RefCell<Option<(usize, bool)>>,
    /// The node is inside a type annotation (a parameter's, a return's, an annotated
    /// assignment's).
    pub in_annotation: bool,
    /// Answers about classes the file imports from the project's other files.
    imported: ImportedLayout<'a>,
}

/// A qualified torch name as rules get it. Rules ask about the same callee one after
/// another (a dozen rules at every torch call): sharing the name, not copying it, is what
/// makes asking cheap. It reads like the `String` it replaced (`as_str`, `==`, `{}`, `&str`
/// methods).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName(Rc<str>);

impl QualifiedName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for QualifiedName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for QualifiedName {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for QualifiedName {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl From<QualifiedName> for String {
    fn from(name: QualifiedName) -> String {
        name.0.to_string()
    }
}

impl<'a> Context<'a> {
    pub fn new(
        text: &'a str,
        semantic: &'a Semantic,
        module: &'a ast::ModModule,
        imported: ImportedLayout<'a>,
    ) -> Self {
        Self {
            text,
            semantic,
            module_tensors: FunctionTensors::of_module(&module.body, semantic),
            module,
            class: None,
            class_info: None,
            function: None,
            stmt_stack: Vec::new(),
            expr_stack: Vec::new(),
            tensor_memo: RefCell::default(),
            last_torch_name: RefCell::default(),
            module_instances: RefCell::default(),
            built_models: OnceCell::new(),
            module_aliases: OnceCell::new(),
            imported_channels_first_built: RefCell::default(),
            in_annotation: false,
            imported,
        }
    }

    /// Whether the name `local` is a channels-last module class used as a block: one of this
    /// file's, taking one array, that the file does not build as its model, or one imported
    /// from another file of the project that is so there. Such a class takes channels-last
    /// maps.
    pub fn channels_last_block(&self, local: &str) -> bool {
        self.channels_last_block_within(local, MAX_ALIAS_HOPS)
    }

    fn channels_last_block_within(&self, local: &str, hops: usize) -> bool {
        if let Some(class) = self.semantic.classes.get(local) {
            return class.is_module
                && class.channels_last
                && class.takes_block_input()
                && !self
                    .built_models
                    .get_or_init(|| super::built_models(self.module, &self.semantic.classes))
                    .contains(local);
        }
        if let Some(import) = self.semantic.from_import(local) {
            return (self.imported)(import, ImportedLayoutQuestion::ChannelsLastBlock);
        }
        hops > 0
            && self
                .module_alias(local)
                .is_some_and(|target| self.channels_last_block_within(target, hops - 1))
    }

    /// The class a module-level alias names (`Semantic::module_aliases`): the aliases are
    /// found once per file, not at each name asked about.
    fn module_alias(&self, local: &str) -> Option<&str> {
        self.module_aliases
            .get_or_init(|| {
                self.semantic
                    .module_aliases(self.module)
                    .map(|(alias, class)| (alias.to_string(), class.to_string()))
                    .collect()
            })
            .get(local)
            .map(String::as_str)
    }

    pub fn class_info(&self) -> Option<&'a ClassInfo> {
        self.class_info
    }

    /// Enter (or leave, with `None`) a class body; returns the previous class.
    pub fn set_class(
        &mut self,
        class: Option<&'a ast::StmtClassDef>,
    ) -> Option<&'a ast::StmtClassDef> {
        self.class_info = class.and_then(|c| self.semantic.classes.get(c.name.id.as_str()));
        std::mem::replace(&mut self.class, class)
    }

    /// Where feature maps keep torch's channels-first layout, so layers that work on them are
    /// built channels-first: a method of a module class whose own layers are not channels-last
    /// (they sit in containers), or a function of the file that builds such containers.
    pub fn in_channels_first_scope(&self) -> bool {
        match self.class_info() {
            Some(class) => class.is_module && !class.channels_last,
            None => {
                matches!(self.stmt_stack.first(), Some(Stmt::FunctionDef(function)) if self.semantic.builds_channels_first(function.name.as_str()))
            }
        }
    }

    /// Whether the enclosing class's `__init__` builds a class imported from another file of
    /// the project that keeps torch's channels-first layout (timm's ReXNet blocks build
    /// `ConvNormAct` from `timm.layers`, and nothing spatial of their own): the maps inside
    /// keep that layout though the file has no feature maps of its own.
    pub fn builds_imported_channels_first(&self) -> bool {
        let Some(class) = self.class else {
            return false;
        };
        let key = class.range().start().to_usize();
        if let Some((asked, answer)) = *self.imported_channels_first_built.borrow()
            && asked == key
        {
            return answer;
        }
        let answer = class.body.iter().any(|stmt| {
            let Stmt::FunctionDef(init) = stmt else {
                return false;
            };
            init.name.as_str() == "__init__"
                && crate::semantic::names_in(&init.body).iter().any(|name| {
                    self.semantic.from_import(name).is_some_and(|import| {
                        (self.imported)(import, ImportedLayoutQuestion::ChannelsFirst)
                    })
                })
        });
        *self.imported_channels_first_built.borrow_mut() = Some((key, answer));
        answer
    }

    /// Inside a method (or nested function) of an `nn.Module` subclass.
    pub fn in_module(&self) -> bool {
        self.class_info().is_some_and(|c| c.is_module)
    }

    pub fn function_name(&self) -> Option<&str> {
        self.function.as_ref().map(|(f, _)| f.name.as_str())
    }

    pub fn tensor(&self, expr: &Expr) -> Certainty {
        let scope = self
            .function
            .as_ref()
            .map_or(&self.module_tensors, |(_, t)| t);
        Judge {
            semantic: self.semantic,
            class: self.class_info(),
            names: scope.names(),
            non_tensors: scope.non_tensors(),
            memo: Some(&self.tensor_memo),
        }
        .certainty(expr)
    }

    /// The qualified torch name of a name/attribute chain. Rules ask about the same callee
    /// one after another, so the last answer is kept (and this check inlined into them).
    #[inline]
    pub fn torch_name(&self, expr: &Expr) -> Option<QualifiedName> {
        let key = std::ptr::from_ref(expr) as usize;
        if let Some((cached, name)) = &*self.last_torch_name.borrow()
            && *cached == key
        {
            return name.clone();
        }
        self.resolve_torch_name(key, expr)
    }

    fn resolve_torch_name(&self, key: usize, expr: &Expr) -> Option<QualifiedName> {
        let name = self
            .semantic
            .with_torch_name(expr, |name| QualifiedName(Rc::from(name)));
        *self.last_torch_name.borrow_mut() = Some((key, name.clone()));
        name
    }

    /// Whether a name/attribute chain is rooted in a torch import (no allocation).
    pub fn is_torch(&self, expr: &Expr) -> bool {
        self.semantic.is_torch_rooted(expr)
    }

    pub fn src(&self, node: &impl Ranged) -> &'a str {
        &self.text[span(node)]
    }

    /// The expression directly containing the node being checked.
    pub fn parent_expr(&self) -> Option<&'a Expr> {
        self.expr_stack.last().copied()
    }

    /// The innermost statement being visited.
    pub fn stmt(&self) -> Option<&'a Stmt> {
        self.stmt_stack.last().copied()
    }

    /// Whether `name` is assigned an instance of a module class of this file in the current
    /// function (or at module level). The names are found once per function: rules ask about
    /// every method call's receiver.
    pub fn module_instance(&self, name: &str) -> bool {
        let scope = self
            .function
            .as_ref()
            .map_or(0, |(f, _)| std::ptr::from_ref(*f) as usize);
        if let Some((cached, names)) = &*self.module_instances.borrow()
            && *cached == scope
        {
            return names.contains(name);
        }
        let names = self.find_module_instances();
        let found = names.contains(name);
        *self.module_instances.borrow_mut() = Some((scope, names));
        found
    }

    fn find_module_instances(&self) -> FxHashSet<String> {
        use crate::parse::visitor::{self, Visitor};
        struct Finder<'s> {
            semantic: &'s Semantic,
            found: FxHashSet<String>,
        }
        impl<'a> Visitor<'a> for Finder<'_> {
            fn visit_stmt(&mut self, stmt: &'a Stmt) {
                if let Stmt::Assign(assign) = stmt
                    && let Expr::Call(call) = assign.value.as_ref()
                    && let Expr::Name(class) = call.func.as_ref()
                    && self
                        .semantic
                        .classes
                        .get(class.id.as_str())
                        .is_some_and(|c| c.is_module)
                {
                    self.found
                        .extend(assign.targets.iter().filter_map(|t| match t {
                            Expr::Name(n) => Some(n.id.to_string()),
                            _ => None,
                        }));
                }
                if !matches!(stmt, Stmt::ClassDef(_)) {
                    visitor::walk_stmt(self, stmt);
                }
            }
        }
        let mut finder = Finder {
            semantic: self.semantic,
            found: FxHashSet::default(),
        };
        let body = self
            .function
            .as_ref()
            .map_or(&self.module.body[..], |(f, _)| &f.body[..]);
        body.iter().for_each(|s| finder.visit_stmt(s));
        finder.found
    }

    /// Whether `self.<attr>` is a layer of the given qualified type in the current class.
    /// Whether `expr` is `self.<attr>` holding a module class of this file (`self.body =
    /// Block()`).
    pub fn is_local_module(&self, expr: &Expr) -> bool {
        self_attribute(expr).is_some_and(|attr| {
            self.class_info()
                .is_some_and(|c| c.local_modules.contains_key(attr))
        })
    }

    pub fn layer_type(&self, expr: &Expr) -> Option<&'a str> {
        let attr = self_attribute(expr)?;
        self.class_info()?.layers.get(attr).map(String::as_str)
    }

    /// Range of a whole line-based statement including its indentation and newline, for
    /// deleting it; `None` when the statement shares its line with others.
    pub fn statement_lines(&self, stmt: &Stmt) -> Option<Range<usize>> {
        let range = span(stmt);
        let line_start = self.text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        if !self.text[line_start..range.start].trim().is_empty() {
            return None;
        }
        let rest = &self.text[range.end..];
        let newline = rest.find('\n');
        let tail = &rest[..newline.unwrap_or(rest.len())];
        let tail_trimmed = tail.trim_start();
        if !(tail_trimmed.is_empty() || tail_trimmed.starts_with('#')) {
            return None;
        }
        let end = newline.map_or(self.text.len(), |n| range.end + n + 1);
        Some(line_start..end)
    }

    /// Indentation of the line a node starts on.
    pub fn indent_of(&self, node: &impl Ranged) -> &'a str {
        let start = span(node).start;
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line = &self.text[line_start..];
        &line[..line.len() - line.trim_start().len()]
    }

    /// An edit that removes a statement: its lines when it has its own lines, replaced by
    /// `pass` when it is the only statement of its block.
    pub fn delete_statement(&self, stmt: &Stmt, sole_in_block: bool) -> Option<Edit> {
        if sole_in_block {
            return Some(Edit::replace(span(stmt), "pass"));
        }
        self.statement_lines(stmt).map(Edit::delete)
    }

    /// Whether `stmt` is the only statement of the block that holds it.
    pub fn is_sole_statement(&self, stmt: &Stmt) -> bool {
        let parent = self
            .stmt_stack
            .iter()
            .rev()
            .find(|s| !std::ptr::eq(**s, stmt));
        let Some(parent) = parent else { return false };
        crate::parse::blocks(parent)
            .iter()
            .any(|block| block.len() == 1 && std::ptr::eq(&block[0], stmt))
    }
}

/// Shorthands for building templates.
pub fn text(s: impl Into<String>) -> Piece {
    Piece::Text(s.into())
}

pub fn hole(node: &impl Ranged) -> Piece {
    Piece::Source(span(node))
}

/// What replaces a call by its argument (`nn.Parameter(t)` → `t`): the argument, in
/// parentheses when it spans lines, since the call's brackets no longer hold its line breaks.
pub fn unwrapped(text: &str, argument: &Expr) -> Vec<Piece> {
    let range = span(argument);
    if !text[range.clone()].contains('\n') {
        return vec![Piece::Source(range)];
    }
    match postfix_hole(text, argument) {
        // Parentheses around the argument (its own, or the call's): they hold the breaks.
        Piece::Source(parenthesised) if parenthesised != range => {
            vec![Piece::Source(parenthesised)]
        }
        _ => vec![
            Piece::Text("(".into()),
            Piece::Source(range),
            Piece::Text(")".into()),
        ],
    }
}

/// Names, attributes, calls, subscripts and literals bind tighter than any operator.
fn is_atom(node: &Expr) -> bool {
    matches!(
        node,
        Expr::Name(_)
            | Expr::Attribute(_)
            | Expr::Call(_)
            | Expr::Subscript(_)
            | Expr::NumberLiteral(_)
            | Expr::List(_)
            | Expr::Tuple(_)
            | Expr::Dict(_)
            | Expr::StringLiteral(_)
    )
}

/// An operand for an operator context: atoms as they are, anything else parenthesised
/// (`F.linear(x + h, w)` → `((x + h) @ w.T)`, not `(x + h @ w.T)`).
pub fn operand(node: &Expr) -> Vec<Piece> {
    if is_atom(node) {
        vec![hole(node)]
    } else {
        vec![text("("), hole(node), text(")")]
    }
}

/// A hole for an expression that a postfix (`.shape`, `[i]`, `.astype(...)`) will follow:
/// it keeps the parentheses the source had around it, since a receiver like `(x * 2)` needs
/// them (ruff's ranges exclude parentheses). An atom keeps them only when they span lines:
/// outside brackets, the line breaks would end the statement.
pub fn postfix_hole(text: &str, node: &Expr) -> Piece {
    let range = span(node);
    let before = text[..range.start].trim_end();
    let after = text[range.end..].trim_start();
    if before.ends_with('(') && after.starts_with(')') {
        let start = before.len() - 1;
        let end = text.len() - after.len() + 1;
        if !is_atom(node) || text[start..end].contains('\n') {
            return Piece::Source(start..end);
        }
    }
    Piece::Source(range)
}

/// Integer literal value, including negative literals.
pub fn int_literal(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::NumberLiteral(number) => match &number.value {
            ast::Number::Int(int) => int.as_i64(),
            _ => None,
        },
        Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::USub => {
            int_literal(&unary.operand).map(|v| -v)
        }
        _ => None,
    }
}

pub fn keyword<'e>(call: &'e ast::ExprCall, name: &str) -> Option<&'e ast::Keyword> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
}

/// Argument by position or keyword.
pub fn argument<'e>(call: &'e ast::ExprCall, position: usize, name: &str) -> Option<&'e Expr> {
    keyword(call, name)
        .map(|k| &k.value)
        .or_else(|| call.arguments.args.get(position))
}

/// Edit removing one keyword argument together with its separating comma.
pub fn remove_keyword(text: &str, call: &ast::ExprCall, keyword: &ast::Keyword) -> Edit {
    let args = &call.arguments;
    let all: Vec<Range<usize>> = args
        .iter_source_order()
        .map(|a| match a {
            ast::ArgOrKeyword::Arg(e) => span(e),
            ast::ArgOrKeyword::Keyword(k) => span(k),
        })
        .collect();
    let own = span(keyword);
    let index = all.iter().position(|r| *r == own).unwrap_or(0);
    let range = if index > 0 {
        all[index - 1].end..own.end
    } else if let Some(next) = all.get(1) {
        own.start..next.start
    } else {
        // Only argument: remove it, keep any trailing comma-free parentheses intact.
        let close = span(args).end - 1;
        let end = text[own.end..close]
            .find(',')
            .map_or(own.end, |c| own.end + c + 1);
        own.start..end
    };
    Edit::delete(range)
}
