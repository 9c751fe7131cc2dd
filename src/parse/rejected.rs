//! What CPython rejects and ruff's parser accepts: a file that CPython will not compile must
//! be a syntax error here too, with its position, so that nothing is written for it and no
//! port keeps the fault.
//!
//! - a NUL byte anywhere, inside strings and comments too ("source code string cannot
//!   contain null bytes");
//! - a carriage return without a line feed inside a single-quoted f-string (CPython ends the
//!   string there: "unterminated string literal");
//! - indentation that depends on the width of a tab: CPython measures each line's indent
//!   with tabs of width 8 and of width 1, and the two must order the lines the same way
//!   (`TabError: inconsistent use of tabs and spaces in indentation`); a dedent must land on
//!   an outer level ("unindent does not match any outer indentation level");
//! - a keyword argument given twice in one call (`f(device=d, device=d)`: "keyword argument
//!   repeated"), or a parameter with a default given twice in one definition.

use super::SyntaxError;
use ruff_python_ast::token::{Token, TokenKind};
use ruff_text_size::Ranged;

/// The first fault CPython would report, in source order of the checks above.
pub fn first_fault(text: &str, tokens: &[Token]) -> Option<SyntaxError> {
    nul_byte(text)
        .or_else(|| carriage_return_in_fstring(text, tokens))
        .or_else(|| inconsistent_indentation(text, tokens))
        .or_else(|| repeated_keyword(text, tokens))
}

/// `name=` twice in one pair of call (or definition) parentheses, read off the tokens: a
/// `name =` right after `(` or `,` is a keyword there, except among a lambda's parameters
/// (up to its `:`).
fn repeated_keyword(text: &str, tokens: &[Token]) -> Option<SyntaxError> {
    struct Brackets<'t> {
        call: bool,
        keywords: Vec<&'t str>,
        open_lambdas: usize,
    }
    let trivia =
        |kind: TokenKind| matches!(kind, TokenKind::Comment | TokenKind::NonLogicalNewline);
    let mut stack: Vec<Brackets> = Vec::new();
    let mut previous = None;
    for (i, token) in tokens.iter().enumerate() {
        let kind = token.kind();
        if trivia(kind) {
            continue;
        }
        match kind {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => stack.push(Brackets {
                call: kind == TokenKind::Lpar
                    && matches!(
                        previous,
                        Some(TokenKind::Name | TokenKind::Rpar | TokenKind::Rsqb)
                    ),
                keywords: Vec::new(),
                open_lambdas: 0,
            }),
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                stack.pop();
            }
            TokenKind::Lambda => {
                if let Some(top) = stack.last_mut() {
                    top.open_lambdas += 1;
                }
            }
            TokenKind::Colon => {
                if let Some(top) = stack.last_mut() {
                    top.open_lambdas = top.open_lambdas.saturating_sub(1);
                }
            }
            TokenKind::Name if matches!(previous, Some(TokenKind::Lpar | TokenKind::Comma)) => {
                let keyword = tokens[i + 1..]
                    .iter()
                    .find(|next| !trivia(next.kind()))
                    .is_some_and(|next| next.kind() == TokenKind::Equal);
                if let Some(top) = stack
                    .last_mut()
                    .filter(|top| keyword && top.call && top.open_lambdas == 0)
                {
                    let name = &text[token.range()];
                    if top.keywords.contains(&name) {
                        return Some(SyntaxError {
                            offset: token.start().to_usize(),
                            message: format!("keyword argument repeated: `{name}` is given twice"),
                        });
                    }
                    top.keywords.push(name);
                }
            }
            _ => {}
        }
        previous = Some(kind);
    }
    None
}

fn nul_byte(text: &str) -> Option<SyntaxError> {
    let offset = memchr::memchr(0, text.as_bytes())?;
    Some(SyntaxError {
        offset,
        message: "source code cannot contain null bytes (a NUL byte, \\x00, is here)".into(),
    })
}

