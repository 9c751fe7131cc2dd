//! A torch import that the port still needs only inside functions moves into those functions.
//!
//! Why: a module that imports torch at its top cannot be imported without torch, even when the
//! only torch left is in a helper the model never calls (`model_zoo.load_url` for pretrained
//! weights, a scheduler factory). Imported where it is used, torch is needed only when such a
//! function runs; the port audit still names every use.

use std::ops::Range;

use crate::parse::ast::{self, Stmt};
use crate::parse::span;

/// A function an import can move into: its body, and the line starts of its body's
/// statements (after a docstring), which share one indentation.
pub struct Home {
    body: Range<usize>,
    statements: Vec<usize>,
    indent: String,
}

/// Where a moved import goes: the start of the line of the function's first statement that
/// uses the name, with the body's indentation. The statements before it run without torch
/// (a constructor that returns before its CUDA-only branch never imports it).
pub struct Placement<'h> {
    pub at: usize,
    pub indent: &'h str,
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
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let start = span(anchor).start;
    let indent = &text[line_start(start)..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None; // `def f(): return x` on one line: no line to put an import on
    }
    let from_anchor = function.body.iter().skip_while(|s| span(*s).start < start);
    Some(Home {
        body: span(first).start..span(last).end,
        // Statements sharing a line (`a = 1; b = 2`) share its start.
        statements: from_anchor
            .map(|s| line_start(span(s).start))
            .filter(|&at| text[at..].starts_with(indent))
            .collect(),
        indent: indent.to_string(),
    })
}

/// Where the import of a name goes in each function using it (`uses`), or None when a use is
/// outside any function (module or class level, a signature, a decorator): then the import
/// stays where it is.
pub fn homes_of(
    homes: &[Home],
    uses: impl IntoIterator<Item = Range<usize>>,
) -> Option<Vec<Placement<'_>>> {
    let mut first_use: Vec<(&Home, usize)> = Vec::new();
    for range in uses {
        let home = homes
            .iter()
            .find(|h| h.body.start <= range.start && range.end <= h.body.end)?;
        match first_use.iter_mut().find(|(h, _)| std::ptr::eq(*h, home)) {
            Some((_, at)) => *at = (*at).min(range.start),
            None => first_use.push((home, range.start)),
        }
    }
    let placements: Vec<Placement> = first_use
        .into_iter()
        .map(|(home, used_at)| Placement {
            // The body's first statement (always listed) when no other starts before the use.
            at: home
                .statements
                .iter()
                .rev()
                .find(|&&s| s <= used_at)
                .or(home.statements.first())
                .copied()
                .unwrap_or(home.body.start),
            indent: &home.indent,
        })
        .collect();
    (!placements.is_empty()).then_some(placements)
}
