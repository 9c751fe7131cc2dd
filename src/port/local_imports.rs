//! A torch import that the port still needs only inside functions moves into those functions.
//!
//! Why: a module that imports torch at its top cannot be imported without torch, even when the
//! only torch left is in a helper the model never calls (`model_zoo.load_url` for pretrained
//! weights, a scheduler factory). Imported where it is used, torch is needed only when such a
//! function runs; the port audit still names every use.

use std::ops::Range;

use crate::parse::ast::{self, Stmt};
use crate::parse::span;

/// Where an import goes in a function: the start of its first statement's line (after a
/// docstring), with that statement's indentation.
pub struct Home {
    body: Range<usize>,
    pub at: usize,
    pub indent: String,
}

/// The functions of a module a top-level import could move into: module-level functions and
/// methods of module-level classes.
pub fn homes(text: &str, module: &ast::ModModule) -> Vec<Home> {
    let mut homes = Vec::new();
    for stmt in &module.body {
        match stmt {
            Stmt::FunctionDef(function) => homes.extend(home(text, function)),
            Stmt::ClassDef(class) => homes.extend(class.body.iter().filter_map(|s| match s {
                Stmt::FunctionDef(function) => home(text, function),
                _ => None,
            })),
            _ => {}
        }
    }
    homes
}

fn home(text: &str, function: &ast::StmtFunctionDef) -> Option<Home> {
    let (first, last) = (function.body.first()?, function.body.last()?);
    let docstring = matches!(first, Stmt::Expr(e) if e.value.is_string_literal_expr());
    let anchor = if docstring {
        function.body.get(1)?
    } else {
        first
    };
    let start = span(anchor).start;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None; // `def f(): return x` on one line: no line to put an import on
    }
    Some(Home {
        body: span(first).start..span(last).end,
        at: line_start,
        indent: indent.to_string(),
    })
}

/// The homes of the functions whose bodies hold every use (`uses`) of a name, or None when a
/// use is outside any (module or class level, a signature, a decorator): then the import
/// stays where it is.
pub fn homes_of(
    homes: &[Home],
    uses: impl IntoIterator<Item = Range<usize>>,
) -> Option<Vec<&Home>> {
    let mut found: Vec<&Home> = Vec::new();
    for range in uses {
        let home = homes
            .iter()
            .find(|h| h.body.start <= range.start && range.end <= h.body.end)?;
        if !found.iter().any(|f| std::ptr::eq(*f, home)) {
            found.push(home);
        }
    }
    (!found.is_empty()).then_some(found)
}
