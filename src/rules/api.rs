//! api: torch functions, Tensor methods, `torch.nn.functional`, `torch.nn` layers,
//! `torch.linalg`, `torch.fft` and `torch.special` → MLX, from the API table
//! (`portui rules --api` lists it).
//!
//! Why: most of torch's API has an MLX home, but rarely under the same spelling: other
//! names (`acos` → `mx.arccos`), methods that are functions (`x.unsqueeze(1)` →
//! `mx.expand_dims(x, 1)`), `dim`/`keepdim` → `axis`/`keepdims`, shapes as varargs, defaults
//! that differ (`torch.var` is unbiased), in-place `_` methods on immutable arrays, and
//! methods `mx.array` lacks altogether (`x.bmm(y)`, `x.add(y)`, `x.amax(-1)`), which would
//! fail at run time with `AttributeError`. Each entry of the table gives torch's signature
//! and the MLX form with torch's meaning, and is tested by running torch and the rewrite on
//! the same inputs.
//!
//! Example: `torch.acos(x)` → `mx.arccos(x)`; `x.bmm(y)` → `mx.matmul(x, y)`;
//! `x.amax(-1, keepdim=True)` → `x.max(-1, keepdims=True)`; `x.add_(y)` → `x = x + y`;
//! `torch.zeros(2, 3, device=d)` → `mx.zeros((2, 3))`. `w.data` (which MLX arrays lack) is
//! the array itself: `m.weight.data.mul_(s)` → `m.weight = m.weight * s`. A `**kwargs`
//! argument that may hold more than torch's factory keywords is passed on to the MLX call
//! without device= (`portui_shims.without_device`), when the MLX form passes torch's optional
//! parameters under their own names.
//!
//! Fix safety: as the entry says (safe, or review with its reason); review when the receiver
//! of a method is not known to be a tensor, and for in-place methods (other references to
//! the old array keep the old values). A call that does not fit the entry (an argument MLX
//! has no counterpart for, `*args`) and manual entries are manual, with the reason and the
//! closest MLX spelling.

mod bind;
mod render;

use super::calls::method_call;
use super::{Context, Findings, Rule, RuleMeta};
use crate::api::{Action, Entry, Template, table};
use crate::fix::{Applicability, Piece};
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::tensors::Certainty;

pub struct Api;
pub static RULE: Api = Api;

impl Rule for Api {
    fn meta(&self) -> RuleMeta {
        RuleMeta {
            id: "api",
            step: "2",
            checklist: "torch-semantics",
            summary: "torch functions, Tensor methods, F.*, nn layers → MLX, from the API table",
        }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::ExprCall, NodeKind::ExprAttribute, NodeKind::ExprName])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        if matches!(expr, Expr::Attribute(_) | Expr::Name(_)) {
            if !data_attribute(cx, expr, out) {
                function_value(cx, expr, out);
            }
            return;
        }
        let Expr::Call(call) = expr else { return };
        if let Some(qualified) = cx.torch_name(&call.func) {
            if super::channels_last::claims_global_pool(cx, call, &qualified) {
                return; // a global pool of a channels-last feature map: a mean over H and W
            }
            let entries: Vec<&'static Entry> = table().lookup(&qualified).collect();
            if !entries.is_empty() {
                apply(cx, call, None, &entries, Certainty::Tensor, out);
            }
            return;
        }
        if let Some(base) = extended_layer(cx, call) {
            let entries: Vec<&'static Entry> = table().lookup(&base).collect();
            if entries.is_empty() {
                return;
            }
            apply_with_callee(cx, call, None, &entries, Certainty::Tensor, Some(call.func.as_ref()), out);
            return;
        }
        if let Some(helper) = mended_helper(cx, &call.func) {
            let entries: Vec<&'static Entry> = table().lookup(&helper).collect();
            if !entries.is_empty() {
                apply(cx, call, None, &entries, Certainty::Tensor, out);
            }
            return;
        }
        let Some((receiver, method)) = method_call(call) else { return };
        let entries: Vec<&'static Entry> = table().method(method).collect();
        if entries.is_empty() || cx.is_torch(receiver) {
            return;
        }
        // `m.weight.data.mul_(s)`: the method acts on the tensor itself (`m.weight = m.weight * s`).
        let receiver = data_owner(cx, receiver).unwrap_or(receiver);
        if matches!(entries[0].action, Action::Rule(_)) || in_claimed_chain(cx, call) {
            return;
        }
        let certainty = cx.tensor(receiver);
        if certainty == Certainty::NotTensor || module_like(cx, receiver) {
            return;
        }
        if certainty == Certainty::Unknown && shared_with_builtins(method) {
            return; // `seen.add(x)`: the unported-method pass names it if it stays
        }
        apply(cx, call, Some(receiver), &entries, certainty, out);
    }
}

/// Whether a `**` argument holds torch's factory keywords alone: a name the enclosing
/// function binds to `{'device': ..., 'dtype': ...}` or `dict(device=..., dtype=...)` (timm's
/// `dd`, torch's `factory_kwargs`).
fn holds_factory_keywords_only(cx: &Context, spread: &Expr) -> bool {
    let Expr::Name(name) = spread else { return false };
    let Some((function, _)) = &cx.function else { return false };
    let factory = |key: &str| matches!(key, "device" | "dtype");
    let is_factory_dict = |value: &Expr| match value {
        Expr::Dict(dict) => dict.items.iter().all(|item| matches!(&item.key, Some(Expr::StringLiteral(key)) if factory(key.value.to_str()))),
        Expr::Call(call) => {
            matches!(call.func.as_ref(), Expr::Name(f) if f.id.as_str() == "dict")
                && call.arguments.args.is_empty()
                && call.arguments.keywords.iter().all(|k| k.arg.as_ref().is_some_and(|a| factory(a.as_str())))
        }
        _ => false,
    };
    fn assigned<'s>(stmts: &'s [Stmt], name: &str, out: &mut Vec<&'s Expr>) {
        for stmt in stmts {
            if let Stmt::Assign(assign) = stmt
                && matches!(&assign.targets[..], [Expr::Name(target)] if target.id.as_str() == name)
            {
                out.push(&assign.value);
            }
            for block in crate::parse::blocks(stmt) {
                assigned(block, name, out);
            }
        }
    }
    let mut values = Vec::new();
    assigned(&function.body, name.id.as_str(), &mut values);
    !values.is_empty() && values.into_iter().all(is_factory_dict)
}

