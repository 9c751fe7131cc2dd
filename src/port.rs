//! From decisions to ported text: apply the accepted edits on the original text, re-parse,
//! make the imports exactly what the result needs, re-parse again. Code that does not parse
//! is never returned, so it can never be written.

use crate::audit::scope::{Scope, Source};
use crate::fix::{Edit, EditsByPosition, Piece, apply_edits, select_compatible};
use crate::parse::ast::{self, Expr, Stmt};
use crate::parse::visitor::{self, Visitor};
use crate::parse::{blocks, parse_module, span};
use crate::rules::Finding;
use crate::semantic::{Semantic, is_torch};

mod local_imports;
use std::collections::{BTreeSet, HashSet};
use std::ops::Range;

/// Module name of the shims a port may use; written beside the ported files that use them.
pub const SHIMS_MODULE: &str = "portui_shims";
pub const SHIMS_SOURCE: &str = include_str!("port/portui_shims.py");

/// The imports each MLX-side name needs, in the order they are written.
const MLX_IMPORTS: &[(&str, &str)] = &[
    ("math", "import math"),
    ("typing", "import typing"),
    ("np", "import numpy as np"),
    ("mx", "import mlx.core as mx"),
    ("nn", "import mlx.nn as nn"),
    ("optim", "import mlx.optimizers as optim"),
    ("tree_flatten", "from mlx.utils import tree_flatten"),
    ("tree_unflatten", "from mlx.utils import tree_unflatten"),
    ("tree_map", "from mlx.utils import tree_map"),
    (SHIMS_MODULE, SHIMS_IMPORT),
];

/// How a port imports its shims. A copy is written beside every ported file that uses them,
/// so the import works however the file runs: inside a package (`from .`), or as a script or
/// a top-level module, from its own directory or another (`python sub/train.py`), where the
/// relative import raises ImportError and the file's own directory is on `sys.path`.
pub const SHIMS_IMPORT: &str = "try:  # portui's helpers, written beside this file\n    from . import portui_shims\nexcept ImportError:\n    import portui_shims";

#[derive(Debug)]
pub struct Ported {
    pub text: String,
    /// Indices (into the findings given) whose edits were applied.
    pub applied: Vec<usize>,
    /// Accepted findings left out because they overlap an earlier one.
    pub conflicts: Vec<usize>,
    pub uses_shims: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortError {
    pub message: String,
}

/// Apply the accepted findings (`accept(i)` for finding `i`) to `original`.
pub fn port(
    original: &str,
    findings: &[Finding],
    accept: impl Fn(usize) -> bool,
) -> Result<Ported, PortError> {
    let candidates: Vec<usize> = (0..findings.len())
        .filter(|&i| accept(i) && !findings[i].edits.is_empty())
        .collect();
    let fixes: Vec<crate::fix::Fix> = candidates
        .iter()
        .map(|&i| crate::fix::Fix::new(findings[i].applicability, findings[i].edits.clone()))
        .collect();
    let (kept, conflicting) = select_compatible(&fixes);
    let applied: Vec<usize> = kept.iter().map(|&k| candidates[k]).collect();
    // Each distinct edit once: two rules may propose the same one.
    let mut seen = HashSet::new();
    let edits: Vec<&Edit> = applied
        .iter()
        .flat_map(|&i| findings[i].edits.iter())
        .filter(|edit| seen.insert(*edit))
        .collect();
    let conflicts: Vec<usize> = conflicting.iter().map(|&k| candidates[k]).collect();
    if edits.is_empty() {
        return Ok(Ported {
            text: original.to_string(),
            applied,
            conflicts,
            uses_shims: false,
        });
    }
    let edited = apply_edits(original, &edits);
    let (still_torch, loaded_before) = torch_names_still_used(original, &edits);
    // Parsed once here; the duplicate-keyword check and the import rewrite reuse the tree.
    let (edited, module) = match parse_module(&edited) {
        Ok(module) => (edited, module),
        // Removing every statement of a block (device moves under `if use_cuda:`) leaves it
        // empty: such a block gets `pass`.
        Err(error) => {
            match fill_empty_blocks(&edited)
                .and_then(|filled| parse_module(&filled).ok().map(|module| (filled, module)))
            {
                Some(filled) => filled,
                None => {
                    let line_number = edited[..error.offset.min(edited.len())]
                        .matches('\n')
                        .count()
                        + 1;
                    let line = edited.lines().nth(line_number - 1).unwrap_or("").trim();
                    return Err(PortError {
                        message: format!(
                            "the accepted edits produce code that does not parse ({} at port line {line_number}: `{line}`); nothing was written",
                            error.message
                        ),
                    });
                }
            }
        }
    };
    if let Some(duplicate) = duplicate_keyword(&module) {
        return Err(PortError {
            message: format!(
                "the accepted edits pass `{duplicate}` twice to one call; nothing was written"
            ),
        });
    }
    let text = normalise_imports(&edited, &module, &still_torch, &loaded_before)?;
    let uses_shims = text.contains(SHIMS_MODULE);
    Ok(Ported {
        text,
        applied,
        conflicts,
        uses_shims,
    })
}

/// Insert `pass` into blocks left without statements: a line ending in `:` whose next code
/// line is not indented deeper.
fn fill_empty_blocks(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    for (index, line) in lines.iter().enumerate() {
        out.push_str(line);
        let code = line.split('#').next().unwrap_or("").trim_end();
        if !code.ends_with(':') {
            continue;
        }
        let next = lines[index + 1..]
            .iter()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if next.is_none_or(|next| indent(next) <= indent(line)) {
            if !line.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("{}    pass\n", &line[..indent(line)]));
            changed = true;
        }
    }
    changed.then_some(out)
}