fn carriage_return_in_fstring(text: &str, tokens: &[Token]) -> Option<SyntaxError> {
    // Start offsets of the single-quoted f-strings open at this point (they nest).
    let mut open: Vec<Option<usize>> = Vec::new();
    for token in tokens {
        match token.kind() {
            TokenKind::FStringStart => {
                open.push((!token.is_triple_quoted_string()).then(|| token.start().to_usize()))
            }
            TokenKind::FStringEnd => {
                if let Some(Some(start)) = open.pop() {
                    let end = token.end().to_usize();
                    let bytes = &text.as_bytes()[start..end];
                    let bare = memchr::memchr_iter(b'\r', bytes)
                        .find(|&i| bytes.get(i + 1) != Some(&b'\n'));
                    if let Some(i) = bare {
                        return Some(SyntaxError {
                            offset: start + i,
                            message: "a carriage return inside a single-quoted f-string ends it: unterminated string literal".into(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// CPython's tokenizer check: each logical line's indent measured with tabs of width 8
/// (`col`) and 1 (`alt`); both measures must agree on deeper, equal or shallower.
fn inconsistent_indentation(text: &str, tokens: &[Token]) -> Option<SyntaxError> {
    let mut levels: Vec<(usize, usize)> = vec![(0, 0)];
    let mut at_line_start = true;
    for token in tokens {
        match token.kind() {
            TokenKind::Newline => {
                at_line_start = true;
                continue;
            }
            TokenKind::Indent
            | TokenKind::Dedent
            | TokenKind::Comment
            | TokenKind::NonLogicalNewline => continue,
            _ if !at_line_start => continue,
            _ => at_line_start = false,
        }
        let start = token.start().to_usize();
        let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let (col, alt) = indent_widths(&text[line_start..start]);
        let fault = |message: &str| {
            Some(SyntaxError {
                offset: line_start,
                message: message.into(),
            })
        };
        let &(top_col, top_alt) = levels.last().expect("the outermost level stays");
        if col == top_col {
            if alt != top_alt {
                return fault(TAB_ERROR);
            }
        } else if col > top_col {
            if alt <= top_alt {
                return fault(TAB_ERROR);
            }
            levels.push((col, alt));
        } else {
            while levels.len() > 1 && col < levels[levels.len() - 1].0 {
                levels.pop();
            }
            let &(outer_col, outer_alt) = levels.last().expect("the outermost level stays");
            if col != outer_col {
                return fault("unindent does not match any outer indentation level");
            }
            if alt != outer_alt {
                return fault(TAB_ERROR);
            }
        }
    }
    None
}

const TAB_ERROR: &str = "inconsistent use of tabs and spaces in indentation (TabError)";

/// An indent's width with tabs to the next multiple of 8, and with tabs of width 1; a form
/// feed starts both again, as in CPython.
fn indent_widths(indent: &str) -> (usize, usize) {
    let (mut col, mut alt) = (0, 0);
    for c in indent.chars() {
        match c {
            ' ' => {
                col += 1;
                alt += 1;
            }
            '\t' => {
                col = (col / 8 + 1) * 8;
                alt += 1;
            }
            '\x0c' => (col, alt) = (0, 0),
            _ => break,
        }
    }
    (col, alt)
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_module;

    fn fault(source: &str) -> Option<(usize, String)> {
        parse_module(source).err().map(|e| (e.offset, e.message))
    }

    #[test]
    fn a_nul_byte_in_a_string_or_comment_is_an_error_at_its_offset() {
        for source in ["x = 'a\0b'\n", "x = 1  # a\0b\n"] {
            let (offset, message) = fault(source).expect("rejected");
            assert_eq!(offset, source.find('\0').unwrap());
            assert!(message.contains("null bytes"), "{message}");
        }
    }

    #[test]
    fn a_bare_carriage_return_in_an_fstring_field_is_an_error() {
        let source = "x = 1\ny = f\"{x\r}\"\n";
        assert_eq!(fault(source).map(|f| f.0), Some(source.find('\r').unwrap()));
        // A triple-quoted f-string may hold one; so may code outside f-strings.
        assert_eq!(fault("x = 1\ny = f\"\"\"{x\r}\"\"\"\n"), None);
        assert_eq!(fault("x = 1\ry = 2\n"), None);
    }

    #[test]
    fn a_keyword_argument_given_twice_is_an_error() {
        // Rejected by CPython 3.11: "keyword argument repeated".
        let source = "x = f(\n    (2, 3),\n    device=d,\n    device=d,\n)\n";
        let (offset, message) = fault(source).expect("rejected");
        assert_eq!(offset, source.rfind("device").unwrap());
        assert!(message.contains("repeated"), "{message}");
        assert!(fault("class A(B, metaclass=M, metaclass=N):\n    pass\n").is_some());
        // The same name in another call, a lambda's parameters or a nested call is fine.
        for source in [
            "f(a=1)(a=2)\n",
            "f(key=lambda a, b=1: a, b=2)\n",
            "f(a=g(a=1), b=lambda a=1: a)\n",
            "f(a=x[1:2], b={1: 2}, c=(lambda: 1), a_=2)\n",
            "def g(a=1, b=2):\n    return f(a=a, b=b)\n",
        ] {
            assert_eq!(fault(source), None, "{source:?}");
        }
    }

    #[test]
    fn indentation_that_depends_on_the_tab_width_is_an_error() {
        // Each rejected by CPython 3.11 (TabError, or an unindent to no outer level).
        for source in [
            "if x:\n\tif y:\n        z = 1\n\tw = 2\n",
            "if x:\n\tif y:\n    \tz = 1\n\tw = 2\n",
            "if x:\n\tif y:\n    z = 1\n\tw = 2\n",
        ] {
            let (offset, message) = fault(source).expect("rejected");
            assert_eq!(
                offset,
                source.match_indices('\n').nth(1).unwrap().0 + 1,
                "{source:?}"
            );
            assert!(message.contains("indent"), "{message}");
        }
        // Consistent tabs, consistent spaces, and continuation lines are fine.
        assert_eq!(fault("if x:\n\ty = 1\n\tz = 2\n"), None);
        assert_eq!(fault("if x:\n    y = (1,\n\t2)\n    z = 2\n"), None);
    }
}