/// Whether every optional parameter of torch's that the MLX form names is passed under the
/// same keyword (`stride={stride}`): then a `**` argument of unknown keywords can be passed on
/// as it is (one the MLX layer lacks, `padding_mode=`, fails loudly there).
fn passes_keywords_through(entry: &Entry, template: &crate::api::template::Template, binding: &bind::Binding) -> bool {
    entry.params.iter().all(|param| {
        let name = param.name.as_str();
        let settled = name == "self"
            || param.default.is_none()
            || matches!(param.kind, crate::api::ParamKind::Varargs | crate::api::ParamKind::VarKeywords)
            || param.dropped
            || name == "dtype"
            || bind::DROPPED.contains(&name)
            || binding.args.contains_key(name);
        let hole = format!("{{{name}}}");
        settled || template.source.matches(&hole).count() == template.source.matches(&format!("{name}={hole}")).count()
    })
}

/// The tensor whose `.data` `expr` is (`w` of `w.data`): a known tensor, or a parameter of a
/// layer (`m.weight.data`, the initialisers' idiom).
fn data_owner<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    let Expr::Attribute(attribute) = expr else { return None };
    if attribute.attr.as_str() != "data" || cx.in_annotation {
        return None;
    }
    let owner = attribute.value.as_ref();
    let parameter = matches!(owner, Expr::Attribute(a) if matches!(a.attr.as_str(), "weight" | "bias"));
    match cx.tensor(owner) {
        Certainty::Tensor => Some(owner),
        Certainty::Unknown if parameter => Some(owner),
        _ => None,
    }
}

/// `w.data` → `w`: torch's view of a tensor without its autograd history is the array itself
/// in MLX, where gradients are taken of functions (MLX arrays have no `.data`). As the
/// receiver of a method the table rewrites, that rewrite acts on `w` (see `check_expr`).
/// Whether `expr` was such an attribute.
fn data_attribute(cx: &Context, expr: &Expr, out: &mut Findings) -> bool {
    let Some(owner) = data_owner(cx, expr) else { return false };
    let mut ancestors = cx.expr_stack.iter().rev();
    if let (Some(Expr::Attribute(method)), Some(Expr::Call(call))) = (ancestors.next(), ancestors.next())
        && span(method.value.as_ref()) == span(expr)
        && span(call.func.as_ref()) == span(method)
        && table().method(method.attr.as_str()).any(|entry| matches!(entry.action, Action::Rewrite(_)))
    {
        return true;
    }
    let edits = vec![crate::fix::Edit::delete(span(owner).end..span(expr).end)];
    let message = "`.data` → the array itself: MLX arrays have no `.data` (no autograd history to step around: gradients are taken of functions)";
    if cx.tensor(owner) == Certainty::Tensor {
        out.safe(span(expr), message, edits);
    } else {
        out.review(span(expr), format!("{message} (a layer's parameter, not known to be a tensor: check it is one)"), edits);
    }
    true
}

/// A torch function used as a value (`act=F.gelu`, `map(torch.sigmoid, xs)`): its MLX
/// function, when an entry's MLX form is that function called with torch's positional
/// parameters in order, so any call through the value means the same.
fn function_value(cx: &Context, expr: &Expr, out: &mut Findings) {
    let called_or_link = match cx.parent_expr() {
        Some(Expr::Call(call)) => span(call.func.as_ref()) == span(expr),
        Some(Expr::Attribute(attribute)) => span(attribute.value.as_ref()) == span(expr),
        _ => false,
    };
    if called_or_link {
        return;
    }
    let Some(qualified) = cx.torch_name(expr) else { return };
    if qualified.starts_with("torch.nn.") && super::layers::mlx_class(&qualified).is_some() {
        return; // a layer class: the layers rule ports its references
    }
    let range = span(expr);
    // `SDPBackend.MATH`: a member of a class the table ports as a value keeps its name.
    if table().lookup(&qualified).next().is_none()
        && let Expr::Attribute(member) = expr
        && let Some(owner) = cx.torch_name(&member.value)
        && let Some(class) = table().lookup(&owner).find_map(|entry| entry.value.as_deref())
        && class.rsplit('.').next().is_some_and(|last| last.starts_with(char::is_uppercase))
    {
        let edits = vec![crate::fix::Edit::replace(span(member.value.as_ref()), class)];
        out.safe(range, format!("{qualified} → {class}.{}: the class's member of the same name", member.attr), edits);
        return;
    }
    if let Some(entry) = table().lookup(&qualified).find(|entry| entry.value.is_some()) {
        // An entry applying only where axes are counted in torch's layout leaves a
        // channels-last module's values to a person, as it leaves its calls.
        // So does a function with a form of its own for channels-last maps (`F.conv2d`): its
        // value means the channels-first form.
        let depends_on_layout = entry.params.iter().any(|p| p.annotation.as_deref() == Some("channels-first-axis"))
            || table().lookup(&qualified).any(|other| other.params.iter().any(|p| p.annotation.as_deref() == Some("channels-last")));
        if depends_on_layout && cx.class_info().is_some_and(|class| class.feature_rank.is_some()) {
            return;
        }
        let callee = entry.value.as_deref().unwrap_or_default();
        let message = format!("{qualified} (as a value) → {callee}: it takes torch's parameters by the same names");
        let edits = vec![crate::fix::Edit::replace(range.clone(), callee)];
        match entry.applicability {
            Applicability::Safe => {
                out.safe(range, message, edits);
            }
            _ => {
                out.review(range, format!("{message}; {}", entry.why.as_deref().unwrap_or_default()), edits);
            }
        }
        return;
    }
    if let Some(callee) = table().lookup(&qualified).find_map(plain_callee) {
        out.review(
            range.clone(),
            format!("{qualified} (as a value) → {callee}: calls through it must pass torch's arguments by position"),
            vec![crate::fix::Edit::replace(range, callee)],
        );
        return;
    }
    let Some(callee) = table().lookup(&qualified).find_map(input_only_callee) else { return };
    out.review(
        range.clone(),
        format!("{qualified} (as a value) → {callee}: calls through it must pass the input alone (torch's other parameters at their defaults)"),
        vec![crate::fix::Edit::replace(range, callee)],
    );
}

/// `nn.gelu` of `F.gelu(input, approximate='none') = nn.gelu({input})`: an MLX function of
/// torch's first argument alone, every other parameter optional. An activation held as a
/// value (`self.act = F.gelu`) is called with the input alone.
fn input_only_callee(entry: &Entry) -> Option<&str> {
    let Action::Rewrite(template) = &entry.action else { return None };
    let (first, rest) = entry.params.split_first()?;
    let applies_always = entry.params.iter().all(|p| p.annotation.is_none());
    if entry.is_method() || !applies_always || first.kind != crate::api::ParamKind::Positional || rest.iter().any(|p| p.default.is_none()) {
        return None;
    }
    let callee = template.source.strip_suffix(&format!("({{{}}})", first.name))?;
    let dotted = !callee.is_empty() && callee.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    dotted.then_some(callee)
}

