//! Binding a call's arguments to an entry's torch signature, as Python would: positional
//! arguments in order (the rest into a `*varargs` parameter), keywords by name. What does
//! not bind, and what binds to a parameter the MLX form has no place for, is the reason the
//! call is left to a person.

use crate::api::{Entry, ParamKind};
use crate::parse::ast::{self, Expr};
use rustc_hash::FxHashMap;

/// Keywords that only place or lay out memory, track gradients on tensors, save memory by
/// working in place, or set where a deprecation warning points (`_stacklevel`): MLX has unified
/// memory, row-major arrays, function transformations for gradients and immutable arrays, so
/// they drop out.
pub(crate) const DROPPED: &[&str] = &[
    "inplace",
    "_stacklevel",
    "device",
    "layout",
    "pin_memory",
    "memory_format",
    "non_blocking",
    "requires_grad",
];

#[derive(Debug, Clone)]
pub enum Bound<'e> {
    One(&'e Expr),
    /// The arguments a `*varargs` parameter took.
    Many(Vec<&'e Expr>),
    /// The keywords a `**kwargs` parameter took (`**spread` ones included), as written.
    Keywords(Vec<&'e ast::Keyword>),
    /// A loss's `reduction`, which torch reads from the legacy `size_average=`/`reduce=` when
    /// either is given (not None), whatever `reduction=` says.
    Legacy {
        size_average: Option<&'e Expr>,
        reduce: Option<&'e Expr>,
    },
}

#[derive(Debug, Default)]
pub struct Binding<'e> {
    pub args: FxHashMap<&'e str, Bound<'e>>,
    /// `**factory_kwargs` given to an API that takes `device=`/`dtype=` (timm's `**dd`): its
    /// dtype is kept where the MLX form takes one, the rest (a device) dropped.
    pub factory_kwargs: Option<&'e Expr>,
    /// That `**` argument may hold more than torch's factory keywords
    /// (`nn.Conv2d(c, c, k, **kwargs)` with groups= in kwargs): every keyword but device= (and
    /// dtype=, where the MLX form takes none) is passed on, under its torch name.
    pub pass_through: bool,
    /// A `**` argument given to a layer whose unfilled parameters mean nothing in MLX
    /// (`nn.Dropout(p, **params)`, torchvision's `{"inplace": inplace}`): dropped.
    pub spread_dropped: bool,
    /// Parameters given a parameter of the enclosing function whose default is torch's
    /// (`dtype=dtype` in a wrapper taking `dtype=None`): taken as that default.
    pub forwarded: Vec<&'e str>,
}

impl<'e> Binding<'e> {
    pub fn get(&self, param: &str) -> Option<&Bound<'e>> {
        self.args.get(param)
    }
}

