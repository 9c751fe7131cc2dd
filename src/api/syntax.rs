//! Reading the table's text (the format is described at the top of `table/torch.api`) and
//! deriving the entries it implies: aliases, the Tensor-method twin of a function, and the
//! in-place `_` variant of a method.

use super::{Action, Compare, Entry, Param, ParamKind, Template};
use crate::fix::Applicability;
use rustc_hash::FxHashSet;

pub fn parse_file(file: &str, text: &str) -> Result<Vec<Written>, String> {
    let mut entries: Vec<Written> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let origin = format!("{file}:{}", number + 1);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            entries.push(Written::header(trimmed, origin)?);
            continue;
        }
        let entry = entries
            .last_mut()
            .ok_or_else(|| format!("{origin}: an attribute before any entry"))?;
        if let Some(template) = trimmed.strip_prefix("= ") {
            entry.set_template(template, &origin)?;
            continue;
        }
        for attribute in split_attributes(trimmed) {
            entry.attribute(attribute, &origin)?;
        }
    }
    entries.into_iter().map(Written::finish).collect()
}

/// The attribute keys: a `;` starts another attribute only before one of these, so a reason
/// may hold semicolons.
const KEYS: &[&str] = &[
    "review:",
    "manual:",
    "rule:",
    "note:",
    "closest:",
    "test:",
    "compare:",
    "tolerance:",
    "checklist:",
    "method",
    "noinplace",
    "alias:",
    "fields:",
    "inplace:",
    "layout:",
    "value:",
    "tested-by:",
];

fn split_attributes(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, _) in line.match_indices(';') {
        let next = line[at + 1..].trim_start();
        if KEYS.iter().any(|key| next.starts_with(key)) {
            parts.push(line[start..at].trim());
            start = at + 1;
        }
    }
    parts.push(line[start..].trim());
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// An entry as written, with what derives other entries from it.
#[derive(Debug)]
pub struct Written {
    entry: Entry,
    method_twin: bool,
    aliases: Vec<String>,
    inplace: bool,
}

impl Written {
    fn header(line: &str, origin: String) -> Result<Written, String> {
        let open = line
            .find('(')
            .ok_or_else(|| format!("{origin}: expected `name(parameters)`"))?;
        let close = closing_paren(line, open).ok_or_else(|| format!("{origin}: unclosed `(`"))?;
        let torch = line[..open].trim().to_string();
        if !crate::semantic::is_torch(&torch) && !is_mended_helper(&torch) {
            return Err(format!(
                "{origin}: `{torch}` is not a name of torch, of a torch-only package or of einops"
            ));
        }
        let params = parse_params(&line[open + 1..close]).map_err(|e| format!("{origin}: {e}"))?;
        let mut raw = Written {
            entry: Entry {
                torch,
                params,
                action: Action::Manual,
                applicability: Applicability::Safe,
                why: None,
                note: None,
                closest: None,
                tests: Vec::new(),
                compare: Compare::Values,
                tolerance: None,
                checklist: None,
                derived_from: None,
                fields: Vec::new(),
                inplace_keeps_dtype: false,
                channels_last: false,
                value: None,
                tested_by: None,
                origin: origin.clone(),
            },
            method_twin: false,
            aliases: Vec::new(),
            inplace: true,
        };
        let rest = line[close + 1..].trim();
        if let Some(template) = rest.strip_prefix('=') {
            raw.set_template(template.trim(), &origin)?;
        } else if !rest.is_empty() {
            return Err(format!(
                "{origin}: expected `= template` after the signature, found `{rest}`"
            ));
        }
        Ok(raw)
    }

    fn set_template(&mut self, template: &str, origin: &str) -> Result<(), String> {
        let template = Template::parse(template).map_err(|e| format!("{origin}: {e}"))?;
        for param in template.params() {
            if param != "self" && self.entry.param(param).is_none() {
                return Err(format!(
                    "{origin}: the template names `{param}`, which the signature lacks"
                ));
            }
        }
        self.entry.action = Action::Rewrite(template);
        Ok(())
    }