/// The first keyword passed twice to one call (the parser accepts it; Python does not).
fn duplicate_keyword(module: &ast::ModModule) -> Option<String> {
    #[derive(Default)]
    struct Duplicates {
        found: Option<String>,
    }
    impl<'a> Visitor<'a> for Duplicates {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr {
                let names: Vec<&str> = call
                    .arguments
                    .keywords
                    .iter()
                    .filter_map(|k| k.arg.as_ref().map(|a| a.as_str()))
                    .collect();
                for (i, name) in names.iter().enumerate() {
                    if names[..i].contains(name) && self.found.is_none() {
                        self.found = Some((*name).to_string());
                    }
                }
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut duplicates = Duplicates::default();
    module
        .body
        .iter()
        .for_each(|stmt| duplicates.visit_stmt(stmt));
    duplicates.found
}

/// Local names bound to torch that still have uses not replaced by an accepted edit; and every
/// name the original loads.
fn torch_names_still_used(original: &str, edits: &[&Edit]) -> (HashSet<String>, HashSet<String>) {
    let Ok(module) = parse_module(original) else {
        return (HashSet::new(), HashSet::new());
    };
    let semantic = Semantic::build(&module);
    let mut names = NameLoads::default();
    for stmt in &module.body {
        names.visit_stmt(stmt);
    }
    // An edit that overlaps the name changes it, even when it starts inside it: edits are
    // trimmed to what differs, so `torch.Size(` → `tuple(` only replaces `orch.Size`.
    let mut by_position = EditsByPosition::default();
    edits.iter().for_each(|edit| by_position.add(edit));
    let replaced = |range: &Range<usize>| {
        by_position.near(range).any(|edit| {
            edit.range.start < range.end
                && range.start < edit.range.end
                && !edit.pieces.iter().any(|p| matches!(p, Piece::Source(h) if h.start <= range.start && range.end <= h.end))
        })
    };
    let loaded = names.loads.iter().map(|(name, _)| name.clone()).collect();
    let still = names
        .loads
        .into_iter()
        .filter(|(name, range)| {
            semantic.qualified_binding(name).is_some_and(is_torch) && !replaced(range)
        })
        .map(|(name, _)| name)
        .collect();
    (still, loaded)
}

/// The names the module's code reads, where they are the module's own: a function's
/// parameter or local (`def max_neg_value(tensor)` beside `from torch import tensor`) is not
/// a use of the module-level import.
#[derive(Default)]
struct NameLoads<'a> {
    loads: Vec<(String, Range<usize>)>,
    /// The enclosing functions' and lambdas' scopes, innermost last.
    scopes: Vec<Scope<'a>>,
}

impl<'a> Visitor<'a> for NameLoads<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(_) | Stmt::ImportFrom(_) => {}
            Stmt::FunctionDef(function) => {
                // Decorators, defaults and annotations are read in the enclosing scope.
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                self.visit_parameters(&function.parameters);
                if let Some(returns) = &function.returns {
                    self.visit_annotation(returns);
                }
                self.scopes.push(Scope::function(function, false));
                self.visit_body(&function.body);
                self.scopes.pop();
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => {
                // (A function's own import of the name still needs its import kept.)
                let local = self.scopes.iter().any(|scope| {
                    scope.sources(name.id.as_str()).is_some_and(|sources| {
                        sources
                            .iter()
                            .any(|source| !matches!(source, Source::Import(_)))
                    })
                });
                if !local {
                    self.loads.push((name.id.to_string(), span(name)));
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                }
                self.scopes.push(Scope::lambda(lambda));
                self.visit_expr(&lambda.body);
                self.scopes.pop();
                return;
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

/// Drop torch imports nothing uses any more and add the MLX imports the code now needs.
fn normalise_imports(
    text: &str,
    module: &ast::ModModule,
    still_torch: &HashSet<String>,
    loaded_before: &HashSet<String>,
) -> Result<String, PortError> {
    let mut names = NameLoads::default();
    for stmt in &module.body {
        names.visit_stmt(stmt);
    }
    let used: HashSet<&str> = names.loads.iter().map(|(n, _)| n.as_str()).collect();
    let mut imports = ImportStatements::default();
    for stmt in &module.body {
        imports.visit_stmt(stmt);
    }
    widen_lines(text, &mut imports);
    // A torch name imported and not used here is re-exported (`from torch.hub import
    // load_state_dict_from_url  # noqa: F401`, imported from this module elsewhere): where the
    // table has a function that takes torch's parameters, the name is bound to that instead.
    let rebound = |binding: &Binding| {
        (is_torch(&binding.qualified)
            && !loaded_before.contains(&binding.local)
            && !used.contains(binding.local.as_str()))
        .then(|| {
            crate::api::table()
                .lookup(&binding.qualified)
                .find_map(|e| e.value.as_deref())
        })
        .flatten()
    };
    let rebound_roots: HashSet<&str> = imports
        .found
        .iter()
        .filter(|import| import.module_level)
        .flat_map(|import| import.bindings.iter().filter_map(rebound))
        .filter_map(|value| value.split('.').next())
        .collect();
    let mlx_needed: BTreeSet<&str> = MLX_IMPORTS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| used.contains(name) || rebound_roots.contains(name))
        .collect();
    let mut bound: HashSet<String> = HashSet::new();
    let mut edits = Vec::new();
    let homes = local_imports::homes(text, module);
    // (function, import line) for torch imports moved into the only functions that use them.
    let mut local: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut anchor: Option<usize> = None;
    for import in &imports.found {
        let mut keep: Vec<&Binding> = import
            .bindings
            .iter()
            .filter(|b| {
                !is_torch(&b.qualified)
                    || (still_torch.contains(&b.local) && !mlx_needed.contains(b.local.as_str()))
            })
            .collect();
        if import.top_level {
            keep.retain(|binding| {
                if !is_torch(&binding.qualified) {
                    return true;
                }
                let uses = names
                    .loads
                    .iter()
                    .filter(|(n, _)| *n == binding.local)
                    .map(|(_, r)| r.clone());
                let Some(functions) = local_imports::homes_of(&homes, uses) else {
                    return true;
                };
                for function in functions {
                    let line = format!("{}{}\n", function.indent, import.render(&[binding]));
                    local.insert((function.at, line));
                }
                false
            });
        }
        if keep.len() == import.bindings.len() {
            bound.extend(keep.iter().map(|b| b.local.clone()));
            continue;
        }
        bound.extend(keep.iter().map(|b| b.local.clone()));
        let rebinds: Vec<String> = if import.module_level {
            import
                .bindings
                .iter()
                .filter_map(|b| rebound(b).map(|value| format!("{} = {value}", b.local)))
                .collect()
        } else {
            Vec::new()
        };
        if import.top_level && anchor.is_none() {
            anchor = Some(import.lines.start);
        }
        let whole_lines = import.lines != import.range;
        let (indent, newline) = if whole_lines {
            (&text[import.lines.start..import.range.start], "\n")
        } else {
            ("", "")
        };
        let separator = if whole_lines {
            format!("\n{indent}")
        } else {
            "; ".to_string()
        };
        let parts: Vec<String> = (!keep.is_empty())
            .then(|| import.render(&keep))
            .into_iter()
            .chain(rebinds)
            .collect();
        let statement = if !parts.is_empty() {
            parts.join(&separator)
        } else if import.sole_in_block || !whole_lines {
            "pass".to_string()
        } else {
            String::new()
        };
        let replacement = if statement.is_empty() {
            String::new()
        } else {
            format!("{indent}{statement}{newline}")
        };
        edits.push(Edit::replace(import.lines.clone(), replacement));
    }
    let missing: Vec<&str> = MLX_IMPORTS
        .iter()
        .filter(|(name, _)| mlx_needed.contains(name) && !bound.contains(*name))
        .map(|(_, line)| *line)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let missing = merge_from_imports(missing);
    if !missing.is_empty() {
        let at = anchor.unwrap_or_else(|| default_import_position(text, module));
        edits.push(Edit::insert(
            at,
            missing.iter().map(|l| format!("{l}\n")).collect::<String>(),
        ));
    }
    edits.extend(local.into_iter().map(|(at, line)| Edit::insert(at, line)));
    let refs: Vec<&Edit> = edits.iter().collect();
    let result = apply_edits(text, &refs);
    match parse_module(&result) {
        Ok(_) => Ok(result),
        // A block of several torch imports (`if is_torch_available():` with `import torch`
        // and `import torch.nn as nn`) loses all of them: it gets `pass`.
        Err(error) => fill_empty_blocks(&result)
            .filter(|filled| parse_module(filled).is_ok())
            .ok_or_else(|| PortError {
                message: format!(
                    "rewriting the imports produced code that does not parse ({})",
                    error.message
                ),
            }),
    }
}

/// `from mlx.utils import a` + `from mlx.utils import b` → one line, in MLX_IMPORTS order.
fn merge_from_imports(lines: Vec<&str>) -> Vec<String> {
    let order = |line: &str| {
        MLX_IMPORTS
            .iter()
            .position(|(_, l)| *l == line)
            .unwrap_or(usize::MAX)
    };
    let mut sorted = lines;
    sorted.sort_by_key(|l| order(l));
    let utils: Vec<&str> = sorted
        .iter()
        .filter_map(|l| l.strip_prefix("from mlx.utils import "))
        .collect();
    let mut out: Vec<String> = sorted
        .iter()
        .filter(|l| !l.starts_with("from mlx.utils import "))
        .map(|l| l.to_string())
        .collect();
    if !utils.is_empty() {
        let position = out
            .iter()
            .position(|l| l == SHIMS_IMPORT)
            .unwrap_or(out.len());
        out.insert(
            position,
            format!("from mlx.utils import {}", utils.join(", ")),
        );
    }
    out
}

/// After the module docstring and `__future__` imports, else at the top.
fn default_import_position(text: &str, module: &ast::ModModule) -> usize {
    let mut position = 0;
    for (index, stmt) in module.body.iter().enumerate() {
        let is_docstring = index == 0
            && matches!(stmt, Stmt::Expr(e) if matches!(e.value.as_ref(), Expr::StringLiteral(_)));
        let is_future = matches!(stmt, Stmt::ImportFrom(i) if i.module.as_ref().is_some_and(|m| m.as_str() == "__future__"));
        if is_docstring || is_future {
            let end = span(stmt).end;
            position = text[end..].find('\n').map_or(text.len(), |n| end + n + 1);
        } else {
            break;
        }
    }
    position
}

struct Binding {
    local: String,
    qualified: String,
    /// Source text of the alias (`torch.nn as nn`, `functional as F`).
    written: String,
}

struct ImportStatement {
    range: Range<usize>,
    lines: Range<usize>,
    /// `from X import` prefix, or `None` for `import ...`.
    from: Option<String>,
    bindings: Vec<Binding>,
    top_level: bool,
    /// Not inside a function or class (it may be inside `try:` or `if`): its names are the
    /// module's, which other modules may import.
    module_level: bool,
    sole_in_block: bool,
}

impl ImportStatement {
    fn render(&self, keep: &[&Binding]) -> String {
        let names: Vec<&str> = keep.iter().map(|b| b.written.as_str()).collect();
        match &self.from {
            Some(module) => format!("from {module} import {}", names.join(", ")),
            None => format!("import {}", names.join(", ")),
        }
    }
}

#[derive(Default)]
struct ImportStatements {
    found: Vec<ImportStatement>,
    depth: usize,
    /// Functions and classes around the statement.
    scopes: usize,
    /// Start offsets of imports that are the only statement of their block.
    sole: HashSet<usize>,
}

impl<'a> Visitor<'a> for ImportStatements {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                let bindings = import
                    .names
                    .iter()
                    .map(|alias| {
                        let full = alias.name.as_str();
                        let (local, qualified) = match &alias.asname {
                            Some(asname) => (asname.to_string(), full.to_string()),
                            None => {
                                let root = full.split('.').next().unwrap_or(full).to_string();
                                (root.clone(), root)
                            }
                        };
                        let written = match &alias.asname {
                            Some(asname) => format!("{full} as {asname}"),
                            None => full.to_string(),
                        };
                        Binding {
                            local,
                            qualified,
                            written,
                        }
                    })
                    .collect();
                self.push(stmt, None, bindings);
            }
            Stmt::ImportFrom(import) if import.level == 0 && import.module.is_some() => {
                let module = import
                    .module
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_default();
                let bindings = import
                    .names
                    .iter()
                    .map(|alias| {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name).to_string();
                        let written = match &alias.asname {
                            Some(asname) => format!("{} as {asname}", alias.name),
                            None => alias.name.to_string(),
                        };
                        Binding {
                            local,
                            qualified: format!("{module}.{}", alias.name),
                            written,
                        }
                    })
                    .collect();
                self.push(stmt, Some(module), bindings);
            }
            _ => {
                for block in blocks(stmt) {
                    if let [only @ (Stmt::Import(_) | Stmt::ImportFrom(_))] = block {
                        self.sole.insert(span(only).start);
                    }
                }
                let scope = usize::from(matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)));
                self.depth += 1;
                self.scopes += scope;
                visitor::walk_stmt(self, stmt);
                self.depth -= 1;
                self.scopes -= scope;
            }
        }
    }
    fn visit_expr(&mut self, _: &'a Expr) {}
}

impl ImportStatements {
    fn push(&mut self, stmt: &Stmt, from: Option<String>, bindings: Vec<Binding>) {
        let range = span(stmt);
        self.found.push(ImportStatement {
            lines: range.clone(), // widened to whole lines by `widen_lines`
            range,
            from,
            bindings,
            top_level: self.depth == 0,
            module_level: self.scopes == 0,
            sole_in_block: false,
        });
    }
}

/// Whole lines of each import, so removing one leaves no blank line behind; an import that
/// shares its line with another statement keeps just its own range.
fn widen_lines(text: &str, imports: &mut ImportStatements) {
    for import in &mut imports.found {
        import.sole_in_block = imports.sole.contains(&import.range.start);
        let start = text[..import.range.start].rfind('\n').map_or(0, |i| i + 1);
        let end = text[import.range.end..]
            .find('\n')
            .map_or(text.len(), |n| import.range.end + n + 1);
        let before = &text[start..import.range.start];
        let after = text[import.range.end..end].trim();
        if before.trim().is_empty() && (after.is_empty() || after.starts_with('#')) {
            import.lines = start..end;
        }
    }
}