/// Bind `call` (with `receiver` as `self` for a Tensor method) to `entry`'s signature, and
/// check that every argument it binds has a place in the MLX form (`referenced`) and can be
/// of the kind its parameter is annotated with (`fits(argument, annotation)`).
pub fn bind<'e>(
    entry: &'e Entry,
    receiver: Option<&'e Expr>,
    call: &'e ast::ExprCall,
    referenced: &[&str],
    source: &str,
    fits: &dyn Fn(&Expr, &str) -> bool,
) -> Result<Binding<'e>, String> {
    let mut binding = Binding::default();
    let mut params = entry.params.iter().peekable();
    if entry.is_method() {
        let receiver = receiver.ok_or("a Tensor method called without a receiver")?;
        params.next();
        binding.args.insert("self", Bound::One(receiver));
    }
    let positional: Vec<_> = params.clone().filter(|p| p.kind == ParamKind::Positional).collect();
    let varargs = entry.params.iter().find(|p| p.kind == ParamKind::Varargs);
    let mut rest = Vec::new();
    for (index, arg) in call.arguments.args.iter().enumerate() {
        let starred = matches!(arg, Expr::Starred(_));
        match positional.get(index) {
            Some(_) if starred => {
                return Err("a `*` argument: which parameters it fills cannot be told".into());
            }
            Some(param) => {
                binding.args.insert(&param.name, Bound::One(arg));
            }
            None if varargs.is_some() => rest.push(arg),
            None => {
                return Err(format!(
                    "{} positional argument(s), torch's signature takes {}",
                    call.arguments.args.len(),
                    positional.len()
                ));
            }
        }
    }
    if let Some(varargs) = varargs
        && !rest.is_empty()
    {
        binding.args.insert(&varargs.name, Bound::Many(rest));
    }
    let var_keywords = entry.params.iter().find(|p| p.kind == ParamKind::VarKeywords);
    let mut extra_keywords = Vec::new();
    for keyword in &call.arguments.keywords {
        let named = keyword.arg.as_ref().and_then(|name| {
            entry
                .params
                .iter()
                .filter(|p| p.name != "self" && p.kind != ParamKind::VarKeywords)
                .find(|p| p.name == name.as_str())
        });
        let param = match (named, &keyword.arg) {
            (Some(param), _) => param,
            (None, _) if var_keywords.is_some() => {
                extra_keywords.push(keyword);
                continue;
            }
            (None, Some(name)) => return Err(format!("torch's signature has no `{name}`")),
            (None, None) if entry.param("device").is_some() || entry.param("dtype").is_some() => {
                binding.factory_kwargs = Some(&keyword.value);
                continue;
            }
            (None, None) if is_layer(entry) || entry.params.iter().all(|p| p.dropped) => {
                binding.spread_dropped = true;
                continue;
            }
            (None, None) => return Err("a `**` argument: which parameters it fills cannot be told".into()),
        };
        let name = &param.name;
        // A varargs parameter given by name (`torch.zeros(size=(2, 3))`) is one sequence.
        if binding.args.insert(&param.name, Bound::One(&keyword.value)).is_some() {
            return Err(format!("`{name}` is given twice"));
        }
    }
    if let Some(var_keywords) = var_keywords
        && !extra_keywords.is_empty()
    {
        binding.args.insert(&var_keywords.name, Bound::Keywords(extra_keywords));
    }
    if entry.param("reduction").is_some() && entry.param("size_average").is_some() && entry.param("reduce").is_some() {
        let mut legacy = |name| match binding.args.remove(name) {
            Some(Bound::One(expr)) => Some(expr),
            _ => None,
        };
        let (size_average, reduce) = (legacy("size_average"), legacy("reduce"));
        if crate::rules::losses::is_legacy(size_average, reduce) {
            binding.args.insert("reduction", Bound::Legacy { size_average, reduce });
        }
    }
    if binding.spread_dropped {
        let meaningful = entry.params.iter().find(|p| {
            p.name != "self"
                && !matches!(p.kind, ParamKind::Varargs | ParamKind::VarKeywords)
                && !binding.args.contains_key(p.name.as_str())
                && !p.dropped
                && !DROPPED.contains(&p.name.as_str())
        });
        if let Some(param) = meaningful {
            return Err(format!("a `**` argument: it may fill `{}`, which cannot be told", param.name));
        }
    }
    for param in &entry.params {
        let required = param.default.is_none() && !matches!(param.kind, ParamKind::Varargs | ParamKind::VarKeywords);
        // A dropped `**` argument may fill it (`sdpa_kernel(**config._asdict())`).
        let spread_fills = binding.spread_dropped && param.dropped;
        if required && !spread_fills && !binding.args.contains_key(param.name.as_str()) {
            return Err(format!("`{}` is not given", param.name));
        }
    }
    // `channels-first-axis` is a property of where the call is (outside a channels-last
    // module), not of the argument: an axis left to its default counts torch's layout too.
    for param in &entry.params {
        if param.annotation.as_deref() == Some("channels-first-axis")
            && !binding.args.contains_key(param.name.as_str())
            && !fits(&call.func, "channels-first-axis")
        {
            return Err(format!("`{}` is not channels-first-axis", param.name));
        }
    }
    for (name, bound) in &binding.args {
        if let Some(annotation) = entry.param(name).and_then(|p| p.annotation.as_deref()) {
            let fit = match bound {
                Bound::One(expr) => fits(expr, annotation),
                Bound::Many(exprs) => exprs.iter().all(|expr| fits(expr, annotation)),
                Bound::Keywords(keywords) => keywords.iter().all(|k| fits(&k.value, annotation)),
                Bound::Legacy { .. } => true,
            };
            if !fit {
                return Err(match annotation {
                    "notnone" => format!("`{name}` is None"),
                    "notstr" => format!("`{name}` is a string"),
                    "notseq" => format!("`{name}` is a tuple or list"),
                    _ => format!("`{name}` is not {annotation}"),
                });
            }
        }
        let dropped = entry.param(name).is_some_and(|p| p.dropped);
        // A literal annotation (`approximate: 'tanh'`, `rounding_mode: 'floor'`) pins the value:
        // the MLX form encodes it.
        let pinned = entry.param(name).and_then(|p| p.annotation.as_deref()).is_some_and(is_literal);
        if referenced.contains(name) || DROPPED.contains(name) || dropped || *name == "self" || pinned {
            continue;
        }
        let default = entry.param(name).and_then(|p| p.default.as_deref());
        let is_default = match bound {
            Bound::One(expr) => default.is_some_and(|d| {
                let forwarded = fits(expr, &format!("forwards={d}"));
                if forwarded {
                    binding.forwarded.push(*name);
                }
                same_literal(d, source_of(source, expr)) || forwarded
            }),
            Bound::Many(_) | Bound::Keywords(_) | Bound::Legacy { .. } => false,
        };
        if !is_default {
            return Err(if *name == "out" {
                "MLX has no `out=`: assign the result instead".to_string()
            } else {
                format!("`{name}` has no MLX counterpart here")
            });
        }
    }
    Ok(binding)
}