/// `mx.arccos` of `torch.acos(input) = mx.arccos({input})`: an MLX form that is a dotted
/// function called with every positional parameter of torch's, in order, and nothing else.
fn plain_callee(entry: &Entry) -> Option<&str> {
    let Action::Rewrite(template) = &entry.action else { return None };
    if entry.is_method() {
        return None;
    }
    let (callee, arguments) = template.source.split_once('(')?;
    let expected: Vec<String> = entry
        .params
        .iter()
        .filter(|p| p.kind == crate::api::ParamKind::Positional)
        .map(|p| format!("{{{}}}", p.name))
        .collect();
    let dotted = !callee.is_empty() && callee.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    (dotted && arguments == format!("{})", expected.join(", "))).then_some(callee)
}

/// The first overload the call binds to, rendered; or a manual finding saying why none does.
fn apply(cx: &Context, call: &ast::ExprCall, receiver: Option<&Expr>, entries: &[&'static Entry], certainty: Certainty, out: &mut Findings) {
    apply_with_callee(cx, call, receiver, entries, certainty, None, out);
}

/// The torch layer a class extends, for its `super().__init__(...)` (or `super(C, self).
/// __init__`) call, which passes that layer's torch constructor arguments
/// (`class TemporalConv1d(nn.Conv1d)` passes `padding_mode=`, `device=`).
fn extended_layer(cx: &Context, call: &ast::ExprCall) -> Option<String> {
    let Expr::Attribute(method) = call.func.as_ref() else { return None };
    let Expr::Call(inner) = method.value.as_ref() else { return None };
    if method.attr.as_str() != "__init__" || !matches!(inner.func.as_ref(), Expr::Name(name) if name.id.as_str() == "super") {
        return None;
    }
    // A base rebuilt as torch has it (portui_shims.TorchConv2d) takes torch's arguments.
    cx.class?.bases().iter().find_map(|base| {
        let q = cx.torch_name(base)?;
        super::layers::mlx_class(&q)?;
        super::layers::torch_base(&q).is_none().then(|| q.to_string())
    })
}

/// The MLX layer for a torch layer constructor whose required arguments come, at least in
/// part, from a `**` spread (torchvision's `BasicConv2d(in, out, **kwargs)` building
/// `nn.Conv2d(in, out, bias=False, **kwargs)`): the call can stay as written, under the MLX
/// class, when the template builds that class with torch's parameters in torch's order, its
/// leading ones by position and every other by the same keyword.
fn forwarded_layer_call(cx: &Context, call: &ast::ExprCall, entry: &Entry, template: &crate::api::template::Template) -> Option<String> {
    let spread = call.arguments.keywords.iter().any(|k| k.arg.is_none());
    if !spread || super::layers::mlx_class(&entry.torch).is_none() || cx.in_annotation {
        return None;
    }
    let source = template.source.as_str();
    let open = source.find('(')?;
    let layer = &source[..open];
    if !source.ends_with(')') || !layer.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.') {
        return None;
    }
    let mut positional = 0;
    for param in entry.params.iter().filter(|p| p.name != "self") {
        let hole = format!("{{{}}}", param.name);
        if !source.contains(&hole) || source.contains(&format!("{}={hole}", param.name)) {
            continue;
        }
        // A positional hole: torch's leading parameters only, in torch's order.
        let leading = entry.params.iter().filter(|p| p.name != "self").position(|p| p.name == param.name);
        if leading != Some(positional) || param.default.is_some() {
            return None;
        }
        positional += 1;
    }
    (call.arguments.args.len() <= positional).then(|| layer.to_string())
}