    fn attribute(&mut self, attribute: &str, origin: &str) -> Result<(), String> {
        let (key, value) = match attribute.split_once(':') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => (attribute, ""),
        };
        let entry = &mut self.entry;
        match key {
            "review" => {
                entry.applicability = Applicability::Review;
                entry.why = Some(value.to_string());
            }
            "manual" => {
                entry.action = Action::Manual;
                entry.why = Some(value.to_string());
            }
            "rule" => entry.action = Action::Rule(value.to_string()),
            "note" => entry.note = Some(value.to_string()),
            "closest" => entry.closest = Some(value.to_string()),
            "test" => entry.tests.push(value.to_string()),
            "compare" if value == "shape" => entry.compare = Compare::Shape,
            "compare" if value == "abs" => entry.compare = Compare::Abs,
            "compare" if value == "moments" => entry.compare = Compare::Moments,
            "tolerance" => {
                entry.tolerance = Some(
                    value
                        .parse()
                        .map_err(|_| format!("{origin}: tolerance `{value}`"))?,
                )
            }
            "checklist" => entry.checklist = Some(value.to_string()),
            "method" => self.method_twin = true,
            "fields" => entry.fields = value.split(',').map(|f| f.trim().to_string()).collect(),
            "inplace" if value == "keeps dtype" => entry.inplace_keeps_dtype = true,
            "layout" if value == "channels-last" => entry.channels_last = true,
            "value" => entry.value = Some(value.to_string()),
            "tested-by" => entry.tested_by = Some(value.to_string()),
            "noinplace" => self.inplace = false,
            "alias" => self
                .aliases
                .extend(value.split(',').map(|a| a.trim().to_string())),
            _ => return Err(format!("{origin}: unknown attribute `{attribute}`")),
        }
        Ok(())
    }

    fn finish(self) -> Result<Written, String> {
        let entry = &self.entry;
        if matches!(entry.action, Action::Manual) && entry.why.is_none() {
            return Err(format!(
                "{}: `{}` has neither a template, a rule nor a manual reason",
                entry.origin, entry.torch
            ));
        }
        Ok(self)
    }
}

