//! The parser boundary. `ruff_python_parser` has an unstable API (pinned `=0.0.10`), so the
//! parser is called from here only; the rest of portui sees its AST through the re-exports
//! below and gets errors as portui's own `SyntaxError`.

mod rejected;

pub use ruff_python_ast as ast;
pub use ruff_python_ast::visitor;
pub use ruff_text_size::{Ranged, TextRange, TextSize};

/// A file that does not parse: where and why, in the parser's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// Parse a whole module. Errors are reported, never panicked on: the parser recovers and we
/// report its first error. What CPython rejects and the parser accepts is an error too.
pub fn parse_module(text: &str) -> Result<ast::ModModule, SyntaxError> {
    let parsed = ruff_python_parser::parse_module(text).map_err(|error| SyntaxError {
        offset: error.location.start().to_usize(),
        message: printable(&error.error.to_string()),
    })?;
    match rejected::first_fault(text, parsed.tokens()) {
        Some(fault) => Err(fault),
        None => Ok(parsed.into_syntax()),
    }
}

/// Control characters (a NUL byte in the source, say) escaped, so messages print safely.
fn printable(message: &str) -> String {
    message
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\x{:02x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Byte range of any node, as the `usize` range the edit engine works with.
pub fn span(node: &impl Ranged) -> std::ops::Range<usize> {
    let range = node.range();
    range.start().to_usize()..range.end().to_usize()
}

/// The statement lists a compound statement holds (its body, else, handlers...).
pub fn blocks(stmt: &ast::Stmt) -> Vec<&[ast::Stmt]> {
    match stmt {
        ast::Stmt::FunctionDef(f) => vec![&f.body],
        ast::Stmt::ClassDef(c) => vec![&c.body],
        ast::Stmt::For(f) => vec![&f.body, &f.orelse],
        ast::Stmt::While(w) => vec![&w.body, &w.orelse],
        ast::Stmt::If(i) => std::iter::once(i.body.as_slice())
            .chain(i.elif_else_clauses.iter().map(|c| c.body.as_slice()))
            .collect(),
        ast::Stmt::With(w) => vec![&w.body],
        ast::Stmt::Try(t) => {
            let mut v: Vec<&[ast::Stmt]> = vec![&t.body, &t.orelse, &t.finalbody];
            v.extend(t.handlers.iter().map(|h| {
                let ast::ExceptHandler::ExceptHandler(h) = h;
                h.body.as_slice()
            }));
            v
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_first_syntax_error_with_offset() {
        let error = parse_module("x = (1,\n").unwrap_err();
        assert!(error.offset > 0);
        assert!(!error.message.is_empty());
    }

    #[test]
    fn parses_modern_syntax() {
        assert!(parse_module("x = f\"{a!r:>{w}}\"\nmatch x:\n    case 1: pass\n").is_ok());
    }
}