/// Whether an argument's source is the default's text, a string in either quote style
/// (`mode="reduced"` is the default `'reduced'`).
fn same_literal(default: &str, given: &str) -> bool {
    fn unquote(text: &str) -> Option<&str> {
        ['\'', '"'].into_iter().find_map(|q| text.strip_prefix(q)?.strip_suffix(q)).filter(|inner| !inner.contains(['\'', '"', '\\']))
    }
    default == given || matches!((unquote(default), unquote(given)), (Some(a), Some(b)) if a == b)
}

/// An annotation that is a value the argument must be: a quoted string, an integer, `True`,
/// `False` or `None`.
fn is_literal(annotation: &str) -> bool {
    annotation.starts_with(['\'', '"']) || annotation.parse::<i64>().is_ok() || matches!(annotation, "True" | "False" | "None")
}

fn source_of<'s>(source: &'s str, expr: &Expr) -> &'s str {
    &source[crate::parse::span(expr)]
}

/// A layer's constructor (`torch.nn.Dropout`), not a function.
fn is_layer(entry: &Entry) -> bool {
    entry
        .torch
        .strip_prefix("torch.nn.")
        .is_some_and(|name| !name.contains('.') && name.starts_with(|c: char| c.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::table;
    use crate::parse::parse_module;

    fn call_of(module: &ast::ModModule) -> &ast::ExprCall {
        let ast::Stmt::Expr(stmt) = &module.body[0] else { panic!("an expression") };
        let Expr::Call(call) = stmt.value.as_ref() else { panic!("a call") };
        call
    }

    fn try_bind(torch: &str, source: &str) -> Result<Vec<String>, String> {
        let module = parse_module(source).expect("parses");
        let call = call_of(&module);
        let mut first_error = None;
        for entry in table().lookup(torch) {
            let receiver = match call.func.as_ref() {
                Expr::Attribute(a) if entry.is_method() => Some(a.value.as_ref()),
                _ => None,
            };
            let referenced: Vec<&str> = match &entry.action {
                crate::api::Action::Rewrite(t) => t.params(),
                _ => Vec::new(),
            };
            match bind(entry, receiver, call, &referenced, source, &|_, _| false) {
                Ok(binding) => {
                    let mut names: Vec<String> = binding.args.keys().map(|k| k.to_string()).collect();
                    names.sort();
                    return Ok(names);
                }
                Err(why) => {
                    first_error.get_or_insert(why);
                }
            }
        }
        Err(first_error.expect("an entry"))
    }

    #[test]
    fn positional_keyword_and_varargs() {
        assert_eq!(try_bind("torch.sum", "torch.sum(x, 1, keepdim=True)").unwrap(), ["dim", "input", "keepdim"]);
        assert_eq!(try_bind("torch.zeros", "torch.zeros(2, 3, device=d)").unwrap(), ["device", "size"]);
        assert_eq!(try_bind("torch.Tensor.view", "x.view(*shape)").unwrap(), ["self", "shape"]);
    }

    #[test]
    fn a_literal_annotation_picks_the_overload() {
        let source = "torch.div(x, y, rounding_mode='floor')";
        let module = parse_module(source).expect("parses");
        let call = call_of(&module);
        let floor = table().lookup("torch.div").find(|e| e.param("rounding_mode").and_then(|p| p.annotation.as_deref()) == Some("'floor'")).expect("the floor overload");
        let is_floor = |expr: &Expr, annotation: &str| annotation == "'floor'" && matches!(expr, Expr::StringLiteral(s) if s.value.to_str() == "floor");
        // The template does not name `rounding_mode`: the literal it matched accounts for it.
        assert!(bind(floor, None, call, &["input", "other"], source, &is_floor).is_ok());
        let other = "torch.div(x, y, rounding_mode=mode)";
        let module = parse_module(other).expect("parses");
        assert!(bind(floor, None, call_of(&module), &["input", "other"], other, &is_floor).is_err());
    }

    #[test]
    fn what_does_not_bind_says_why() {
        assert!(try_bind("torch.sum", "torch.sum(x, frob=1)").unwrap_err().contains("no `frob`"));
        assert!(try_bind("torch.acos", "torch.acos(x, out=y)").unwrap_err().contains("out="));
        assert!(try_bind("torch.acos", "torch.acos(**kw)").unwrap_err().contains("**"));
        assert!(try_bind("torch.sum", "torch.sum()").unwrap_err().contains("`input` is not given"));
    }

    #[test]
    fn a_string_default_in_either_quote_style() {
        assert!(same_literal("'reduced'", "\"reduced\""));
        assert!(same_literal("None", "None"));
        assert!(!same_literal("'reduced'", "'complete'"));
        assert!(!same_literal("'a'", "\"a'"));
    }
}