/// The written entries plus those they imply: each alias, the Tensor method of a function
/// marked `method` (its first parameter becomes `self`), and the in-place variant `name_` of
/// each Tensor method that torch has one of. An entry written explicitly wins over a derived
/// one of the same name.
pub fn derive(
    written: Vec<Written>,
    tensor_names: &[&str],
    mlx_array_names: &FxHashSet<&str>,
) -> Result<Vec<Entry>, String> {
    let tensor_names: FxHashSet<&str> = tensor_names.iter().copied().collect();
    let no_inplace: FxHashSet<String> = written
        .iter()
        .filter(|w| !w.inplace)
        .map(|w| w.entry.torch.clone())
        .collect();
    let explicit: FxHashSet<String> = written.iter().map(|w| w.entry.torch.clone()).collect();
    let mut out = Vec::with_capacity(written.len() * 3);
    // Derived from several overloads (`torch.var`'s), a name has several entries too; from
    // two written entries that are not overloads (an alias and a name written out), one.
    let mut derived: FxHashSet<(String, String)> = FxHashSet::default();
    let mut push_derived = |out: &mut Vec<Entry>, entry: Entry, source: &Entry| {
        let source_name = source.torch.clone();
        if !explicit.contains(&entry.torch)
            && derived.insert((
                entry.torch.clone(),
                format!("{source_name}@{}", source.origin),
            ))
        {
            out.push(entry);
        }
    };
    for Written {
        entry,
        method_twin: twin,
        aliases,
        inplace,
    } in written
    {
        let mut family = vec![entry.clone()];
        for alias in aliases {
            family.push(Entry {
                torch: alias,
                derived_from: Some(entry.torch.clone()),
                ..entry.clone()
            });
        }
        if twin {
            let functions: Vec<Entry> = family.clone();
            for function in functions {
                family.push(method_twin(&function, &entry.torch)?);
            }
        }
        let methods: Vec<Entry> = family.iter().filter(|e| e.is_method()).cloned().collect();
        out.push(entry.clone());
        for member in family.into_iter().skip(1) {
            push_derived(&mut out, member, &entry);
        }
        if inplace {
            for method in methods {
                let name = format!("{}_", method.short_name());
                if tensor_names.contains(name.as_str()) && !matches!(method.action, Action::Rule(_))
                {
                    let variant = Entry {
                        torch: format!("torch.Tensor.{name}"),
                        derived_from: Some(method.torch.clone()),
                        ..method.clone()
                    };
                    push_derived(&mut out, variant, &method);
                }
            }
        }
    }
    // A torch function's Tensor method means the same (`x.erfc()` is `torch.erfc(x)`): where
    // no entry covers the method, or its in-place variant (`x.cos_()`), the function's does,
    // for the method when MLX arrays lack it (`x.cos()` needs no rewrite).
    let mut methods: FxHashSet<String> = out
        .iter()
        .filter(|e| e.is_method())
        .map(|e| e.torch.clone())
        .collect();
    let functions: Vec<Entry> = out
        .iter()
        .filter(|e| {
            let top_level = e.torch.strip_prefix("torch.").is_some_and(|rest| !rest.contains('.')) || e.torch.starts_with("torch.special.");
            top_level
                && !matches!(e.action, Action::Rule(_))
                // torch names the tensor a function works on `input` (`polygamma(n, input)`'s
                // method is `input.polygamma(n)`: not a twin of this kind).
                && e.params.first().is_some_and(|p| p.kind == ParamKind::Positional && p.name == "input")
        })
        .cloned()
        .collect();
    for function in functions {
        let name = function.short_name().to_string();
        let method = format!("torch.Tensor.{name}");
        let inplace = format!("torch.Tensor.{name}_");
        let wanted_method = tensor_names.contains(name.as_str())
            && !mlx_array_names.contains(name.as_str())
            && !methods.contains(&method);
        let wanted_inplace = tensor_names.contains(format!("{name}_").as_str())
            && !methods.contains(&inplace)
            && !no_inplace.contains(&function.torch);
        if !wanted_method && !wanted_inplace {
            continue;
        }
        let twin = method_twin(&function, &function.torch)?;
        if wanted_inplace {
            push_derived(
                &mut out,
                Entry {
                    torch: inplace.clone(),
                    ..twin.clone()
                },
                &function,
            );
        }
        if wanted_method {
            push_derived(&mut out, twin, &function);
        }
        methods.extend([method, inplace]);
    }
    Ok(out)
}

/// `torch.acos(input)` → `torch.Tensor.acos(self)`: the first parameter is the receiver.
fn method_twin(function: &Entry, origin: &str) -> Result<Entry, String> {
    let first = function
        .params
        .first()
        .filter(|p| p.kind == ParamKind::Positional)
        .ok_or_else(|| {
            format!(
                "{}: `method` needs a first positional parameter",
                function.origin
            )
        })?
        .name
        .clone();
    let short = function.short_name();
    let mut params = function.params.clone();
    params[0] = Param {
        name: "self".into(),
        kind: ParamKind::Positional,
        default: None,
        annotation: None,
        dropped: false,
    };
    let action = match &function.action {
        Action::Rewrite(template) => {
            let renamed = rename_reference(template, &first, "self");
            Action::Rewrite(
                Template::parse(&renamed).map_err(|e| format!("{}: {e}", function.origin))?,
            )
        }
        other => other.clone(),
    };
    Ok(Entry {
        torch: format!("torch.Tensor.{short}"),
        params,
        action,
        derived_from: Some(origin.to_string()),
        ..function.clone()
    })
}

/// The template's source with `{from}` (and `{from=...}`) referring to `to` instead.
fn rename_reference(template: &Template, from: &str, to: &str) -> String {
    template
        .source
        .replace(&format!("{{{from}}}"), &format!("{{{to}}}"))
        .replace(&format!("{{{from}="), &format!("{{{to}="))
}

