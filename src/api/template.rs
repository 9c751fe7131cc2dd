//! An entry's MLX form: Python text with references to the torch call's arguments.
//!
//! - `{input}`: the argument bound to the parameter `input` (its source, with whatever other
//!   rewrites accepted inside it). When the call does not pass it, torch's default is
//!   written, so a default MLX does not share becomes explicit.
//! - `{eps=1e-6}`: like `{eps}`, but this text when the call does not pass it.
//! - `{? ...}`: an optional group, written only when the call passes every parameter named
//!   inside it: `mx.sum({input}{?, axis={dim}})` (an explicit `None` for a parameter whose
//!   default is `None` is not passing it).
//! - `{size|tuple}`: a shape, always a sequence: one scalar argument `n` is written `(n,)`
//!   (MLX's random functions take no bare int shape).
//! - `{*operands}`: a varargs parameter's arguments as they were given (`a, b`); `{**rest}`
//!   a keyword varargs parameter's keywords (`h=2, w=3`).
//! - `{self}`: the receiver of a Tensor method.
//! - `{{` and `}}`: literal braces.
//!
//! A varargs parameter (`*size`) is written as the one argument given, or as a tuple of all
//! of them (`(2, 3)`, `(*shape,)`).

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// As written in the table.
    pub source: String,
    pub segments: Vec<Segment>,
    /// For a tuple `(a, b)` (torch's `(values, indices)` results): each element's own
    /// template, so `x.max(1)[0]` and `x.max(1).values` become the values alone.
    pub elements: Vec<Template>,
    /// Worked out once: the matcher asks at every call it rewrites.
    operator: bool,
}

/// How a reference writes its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefForm {
    /// As given; a varargs parameter's arguments as one tuple (unless there is one).
    Plain,
    /// A shape that must be a sequence (`{size|tuple}`).
    Tuple,
    /// A varargs parameter's arguments, comma-separated (`{*operands}`); a keyword varargs
    /// parameter's keywords (`{**axes}` → `h=2, w=3`).
    Spread,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Text(String),
    Ref {
        param: String,
        /// Written when the call does not pass the parameter (instead of torch's default).
        otherwise: Option<String>,
        form: RefForm,
    },
    Group(Vec<Segment>),
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut chars = source.char_indices().peekable();
        let segments = parse_segments(source, &mut chars, false)?;
        let elements = match tuple_elements(source) {
            Some(elements) => elements
                .into_iter()
                .map(Template::parse)
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(Template {
            source: source.to_string(),
            segments,
            elements,
            operator: false,
        }
        .with_forms())
    }

    /// Every parameter the template names, groups included.
    pub fn params(&self) -> Vec<&str> {
        fn collect<'s>(segments: &'s [Segment], out: &mut Vec<&'s str>) {
            for segment in segments {
                match segment {
                    Segment::Text(_) => {}
                    Segment::Ref { param, .. } => out.push(param),
                    Segment::Group(inner) => collect(inner, out),
                }
            }
        }
        let mut out = Vec::new();
        collect(&self.segments, &mut out);
        out
    }

    /// How many times the template names `param`.
    pub fn uses(&self, param: &str) -> usize {
        self.params().iter().filter(|p| **p == param).count()
    }

    fn with_forms(mut self) -> Template {
        self.operator = self.find_operator_expression();
        self
    }

    /// Whether the template's outermost form is an operator expression (`{self} + {other}`),
    /// which needs parentheses where the call was an operand or a receiver.
    pub fn is_operator_expression(&self) -> bool {
        self.operator
    }

    fn find_operator_expression(&self) -> bool {
        fn flatten(segments: &[Segment], out: &mut String) {
            for segment in segments {
                match segment {
                    Segment::Text(text) => out.push_str(text),
                    Segment::Ref { .. } => out.push('R'),
                    Segment::Group(inner) => flatten(inner, out),
                }
            }
        }
        let mut outer = String::new();
        flatten(&self.segments, &mut outer);
        let (mut depth, mut quote) = (0i32, None);
        for c in outer.chars() {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                // Any operator (or the space around a keyword operator) outside brackets.
                ' ' | '+' | '-' | '*' | '/' | '%' | '@' | '<' | '>' | '=' | '!' | '&' | '|'
                | '^' | '~'
                    if depth == 0 =>
                {
                    return true;
                }
                _ => {}
            }
        }
        false
    }
}