/// `apply`, where `callee` (a `super().__init__` call's function) takes the place of the MLX
/// class the template constructs: the arguments are the constructor's. A template building
/// anything but that class leaves the call to a person.
#[allow(clippy::too_many_arguments)]
fn apply_with_callee(cx: &Context, call: &ast::ExprCall, receiver: Option<&Expr>, entries: &[&'static Entry], certainty: Certainty, callee: Option<&Expr>, out: &mut Findings) {
    let range = span(call);
    let first = entries[0];
    let mut first_error = None;
    // A layer call whose required arguments a `**` spread may fill: kept as written when no
    // overload takes the call.
    let mut forwarded: Option<(&Entry, String, String)> = None;
    for entry in entries {
        // A rule or manual overload with annotated parameters (`input: channels-last`) applies
        // only to the calls whose arguments fit them; the overloads after it take the others.
        if matches!(entry.action, Action::Rule(_) | Action::Manual) && entry.params.iter().any(|p| p.annotation.is_some()) {
            let every: Vec<&str> = entry.params.iter().map(|p| p.name.as_str()).collect();
            if bind::bind(entry, receiver, call, &every, cx.text, &|expr, kind| fits(cx, expr, kind)).is_err() {
                continue; // not this call's context: why the rewrite does not fit is what to say
            }
        }
        match &entry.action {
            Action::Rule(_) => return,
            Action::Manual => {
                out.manual(range, manual_message(entry, entry.why.as_deref().unwrap_or("no MLX counterpart")));
                return;
            }
            Action::Rewrite(template) => {
                let referenced = template.params();
                let mut binding = match bind::bind(entry, receiver, call, &referenced, cx.text, &|expr, kind| fits(cx, expr, kind)) {
                    Ok(binding) => binding,
                    Err(why) => {
                        if callee.is_none()
                            && forwarded.is_none()
                            && why.ends_with("is not given")
                            && let Some(layer) = forwarded_layer_call(cx, call, entry, template)
                        {
                            forwarded = Some((entry, layer, why.clone()));
                        }
                        first_error.get_or_insert(why);
                        continue;
                    }
                };
                if let Some(spread) = binding.factory_kwargs
                    && !holds_factory_keywords_only(cx, spread)
                {
                    if !passes_keywords_through(entry, template, &binding) {
                        first_error.get_or_insert("a `**` argument: which parameters it fills cannot be told, and the MLX form renames or rewrites some".into());
                        continue;
                    }
                    binding.pass_through = true;
                }
                // `x.max(1)[0]`, `x.max(1).values`: only that element of a tuple result.
                let (template, range) = match selected_element(cx, call, entry, template) {
                    Some((element, parent)) => (element, span(parent)),
                    None => (template, span(call)),
                };
                let pieces = match render::render(cx.text, entry, template, &binding) {
                    Ok(pieces) => pieces,
                    Err(why) => {
                        first_error.get_or_insert(why);
                        continue;
                    }
                };
                let forwarded_note = (!binding.forwarded.is_empty()).then(|| {
                    format!("{} forwarded from this function's parameters with torch's defaults: a caller passing another value is not ported", binding.forwarded.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "))
                });
                let spread_note = if let Some(note) = &forwarded_note {
                    Some(note.as_str())
                } else if binding.pass_through {
                    Some("`**` keywords passed on under torch's names, without device= (and dtype= where MLX takes none): check MLX's layer takes each")
                } else if binding.factory_kwargs.is_some() {
                    Some("`**` keywords: only torch's factory keywords (device=, dtype=): the dtype is kept where MLX takes one, the device dropped")
                } else if binding.spread_dropped {
                    Some("`**` keywords dropped: the only parameters they can fill (such as `inplace`) mean nothing in MLX; check they hold nothing else")
                } else {
                    None
                };
                let (pieces, spread_note) = if let Some(callee) = callee {
                    match called_as(pieces, &entry.torch, callee) {
                        Some(pieces) => (pieces, spread_note),
                        None => {
                            out.manual(range, manual_message(entry, "the MLX form is not the layer's own constructor, so the subclass cannot pass it these arguments"));
                            return;
                        }
                    }
                } else if entry.channels_last && in_channels_first_module(cx) {
                    (channels_first(pieces), Some(spread_note.unwrap_or(CHANNELS_FIRST_NOTE)))
                } else {
                    (pieces, spread_note)
                };
                rewrite(cx, call, range, receiver, entry, template.is_operator_expression(), pieces, certainty, spread_note, out);
                return;
            }
        }
    }
    // `x.transpose((1, 0))`, `x.reshape(shape, stream=s)`: a call torch would reject, on a
    // method MLX arrays have, is not a torch call (a second run on a port sees many).
    if first.is_method() && table().mlx_array_has(first.short_name()) {
        return;
    }
    if let Some((entry, layer, why)) = forwarded {
        let wrapped = if entry.channels_last && in_channels_first_module(cx) { format!("portui_shims.channels_first_layer({layer})") } else { format!("portui_shims.with_factory_keywords({layer})") };
        out.review(range, format!("{} with arguments a `**` spread fills ({why}): {wrapped} takes them under torch's names, which MLX's layer shares, and drops device=/dtype= (padding_mode= and other names MLX's layer lacks fail when it is built)", entry.torch), vec![crate::fix::Edit::replace(span(call.func.as_ref()), wrapped)]);
        return;
    }
    let why = first_error.unwrap_or_default();
    let rewrite = entries.iter().find(|e| matches!(e.action, Action::Rewrite(_))).unwrap_or(&first);
    out.manual(range, manual_message(rewrite, &format!("this call does not fit the rewrite ({why})")));
}

/// Whether the call, or a call its result is the receiver of (`x.float().softmax(-1)` in
/// `x.float().softmax(-1).type_as(x)`), is a cast a fused-op rule replaces with the whole
/// computation: rewriting a link of the chain would fight that rewrite.
fn in_claimed_chain(cx: &Context, call: &ast::ExprCall) -> bool {
    if super::cast_claimed_by_fused_op(cx, call) {
        return true;
    }
    let mut link = span(call);
    let mut stack = cx.expr_stack.iter().rev();
    while let (Some(Expr::Attribute(attribute)), Some(Expr::Call(outer))) = (stack.next(), stack.next()) {
        if span(attribute.value.as_ref()) != link || span(outer.func.as_ref()) != span(attribute) {
            return false;
        }
        if super::cast_claimed_by_fused_op(cx, outer) {
            return true;
        }
        link = span(outer);
    }
    false
}

/// The element of a tuple result the call's parent takes: `[k]` with a literal `k`, or a
/// field name (`.values`), with that parent (which the rewrite replaces).
fn selected_element<'c>(cx: &Context<'c>, call: &ast::ExprCall, entry: &'static Entry, template: &'static Template) -> Option<(&'static Template, &'c Expr)> {
    if template.elements.is_empty() {
        return None;
    }
    let parent = cx.parent_expr()?;
    let index = match parent {
        Expr::Subscript(subscript) if span(subscript.value.as_ref()) == span(call) => {
            let k = super::context::int_literal(&subscript.slice)?;
            let n = template.elements.len() as i64;
            usize::try_from(if k < 0 { k + n } else { k }).ok()?
        }
        Expr::Attribute(attribute) if span(attribute.value.as_ref()) == span(call) => {
            entry.fields.iter().position(|f| f == attribute.attr.as_str())?
        }
        _ => return None,
    };
    Some((template.elements.get(index)?, parent))
}

#[allow(clippy::too_many_arguments)]
fn rewrite(cx: &Context, call: &ast::ExprCall, range: std::ops::Range<usize>, receiver: Option<&Expr>, entry: &Entry, operator: bool, mut pieces: Vec<Piece>, certainty: Certainty, spread_note: Option<&str>, out: &mut Findings) {
    let mut applicability = entry.applicability;
    let mut message = format!("{} → {}", entry.torch, display_form(entry));
    // `F.relu(x, inplace=True)` changes x: as a statement, or assigned to another name
    // (`y = F.relu(x, inplace=True)` leaves x and y the same array), so must the port.
    let first = call.arguments.args.first();
    let inplace_true = !entry.is_method()
        && call.arguments.keywords.iter().any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "inplace") && matches!(&k.value, Expr::BooleanLiteral(b) if b.value));
    // (On a temporary, `F.relu(self.bn(x), inplace=True)`, nothing else sees the change.)
    let changes_first = inplace_true
        && first.is_some_and(|f| matches!(f, Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_)))
        && match cx.stmt() {
            Some(Stmt::Expr(s)) => span(s.value.as_ref()) == span(call),
            Some(Stmt::Assign(a)) => span(a.value.as_ref()) == span(call) && !matches!((&a.targets[..], first), ([target], Some(first)) if cx.src(target) == cx.src(first)),
            _ => false,
        };
    // A method that only sets what MLX arrays lack (`x.requires_grad_()`) returns its receiver
    // unchanged: there is nothing to assign back, and as a statement it goes.
    let identity = entry.is_inplace() && receiver.is_some_and(|r| matches!(pieces.as_slice(), [Piece::Source(s)] if *s == span(r)));
    if identity
        && let Some(stmt @ Stmt::Expr(statement)) = cx.stmt()
        && span(statement.value.as_ref()) == span(call)
    {
        if receiver.is_some_and(|r| matches!(r, Expr::Name(_) | Expr::Attribute(_)))
            && let Some(edit) = cx.delete_statement(stmt, cx.is_sole_statement(stmt))
        {
            message.push_str(" (a statement changing nothing in MLX: removed)");
            if let Some(why) = &entry.why {
                message.push_str(&format!(": {why}"));
            }
            let mut applicability = entry.applicability;
            if certainty == Certainty::Unknown {
                applicability = Applicability::Review;
                message.push_str(" (receiver not known to be a tensor: check it is one)");
            }
            out.fix(span(stmt), applicability, message, vec![edit]);
        } else {
            out.manual(range, manual_message(entry, "a statement that changes nothing in MLX, on a receiver with side effects: remove the call, keeping what the receiver does"));
        }
        return;
    }
    if (entry.is_inplace() && !identity) || changes_first {
        // An in-place function (`F.relu_(x)`) replaces its first argument, as a method its
        // receiver.
        let receiver = receiver.or_else(|| call.arguments.args.first().filter(|_| !entry.is_method()));
        if entry.inplace_keeps_dtype
            && let Some(receiver) = receiver
        {
            let mut cast = vec![Piece::Text("(".into())];
            cast.append(&mut pieces);
            cast.extend([Piece::Text(").astype(".into()), Piece::Source(span(receiver)), Piece::Text(".dtype)".into())]);
            pieces = cast;
        }
        let Some(assignment) = inplace_assignment(cx, call, receiver, operator && !entry.inplace_keeps_dtype, &pieces) else {
            out.manual(range, manual_message(entry, "in place on an array inside an expression: MLX arrays are immutable, assign the result to the receiver first"));
            return;
        };
        pieces = assignment;
        applicability = Applicability::Review;
        message.push_str(" (MLX arrays are immutable: the result is assigned back; other references to the old array keep the old values)");
    } else if operator && needs_parentheses(cx, call) {
        pieces.insert(0, Piece::Text("(".into()));
        pieces.push(Piece::Text(")".into()));
    }
    let edits = render::minimal_edits(cx.text, range.clone(), pieces);
    if edits.is_empty() {
        return;
    }
    if let Some(why) = &entry.why {
        message.push_str(&format!(": {why}"));
    }
    if let Some(note) = &entry.note {
        message.push_str(&format!(" ({note})"));
    }
    if certainty == Certainty::Unknown && receiver.is_some() {
        applicability = Applicability::Review;
        message.push_str(" (receiver not known to be a tensor: check it is one)");
    }
    if let Some(note) = spread_note {
        applicability = Applicability::Review;
        message.push_str(&format!(" ({note})"));
    }
    let finding = out.fix(range, applicability, message, edits);
    if let Some(item) = &entry.checklist {
        finding.checklist = crate::checklist::find(item).map_or(finding.checklist, |i| i.id);
    }
}