fn closing_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote = None;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
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
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Split at commas outside brackets and quotes.
pub fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (i, c) in text.char_indices() {
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
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

fn parse_params(text: &str) -> Result<Vec<Param>, String> {
    let mut params = Vec::new();
    let mut keyword_only = false;
    for part in split_top_level(text) {
        match part {
            "/" => continue,
            "*" => {
                keyword_only = true;
                continue;
            }
            _ => {}
        }
        let (name, kind) = match part.strip_prefix('*') {
            Some(name) if name.starts_with('*') => (&name[1..], ParamKind::VarKeywords),
            Some(name) => {
                keyword_only = true;
                (name, ParamKind::Varargs)
            }
            None if keyword_only => (part, ParamKind::KeywordOnly),
            None => (part, ParamKind::Positional),
        };
        let (name, default) = match name.split_once('=') {
            Some((name, default)) => (name.trim(), Some(default.trim().to_string())),
            None => (name.trim(), None),
        };
        let (name, annotation) = match name.split_once(':') {
            Some((name, annotation)) => (name.trim(), Some(annotation.trim().to_string())),
            None => (name, None),
        };
        let (name, dropped) = match name.strip_prefix('~') {
            Some(name) => (name, true),
            None => (name, false),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("`{part}` is not a parameter"));
        }
        params.push(Param {
            name: name.to_string(),
            kind,
            default,
            annotation,
            dropped,
        });
    }
    Ok(params)
}

/// Whether a name is one of einops's framework-agnostic functions: they take MLX arrays, but
/// some fail on them in the pinned einops (the table's shims mend those), so the table may name
/// them.
pub fn is_mended_helper(name: &str) -> bool {
    name.strip_prefix("einops.")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# a comment
torch.acos(input, *, out=None) = mx.arccos({input})
    method; alias: torch.arccos; test: (u)
torch.Tensor.add(self, other, *, alpha=1) = {self} + {?{alpha} * }{other}
    test: (x, y); test: (x, y, alpha=2)
torch.Tensor.storage(self)
    manual: MLX arrays have no storage; closest: np.array(x)
";

    #[test]
    fn entries_and_what_they_imply() {
        let written = parse_file("sample.api", SAMPLE).expect("parses");
        assert_eq!(written.len(), 3);
        assert_eq!(written[1].entry.tests, vec!["(x, y)", "(x, y, alpha=2)"]);
        assert_eq!(
            written[2].entry.why.as_deref(),
            Some("MLX arrays have no storage")
        );
        let all = derive(
            written,
            &["acos", "acos_", "arccos", "arccos_", "add", "add_"],
            &FxHashSet::default(),
        )
        .expect("derives");
        let names: Vec<&str> = all.iter().map(|e| e.torch.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "torch.acos",
                "torch.arccos",
                "torch.Tensor.acos",
                "torch.Tensor.arccos",
                "torch.Tensor.acos_",
                "torch.Tensor.arccos_",
                "torch.Tensor.add",
                "torch.Tensor.add_",
                "torch.Tensor.storage",
            ]
        );
        let twin = &all[2];
        assert_eq!(twin.params[0].name, "self");
        assert_eq!(twin.mlx_form(), "mx.arccos({self})");
        assert_eq!(all[4].derived_from.as_deref(), Some("torch.Tensor.acos"));
    }

    #[test]
    fn signatures() {
        let params =
            parse_params("input, dim: int=None, keepdim=False, *, dtype=None, size=(2, 3)")
                .expect("parses");
        assert_eq!(params.len(), 5);
        assert_eq!(
            (
                params[1].annotation.as_deref(),
                params[1].default.as_deref()
            ),
            (Some("int"), Some("None"))
        );
        assert_eq!(params[3].kind, ParamKind::KeywordOnly);
        assert_eq!(params[4].default.as_deref(), Some("(2, 3)"));
        let varargs = parse_params("*size, out=None, **rest").expect("parses");
        assert_eq!(varargs[0].kind, ParamKind::Varargs);
        assert_eq!(varargs[2].kind, ParamKind::VarKeywords);
        assert_eq!(varargs[1].kind, ParamKind::KeywordOnly);
    }

    #[test]
    fn mistakes_are_named_with_their_line() {
        let bad = parse_file("bad.api", "torch.f(x) = mx.f({y})\n").unwrap_err();
        assert!(bad.starts_with("bad.api:1:"), "{bad}");
        let bad = parse_file("bad.api", "torch.f(x)\n    frobnicate\n").unwrap_err();
        assert!(bad.contains("unknown attribute"), "{bad}");
    }
}