/// The elements of a template that is one parenthesised tuple: `(a, b)` → `a`, `b`.
fn tuple_elements(source: &str) -> Option<Vec<&str>> {
    let inner = source.strip_prefix('(')?.strip_suffix(')')?;
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    let mut elements = Vec::new();
    for (i, c) in inner.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth < 0 {
                    return None; // `(a)(b)`: the parentheses do not enclose the whole
                }
            }
            ',' if depth == 0 => {
                elements.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    elements.push(inner[start..].trim());
    elements.retain(|e| !e.is_empty());
    (elements.len() > 1).then_some(elements)
}

type Chars<'s> = std::iter::Peekable<std::str::CharIndices<'s>>;

fn parse_segments(source: &str, chars: &mut Chars, in_group: bool) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut text = String::new();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().is_some_and(|(_, n)| *n == '}') => {
                chars.next();
                text.push('}');
            }
            '}' if in_group => {
                flush(&mut text, &mut segments);
                return Ok(segments);
            }
            '}' => return Err(format!("`}}` without `{{` at {at} in `{source}`")),
            '{' if chars.peek().is_some_and(|(_, n)| *n == '?') => {
                chars.next();
                flush(&mut text, &mut segments);
                segments.push(Segment::Group(parse_segments(source, chars, true)?));
            }
            '{' => {
                flush(&mut text, &mut segments);
                let mut inside = String::new();
                loop {
                    match chars.next() {
                        Some((_, '}')) => break,
                        Some((_, c)) => inside.push(c),
                        None => return Err(format!("unclosed `{{` at {at} in `{source}`")),
                    }
                }
                let (param, otherwise) = match inside.split_once('=') {
                    Some((param, otherwise)) => (param.trim(), Some(otherwise.trim().to_string())),
                    None => (inside.trim(), None),
                };
                let (param, form) = if let Some(param) = param.strip_suffix("|tuple") {
                    (param, RefForm::Tuple)
                } else if let Some(param) =
                    param.strip_prefix("**").or_else(|| param.strip_prefix('*'))
                {
                    (param, RefForm::Spread)
                } else {
                    (param, RefForm::Plain)
                };
                if param.is_empty() || !param.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err(format!(
                        "`{{{inside}}}` is not a parameter reference in `{source}`"
                    ));
                }
                segments.push(Segment::Ref {
                    param: param.to_string(),
                    otherwise,
                    form,
                });
            }
            _ => text.push(c),
        }
    }
    if in_group {
        return Err(format!("unclosed `{{?` in `{source}`"));
    }
    flush(&mut text, &mut segments);
    Ok(segments)
}

fn flush(text: &mut String, segments: &mut Vec<Segment>) {
    if !text.is_empty() {
        segments.push(Segment::Text(std::mem::take(text)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_groups_and_escapes() {
        let t =
            Template::parse("mx.sum({input}{?, axis={dim}}, ddof={c=1}) + {{}}").expect("parses");
        assert_eq!(t.params(), vec!["input", "dim", "c"]);
        assert_eq!(
            t.segments[2],
            Segment::Group(vec![
                Segment::Text(", axis=".into()),
                Segment::Ref {
                    param: "dim".into(),
                    otherwise: None,
                    form: RefForm::Plain
                }
            ])
        );
        assert!(Template::parse("mx.f({x)").is_err());
        assert!(Template::parse("mx.f({?x)").is_err());
    }

    #[test]
    fn tuples_have_elements() {
        let t = Template::parse("({self}.max({dim}), {self}.argmax({dim}))").expect("parses");
        let elements: Vec<&str> = t.elements.iter().map(|e| e.source.as_str()).collect();
        assert_eq!(elements, vec!["{self}.max({dim})", "{self}.argmax({dim})"]);
        assert!(
            Template::parse("mx.f({x})")
                .expect("parses")
                .elements
                .is_empty()
        );
        assert!(
            Template::parse("({x})({y}, {z})")
                .expect("parses")
                .elements
                .is_empty()
        );
    }

    #[test]
    fn operator_expressions_are_told_from_calls() {
        let op = |s: &str| Template::parse(s).expect("parses").is_operator_expression();
        assert!(op("{self} + {other}"));
        assert!(op("-{self}"));
        assert!(!op("mx.sum({input}, axis={dim})"));
        assert!(!op("{self}.astype(mx.float32)"));
        assert!(!op("{self}[..., ::-1]"));
        assert!(!op("mx.where({mask}, {value}, {self})"));
    }
}