/// `x.add_(y)` as a statement → `x = x + y`; as an assignment's value → `z = x = x + y`; in
/// another expression, on a plain name → `(x := x + y)`; on a temporary
/// (`torch.zeros(n).fill_(v)`), whose change nothing else can see → the new value alone.
/// `None` elsewhere.
fn inplace_assignment(cx: &Context, call: &ast::ExprCall, receiver: Option<&Expr>, operator: bool, value: &[Piece]) -> Option<Vec<Piece>> {
    let receiver = receiver?;
    if matches!(receiver, Expr::Call(_) | Expr::BinOp(_) | Expr::UnaryOp(_)) {
        let mut pieces = value.to_vec();
        if operator && needs_parentheses(cx, call) {
            pieces.insert(0, Piece::Text("(".into()));
            pieces.push(Piece::Text(")".into()));
        }
        return Some(pieces);
    }
    if !matches!(receiver, Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_)) {
        return None;
    }
    let call_range = span(call);
    let is_whole = |e: &Expr| span(e) == call_range;
    let statement_level = cx.parent_expr().is_none()
        && match cx.stmt() {
            Some(Stmt::Expr(s)) => is_whole(&s.value),
            Some(Stmt::Assign(a)) => is_whole(&a.value),
            _ => false,
        };
    // `self.index.copy_(...)` on a non-persistent buffer, which the port keeps out of the
    // parameter tree: a plain assignment would put it in the tree, beside the old value.
    if statement_level
        && matches!(cx.stmt(), Some(Stmt::Expr(_)))
        && let Expr::Attribute(attribute) = receiver
        && matches!(attribute.value.as_ref(), Expr::Name(owner) if owner.id.as_str() == "self")
        && super::register_buffer::is_non_persistent_buffer(cx, attribute.attr.as_str())
    {
        let mut pieces = vec![Piece::Text(format!("object.__setattr__(self, \"{}\", ", attribute.attr))];
        pieces.extend(value.iter().cloned());
        pieces.push(Piece::Text(")".into()));
        return Some(pieces);
    }
    let mut pieces = vec![Piece::Source(span(receiver))];
    if statement_level {
        pieces.push(Piece::Text(" = ".into()));
        pieces.extend(value.iter().cloned());
        return Some(pieces);
    }
    let Expr::Name(name) = receiver else { return None };
    // Python forbids `:=` on a comprehension's iteration variable (`[(u := ...) for u in us]`).
    if bound_by_enclosing_comprehension(cx, name.id.as_str()) {
        return None;
    }
    pieces.insert(0, Piece::Text("(".into()));
    pieces.push(Piece::Text(" := ".into()));
    if operator {
        pieces.push(Piece::Text("(".into()));
        pieces.extend(value.iter().cloned());
        pieces.push(Piece::Text(")".into()));
    } else {
        pieces.extend(value.iter().cloned());
    }
    pieces.push(Piece::Text(")".into()));
    Some(pieces)
}

/// Whether a comprehension around the expression being visited binds `name` in a `for`.
fn bound_by_enclosing_comprehension(cx: &Context, name: &str) -> bool {
    let binds = |generators: &[ast::Comprehension]| {
        generators.iter().any(|generator| {
            let mut bound = false;
            crate::parse::visitor::walk_expr(&mut NameSearch { name, found: &mut bound }, &generator.target);
            bound || matches!(&generator.target, Expr::Name(n) if n.id.as_str() == name)
        })
    };
    cx.expr_stack.iter().any(|expr| match expr {
        Expr::ListComp(c) => binds(&c.generators),
        Expr::SetComp(c) => binds(&c.generators),
        Expr::DictComp(c) => binds(&c.generators),
        Expr::Generator(c) => binds(&c.generators),
        _ => false,
    })
}

/// Finds a name anywhere in a target (`for (a, b) in ...`).
struct NameSearch<'n> {
    name: &'n str,
    found: &'n mut bool,
}

impl<'a> crate::parse::visitor::Visitor<'a> for NameSearch<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if matches!(expr, Expr::Name(n) if n.id.as_str() == self.name) {
            *self.found = true;
        }
        crate::parse::visitor::walk_expr(self, expr);
    }
}

/// Whether `expr` names a parameter of the enclosing function whose default is `default`
/// (`dtype=dtype` in `def __init__(self, ..., dtype=None)`): a wrapper passing its caller's
/// choice on, torch's default unless the caller says otherwise.
fn forwards_default(cx: &Context, expr: &Expr, default: &str) -> bool {
    let (Expr::Name(name), Some((function, _))) = (expr, &cx.function) else { return false };
    let parameters = &function.parameters;
    parameters.args.iter().chain(&parameters.kwonlyargs).any(|p| {
        p.parameter.name.as_str() == name.id.as_str() && p.default.as_deref().is_some_and(|d| cx.src(d) == default)
    })
}

/// Whether an argument is of the kind a parameter is annotated with: `int` (an integer
/// literal), `notint`, `not-minus-one`, `tensor` (known to be one), `nottensor`, `dtype`,
/// `list` (a list or tuple display: `[a, b]`), `notstr` (not a string literal), `seq` and
/// `notseq` (a tuple or list literal, or not), `notnone`, `channels-last` (a feature map of a
/// channels-last module, as the channels-last rule tells them), `channels-first-axis` (an axis
/// counted in torch's layout, which holds outside channels-last modules only), or a literal
/// the argument must be (`approximate: 'tanh'`, `dim: -1`, `training: False`, `bias: None`,
/// `full_matrices: False`). Other annotations are documentation.
fn fits(cx: &Context, expr: &Expr, kind: &str) -> bool {
    let known_tensor = || cx.tensor(expr) == Certainty::Tensor;
    match kind {
        "int" => super::context::int_literal(expr).is_some(),
        "notint" => super::context::int_literal(expr).is_none(),
        "notstr" => !matches!(expr, Expr::StringLiteral(_)),
        "notseq" => !matches!(expr, Expr::Tuple(_) | Expr::List(_)),
        "seq" => matches!(expr, Expr::Tuple(_) | Expr::List(_)),
        "notnone" => !matches!(expr, Expr::NoneLiteral(_)),
        "None" => matches!(expr, Expr::NoneLiteral(_)),
        "True" | "False" => matches!(expr, Expr::BooleanLiteral(b) if b.value == (kind == "True")),
        "channels-last" => super::channels_last::channel_sensitive(cx, expr),
        forwards if forwards.starts_with("forwards=") => forwards_default(cx, expr, &forwards["forwards=".len()..]),
        "channels-first-axis" => cx.class_info().is_none_or(|class| class.feature_rank.is_none()),
        literal if literal.parse::<i64>().is_ok() => super::context::int_literal(expr) == literal.parse().ok(),
        "not-minus-one" => match expr {
            // `t.expand(*shape)`: the spread sizes are unknown, and `[-1] * n` (keep every size
            // but one) is how such lists are built.
            Expr::Starred(_) => false,
            Expr::Tuple(t) => t.elts.iter().all(|e| super::context::int_literal(e) != Some(-1)),
            Expr::List(l) => l.elts.iter().all(|e| super::context::int_literal(e) != Some(-1)),
            _ => super::context::int_literal(expr) != Some(-1),
        },
        "tensor" => known_tensor(),
        "list" => matches!(expr, Expr::List(_) | Expr::Tuple(_) | Expr::ListComp(_)),
        "nottensor" => !known_tensor(),
        "dtype" => {
            cx.torch_name(expr).is_some_and(|q| super::dtypes::mlx_dtype(&q).is_some() || q == "torch.float64" || q == "torch.double")
                || matches!(expr, Expr::Attribute(a) if a.attr.as_str() == "dtype")
                // An MLX dtype (`mx.float32`: a partial port seen again).
                || matches!(expr, Expr::Attribute(a) if super::dtypes::mlx_dtype(&format!("torch.{}", a.attr.as_str())).is_some() || a.attr.as_str() == "bool_")
                || matches!(expr, Expr::Name(n) if n.id.as_str().contains("dtype"))
        }
        quoted if quoted.starts_with(['\'', '"']) => {
            matches!(expr, Expr::StringLiteral(s) if s.value.to_str() == quoted.trim_matches(['\'', '"']))
        }
        _ => true,
    }
}

/// An operator expression replacing a call needs parentheses unless the call stands alone:
/// a statement's value, an argument, an element, a keyword's value.
fn needs_parentheses(cx: &Context, call: &ast::ExprCall) -> bool {
    let call_range = span(call);
    match cx.parent_expr() {
        None => false,
        Some(Expr::Call(parent)) => span(parent.func.as_ref()) == call_range,
        Some(Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) | Expr::Dict(_)) => false,
        Some(_) => true,
    }
}

/// For a call of a method torch tensors have and MLX arrays lack: whether its receiver is
/// known to be a tensor, or `None` when it is known not to be one (or is torch itself, or a
/// module). Called at every call: the method name is looked up before the receiver is judged.
pub fn maybe_tensor_method_call(cx: &Context, call: &ast::ExprCall) -> Option<bool> {
    let (receiver, method) = method_call(call)?;
    if !table().tensor_only_method(method) || cx.is_torch(receiver) {
        return None;
    }
    match cx.tensor(receiver) {
        Certainty::NotTensor => None,
        _ if module_like(cx, receiver) => None,
        certainty => Some(certainty == Certainty::Tensor),
    }
}

/// For an attribute torch tensors have and MLX arrays lack, read or set but not called
/// (`p.grad`, `p.requires_grad = False`, `x.H`): whether its receiver is known to be a tensor,
/// or `None` when it is known not to be one (or is torch itself, or a module). `x.device` and
/// `x.data` are their rules'; on a receiver not known to be a tensor, `name` and `layout` are
/// more likely another object's.
pub fn maybe_tensor_property(cx: &Context, expr: &Expr) -> Option<bool> {
    let Expr::Attribute(attribute) = expr else { return None };
    let name = attribute.attr.as_str();
    if !table().tensor_only_property(name) || matches!(name, "device" | "data") {
        return None;
    }
    if matches!(cx.parent_expr(), Some(Expr::Call(call)) if std::ptr::eq(call.func.as_ref(), expr)) {
        return None; // a method call's callee: `maybe_tensor_method_call` judges it
    }
    let receiver = attribute.value.as_ref();
    if cx.is_torch(receiver) || module_like(cx, receiver) {
        return None;
    }
    match cx.tensor(receiver) {
        Certainty::NotTensor => None,
        Certainty::Unknown if matches!(name, "name" | "layout") => None,
        certainty => Some(certainty == Certainty::Tensor),
    }
}

/// `self`, a layer attribute, a name bound to a module of this file or an `nn` layer: its
/// `half()`, `float()`, `type()`... are the module's, not a tensor's.
pub(crate) fn module_like(cx: &Context, receiver: &Expr) -> bool {
    match receiver {
        Expr::Name(name) if name.id.as_str() == "self" => cx.in_module(),
        Expr::Name(name) => {
            matches!(name.id.as_str(), "model" | "module" | "net" | "network") || cx.module_instance(name.id.as_str())
        }
        Expr::Attribute(_) => cx.layer_type(receiver).is_some() || cx.is_local_module(receiver),
        _ => false,
    }
}

/// Method names Python's own types have too (`set.add`, `list.index`, `str.split`): on a
/// receiver not known to be a tensor, they are more likely those.
fn shared_with_builtins(method: &str) -> bool {
    static SHARED: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> = std::sync::LazyLock::new(|| {
        include_str!("../api/names/other_types.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(' '))
            .filter(|(kind, _)| matches!(*kind, "str" | "bytes" | "list" | "tuple" | "dict" | "set" | "int" | "float"))
            .map(|(_, name)| name)
            .collect()
    });
    SHARED.contains(method)
}

/// The template as a reader sees it: parameters by name, optional groups unmarked.
fn display_form(entry: &Entry) -> String {
    let Action::Rewrite(template) = &entry.action else {
        return entry.mlx_form();
    };
    let mut out = String::new();
    fn walk(segments: &[crate::api::Segment], out: &mut String) {
        for segment in segments {
            match segment {
                crate::api::Segment::Text(t) => out.push_str(t),
                crate::api::Segment::Ref { param, .. } => out.push_str(param),
                crate::api::Segment::Group(inner) => walk(inner, out),
            }
        }
    }
    walk(&template.segments, &mut out);
    out.replace("self.", "x.").replace("(self", "(x").replace("self ", "x ")
}

fn manual_message(entry: &Entry, why: &str) -> String {
    let mut message = format!("{}: {why}", entry.torch);
    if let Some(closest) = &entry.closest {
        message.push_str(&format!("; closest MLX: {closest}"));
    }
    message
}


/// `einops.repeat` and its kin, called in a torch file: their arguments are tensors, which the
/// port makes MLX arrays.
fn mended_helper(cx: &Context, func: &Expr) -> Option<String> {
    if !cx.semantic.imports_torch() {
        return None;
    }
    cx.semantic
        .qualified(func)
        .filter(|name| crate::api::syntax::is_mended_helper(name))
}

const CHANNELS_FIRST_NOTE: &str = "torch's channels-first layout kept: this module's feature maps are not known to be channels-last (its layers sit in containers or locals), so the MLX layer runs between two axis moves";

/// In a method of a module class whose own layers are not channels-last (`self.net =
/// nn.Sequential(nn.Conv1d(...))` holds them in a container), or in a function building such
/// containers: its feature maps keep torch's layout, which the port's callers and the
/// channels-last rule both assume.
fn in_channels_first_module(cx: &Context) -> bool {
    cx.function.is_some() && cx.in_channels_first_scope()
}

/// The rendered constructor call `nn.Conv1d(...)` with `callee` in place of `nn.Conv1d`; `None`
/// when the template builds something else (a shim, a lambda).
fn called_as(mut pieces: Vec<Piece>, torch: &str, callee: &Expr) -> Option<Vec<Piece>> {
    let class = super::layers::mlx_class(torch)?;
    let Some(Piece::Text(first)) = pieces.first_mut() else { return None };
    let rest = first.strip_prefix(&class)?.strip_prefix('(')?;
    *first = format!("({rest}");
    pieces.insert(0, Piece::Source(span(callee)));
    Some(pieces)
}

/// `nn.Conv1d(...)` → `portui_shims.channels_first_layer(nn.Conv1d)(...)`: the same layer class (its
/// parameters keep their names), taking and returning channels-first arrays.
fn channels_first(mut pieces: Vec<Piece>) -> Vec<Piece> {
    if let Some(Piece::Text(first)) = pieces.first_mut()
        && let Some(open) = first.find('(')
    {
        let callee = first[..open].to_string();
        first.replace_range(..open, &format!("portui_shims.channels_first_layer({callee})"));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;
    use crate::rules::findings_of;

    /// transformers' `from . import initialization as init`: `init.copy_(dst, src)` is the
    /// project's function, not Tensor.copy_ on `init` (which was rewritten to `init = ...`).
    #[test]
    fn methods_of_imported_modules_are_not_tensor_methods() {
        let source = "import torch\nfrom . import initialization as init\nfrom .. import utils\ndef f(m, v):\n    init.copy_(m.inv_freq, v)\n    init.normal_(m.weight, mean=0.0, std=0.02)\n    utils.add(v)\n    v.add_(1)\n";
        let found: Vec<&str> = findings_of("api", source).iter().map(|f| &source[f.range.clone()]).collect();
        assert_eq!(found, ["v.add_(1)"]);
    }

    /// The in-place `_foreach_*_` functions change each array in place and return the list,
    /// so a call is ported wherever it is: a statement, a value, a list display.
    #[test]
    fn in_place_foreach_calls_are_ported_anywhere() {
        let source = "import torch\ndef f(ts):\n    torch._foreach_abs_(ts)\n    y = torch._foreach_abs_(ts)\n    torch._foreach_mul_([a, b], 0.5)\n";
        let found = findings_of("api", source);
        let forms: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{forms:?}");
        assert!(found.iter().all(|f| f.applicability == Applicability::Safe), "{forms:?}");
        assert!(forms[0].contains("portui_shims.foreach_assign_("), "{}", forms[0]);
        assert!(forms[2].contains("portui_shims.foreach_mul"), "{}", forms[2]);
    }

    /// `x.requires_grad_()` returns x unchanged in MLX: as a statement it is removed, as a
    /// value it is the receiver, and nothing is assigned back.
    #[test]
    fn a_method_returning_its_receiver_unchanged_is_removed_as_a_statement() {
        let (findings, ported) = api("def f(x, flag):\n    x.requires_grad_()\n    y = x.detach().requires_grad_(True)\n    z = x.requires_grad_(False)\n    if flag:\n        x.requires_grad_()\n    return y, z\n");
        assert_eq!(findings.iter().filter(|f| f.applicability == Applicability::Manual).count(), 1, "{findings:?}");
        assert!(!ported.contains("x.requires_grad_()") && !ported.contains("x = x"), "{ported}");
        assert!(ported.contains("    if flag:\n        pass\n"), "{ported}");
        assert!(ported.contains("y = mx.stop_gradient(x)\n"), "{ported}");
        assert!(ported.contains("z = x.requires_grad_(False)"), "{ported}");
    }

    #[test]
    fn a_boolean_annotation_picks_the_overload() {
        let source = "import torch\nu = torch.linalg.svd(a, full_matrices=False)\nv = torch.linalg.svd(a, full_matrices=flag)\nw = torch.linalg.svd(a)\n";
        let found = findings_of("api", source);
        assert!(found[0].message.contains("svd_reduced"), "{}", found[0].message);
        assert_eq!(found[1].applicability, Applicability::Manual);
        assert!(found[2].message.contains("mx.linalg.svd"), "{}", found[2].message);
    }

    const HEADER: &str = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n";

    /// The api rule's findings on `body` (after the imports), and the port with all accepted.
    fn api(body: &str) -> (Vec<crate::rules::Finding>, String) {
        let source = format!("{HEADER}{body}");
        let findings = crate::rules::findings_of("api", &source);
        let ported = crate::port::port(&source, &findings, |_| true).expect("ports").text;
        (findings, ported)
    }

    const CNN: &str = "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 4, 3)\n        self.sm = nn.Softmax(dim=1)\n\n    def forward(self, x):\n        out = self.conv(x)\n        a = F.conv2d(out, self.conv.weight)\n        return F.max_pool2d(out, 2) + a\n";

    #[test]
    fn channels_last_feature_maps_take_their_own_overloads() {
        let (findings, _) = api(CNN);
        let conv = findings.iter().find(|f| f.message.starts_with("torch.nn.functional.conv2d")).expect("conv2d");
        assert_eq!(conv.applicability, Applicability::Manual);
        assert!(conv.message.contains("channels-last feature map"), "{}", conv.message);
        // The pool is the functional rule's; the softmax's axis counts torch's layout.
        assert!(!findings.iter().any(|f| f.message.contains("max_pool2d")));
        let softmax = findings.iter().find(|f| f.message.starts_with("torch.nn.Softmax")).expect("softmax");
        assert_eq!(softmax.applicability, Applicability::Manual);
        // Outside a channels-last module, torch's layouts are kept by the rewrite.
        let (_, ported) = api("def f(x, w):\n    return F.conv2d(x, w, padding=1), F.max_pool2d(x, 2)\n");
        assert!(ported.contains("portui_shims.conv(x, w, padding=1)"), "{ported}");
        assert!(ported.contains("portui_shims.channels_first(nn.MaxPool2d(2), x, 2)"), "{ported}");
    }

    #[test]
    fn layer_classes_and_channels_last_global_pools_are_left_to_their_rules() {
        // nn.Identity as a value is the layers rule's (one finding, not two over one range).
        let (findings, _) = api("ACTIVATIONS = dict(identity=nn.Identity)\n");
        assert!(findings.is_empty(), "{findings:?}");
        // A global pool of a channels-last feature map held in a list is the channels-last
        // rule's mean over H and W; the table's channels-first shim would pool the wrong axes.
        let cnn = "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 4, 3)\n\n    def forward(self, x):\n        feats = [self.conv(x)]\n        return F.adaptive_avg_pool2d(feats[-1], 1)\n";
        let (findings, _) = api(cnn);
        assert!(!findings.iter().any(|f| f.message.contains("adaptive_avg_pool2d")), "{findings:?}");
    }

    #[test]
    fn a_softmax_layer_without_dim_takes_torchs_implicit_axis_outside_channels_last_modules() {
        let (_, ported) = api("s = nn.Softmax(), nn.LogSoftmax(dim=None), nn.Softmin(0)\n");
        assert!(ported.contains("s = portui_shims.Lambda(lambda x: mx.softmax(x, axis=0 if x.ndim in (0, 1, 3) else 1)), portui_shims.Lambda(lambda x: nn.log_softmax(x, axis=0 if x.ndim in (0, 1, 3) else 1)), portui_shims.Lambda(lambda x: nn.softmin(x, axis=0))"), "{ported}");
        // In a channels-last module the implicit axis, like a given one, counts torch's layout.
        let (findings, _) = api(&CNN.replace("nn.Softmax(dim=1)", "nn.Softmax()"));
        let softmax = findings.iter().find(|f| f.message.starts_with("torch.nn.Softmax")).expect("softmax");
        assert_eq!(softmax.applicability, Applicability::Manual);
    }

    #[test]
    fn a_call_that_fits_no_overload_gives_the_rewrites_reason() {
        let (findings, _) = api("def f(x, w):\n    return F.conv2d(x, w, frob=1)\n");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("no `frob`") && !findings[0].message.contains("channels-last"), "{}", findings[0].message);
    }

    #[test]
    fn literal_annotations_select_and_pin_overloads() {
        let (_, ported) = api("def f(x):\n    a = F.gelu(x, approximate='tanh') + F.gelu(x)\n    s = nn.Softmax(dim=-1), nn.Softmax(0), nn.GELU(approximate=\"tanh\")\n    return F.linear(x, x, None), F.dropout(x, 0.1, training=False)\n");
        assert!(ported.contains("a = nn.gelu_approx(x) + nn.gelu(x)"), "{ported}");
        assert!(ported.contains("s = nn.Softmax(), portui_shims.Lambda(lambda x: mx.softmax(x, axis=0)), nn.GELU(approx=\"precise\")"), "{ported}");
        assert!(ported.contains("return x @ x.T, portui_shims.dropout(x, p=0.1, training=False)"), "{ported}");
    }

    #[test]
    fn inplace_functions_assign_to_their_first_argument() {
        let (findings, ported) = api("def f(x):\n    F.relu_(x)\n    return x\n");
        assert!(ported.contains("    x = nn.relu(x)\n"), "{ported}");
        assert_eq!(findings[0].applicability, Applicability::Review);
    }

    #[test]
    fn inplace_true_assigns_back_unless_the_result_replaces_the_argument() {
        let (_, ported) = api("def f(x):\n    F.relu(x, inplace=True)\n    y = F.relu(x, inplace=True)\n    x = F.relu(x, inplace=True)\n    z = F.relu(x + 1, inplace=True)\n    return x + y + z\n");
        assert!(ported.contains("    x = nn.relu(x)\n    y = x = nn.relu(x)\n    x = nn.relu(x)\n    z = nn.relu(x + 1)\n"), "{ported}");
    }

    #[test]
    fn legacy_loss_arguments_fill_the_reduction() {
        let (_, ported) = api("def f(x, y, g):\n    return F.soft_margin_loss(x, y, False, reduction='none'), F.multilabel_margin_loss(x, y, reduce=g), nn.SoftMarginLoss(None, False), F.hinge_embedding_loss(x, y, size_average=None)\n");
        assert!(ported.contains("portui_shims.soft_margin_loss(x, y, reduction='sum')"), "{ported}");
        assert!(ported.contains("portui_shims.multilabel_margin_loss(x, y, reduction=portui_shims.legacy_reduction(None, g))"), "{ported}");
        assert!(ported.contains("lambda input, target: portui_shims.soft_margin_loss(input, target, reduction='none')"), "{ported}");
        assert!(ported.contains("portui_shims.hinge_embedding_loss(x, y)"), "{ported}");
    }

    #[test]
    fn a_torch_alias_is_replaced_whole() {
        let source = format!("{HEADER}import torch.nn as tnn\n\nfc = tnn.Linear(3, 2)\n");
        let findings = crate::rules::findings_of("api", &source);
        let at = source.find("tnn.Linear").expect("call");
        assert_eq!(findings[0].edits[0].range, at..at + 3, "the whole alias, not its `t`");
    }
}
