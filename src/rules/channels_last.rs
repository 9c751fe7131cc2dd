//! channels-last: in modules with convolutions, pooling or 2-D norms, every op that names an
//! axis of a feature map is rewritten for MLX's channels-last layout.
//!
//! Why: torch activations are NCHW (NCL for 1-D); MLX's are NHWC (NLC). Once the layers are
//! ported, index 1 is no longer the channel axis: `x.size(1)` reads the height,
//! `torch.cat(..., dim=1)` joins along the wrong axis, `F.pad`'s flat tuple (last axis
//! first) pads the wrong axes, `F.avg_pool2d(x, x.size()[3])` pools over channels and returns
//! an empty array, and `x.view(N, -1)` flattens in another order so the next Linear sees
//! permuted features (mlx-traps #19-22). The model's callers must now pass NHWC input
//! (`x.transpose(0, 2, 3, 1)`); the weight map records it.
//!
//! Example: `out.size()[3]` → `out.shape[2]`; `F.pad(out, (0, 1, 0, 1))` →
//! `mx.pad(out, [(0, 0), (0, 1), (0, 1), (0, 0)])`; `F.avg_pool2d(out, out.size()[3])` →
//! `mx.mean(out, axis=(1, 2), keepdims=True)`; `out.view(out.size(0), -1)` →
//! `out.transpose(0, 3, 1, 2).reshape(out.shape[0], -1)`.
//!
//! Fix safety: review. Which tensors are feature maps is inferred (arrays in a
//! channels-last module's methods until they are flattened): check each rewrite.

use super::calls::method_call;
use super::context::{postfix_hole, hole, int_literal, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};
use crate::tensors::Certainty;
use crate::semantic::ClassInfo;
use rustc_hash::{FxHashMap, FxHashSet};

pub struct ChannelsLast;
pub static RULE: ChannelsLast = ChannelsLast;

impl Rule for ChannelsLast {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "channels-last", step: "1", checklist: "channels-last", summary: "axis-naming ops on feature maps → channels-last" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtReturn, NodeKind::StmtFunctionDef, NodeKind::ExprSubscript, NodeKind::ExprCall])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Some(rank) = feature_rank(cx) else { return };
        match expr {
            // x[:, :c, :, :]: one index per axis of a feature map, the channel's second
            Expr::Subscript(subscript) if full_index(&subscript.slice, rank) => {
                if !channel_sensitive(cx, subscript.value.as_ref()) {
                    return;
                }
                let Expr::Tuple(index) = subscript.slice.as_ref() else { return };
                let mut order: Vec<&Expr> = index.elts.iter().collect();
                let channel = order.remove(1);
                order.push(channel);
                let moved: Vec<&str> = order.iter().map(|e| cx.src(e)).collect();
                out.review(span(expr), format!("an index of each axis of an {} feature map: the channel's moves last channels-last", layout_name(rank).0), vec![Edit::replace(span(subscript.slice.as_ref()), moved.join(", "))]);
            }
            // x.shape[i] / x.size()[i]
            Expr::Subscript(subscript) => {
                let base = match subscript.value.as_ref() {
                    Expr::Attribute(a) if a.attr.as_str() == "shape" => a.value.as_ref(),
                    Expr::Call(c) if method_call(c).is_some_and(|(_, m)| m == "size") && c.arguments.is_empty() => method_call(c).expect("checked").0,
                    _ => return,
                };
                if let Expr::Slice(slice) = subscript.slice.as_ref() {
                    if channel_sensitive(cx, base) {
                        shape_slice(cx, expr, subscript, slice, rank, out);
                    }
                    return;
                }
                let Some(index) = int_literal(&subscript.slice) else { return };
                let in_global_pool = matches!(cx.parent_expr(), Some(Expr::Call(parent)) if is_global_pool(cx, parent));
                if !channel_sensitive(cx, base) || in_global_pool {
                    return;
                }
                let Some(new) = remap(index, rank) else { return };
                if new != index {
                    out.review(span(expr), format!("axis {index} of an {} feature map is axis {new} channels-last", layout_name(rank).0), vec![Edit::replace(span(subscript.slice.as_ref()), new.to_string())]);
                }
            }
            Expr::Call(call) => self.call(cx, call, rank, out),
            _ => {}
        }
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        if let Stmt::Return(ret) = stmt
            && cx.function_name() == Some("forward")
            && let Some(value) = &ret.value
            && let Some(rank) = feature_rank(cx)
            && channel_sensitive(cx, value)
            && let Some(class) = cx.class
        {
            let (torch, mlx) = layout_name(rank);
            let finding = out.manual(span(stmt), format!("{} returns an {mlx} feature map where torch's was {torch}: callers that read channels on axis 1 must use the last axis (recorded in portui-weights.json)", class.name));
            finding.weights.push(crate::weights::WeightNote::Output { class: class.name.to_string(), layout: mlx.to_string() });
            return;
        }
        let Stmt::FunctionDef(function) = stmt else { return };
        if function.name.as_str() != "forward" || cx.function.is_some() {
            return;
        }
        let Some(rank) = class_rank(cx) else { return };
        let (torch, mlx) = layout_name(rank);
        let Some(class) = cx.class else { return };
        let permutation = if rank == 4 { "x.transpose(0, 2, 3, 1)" } else if rank == 3 { "x.transpose(0, 2, 1)" } else { "x.transpose(0, 2, 3, 4, 1)" };
        if let Some(edit) = entry_transpose(cx, class, function, permutation) {
            out.review(span(&function.name), format!("{} is the model this file builds: its input stays torch's {torch} and is transposed to {mlx} on entry, so callers need no change", class.name), vec![edit]);
            return;
        }
        let finding = out.manual(span(&function.name), format!("{}'s input is now {mlx}, not {torch}: callers pass {permutation} (recorded in portui-weights.json)", class.name));
        finding.weights.push(crate::weights::WeightNote::Input { class: class.name.to_string(), index: 0, layout: mlx.to_string() });
    }
}

/// For the model the file itself builds (a class called by name outside every class body,
/// never handed to another constructor, as `ResNet(BasicBlock, ...)` is built and
/// `BasicBlock` handed on), the transposition to channels-last on entry: its callers (a
/// training script, a benchmark) keep passing torch's layout. Blocks used inside other
/// modules keep channels-last inputs, as the layers they feed expect.
fn entry_transpose(cx: &Context, class: &ast::StmtClassDef, function: &ast::StmtFunctionDef, permutation: &str) -> Option<Edit> {
    if !cx.built_models.get_or_init(|| built_models(cx.module, &cx.semantic.classes)).contains(class.name.as_str()) {
        return None;
    }
    let input = function.parameters.args.get(1)?.parameter.name.as_str();
    let first = function.body.iter().find(|stmt| !matches!(stmt, Stmt::Expr(e) if e.value.is_string_literal_expr()))?;
    let line_start = cx.statement_lines(first)?.start;
    let transpose = permutation.replacen('x', input, 1);
    Some(Edit::insert(line_start, format!("{}{input} = {transpose}  # torch's channels-first in; MLX layers are channels-last\n", cx.indent_of(first))))
}

/// The classes the module builds: called by name outside every class body and named nowhere
/// else (references inside a class's own body, `super(ResNet, self)`, say nothing about its
/// users). Found in one walk, the first time a file asks.
pub(crate) fn built_models<'a>(module: &'a ast::ModModule, classes: &'a FxHashMap<String, ClassInfo>) -> FxHashSet<String> {
    struct Uses<'a> {
        /// The module's classes: no other name is recorded.
        candidates: &'a FxHashMap<String, ClassInfo>,
        /// Enclosing class names, innermost last.
        classes: Vec<&'a str>,
        built_outside_classes: FxHashSet<&'a str>,
        referenced_otherwise: FxHashSet<&'a str>,
    }
    impl<'a> Uses<'a> {
        fn refer(&mut self, name: &'a str, built: bool) {
            if !self.candidates.contains_key(name) || self.classes.contains(&name) {
                return;
            }
            if built && self.classes.is_empty() {
                self.built_outside_classes.insert(name);
            } else {
                self.referenced_otherwise.insert(name);
            }
        }
    }
    impl<'a> Visitor<'a> for Uses<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if let Stmt::ClassDef(class) = stmt {
                self.classes.push(class.name.as_str());
                visitor::walk_stmt(self, stmt);
                self.classes.pop();
            } else {
                visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr
                && let Expr::Name(name) = call.func.as_ref()
            {
                self.refer(name.id.as_str(), true);
                visitor::walk_arguments(self, &call.arguments);
                return;
            }
            if let Expr::Name(name) = expr {
                self.refer(name.id.as_str(), false);
            }
            visitor::walk_expr(self, expr);
        }
        // `def resnet18(...) -> ResNet`: a type names the class without using it.
        fn visit_annotation(&mut self, _: &'a Expr) {}
    }
    let mut uses = Uses { candidates: classes, classes: Vec::new(), built_outside_classes: FxHashSet::default(), referenced_otherwise: FxHashSet::default() };
    module.body.iter().for_each(|stmt| uses.visit_stmt(stmt));
    let Uses { mut built_outside_classes, referenced_otherwise, .. } = uses;
    built_outside_classes.retain(|name| !referenced_otherwise.contains(name));
    built_outside_classes.into_iter().map(str::to_string).collect()
}

impl ChannelsLast {
    fn call(&self, cx: &Context, call: &ast::ExprCall, rank: usize, out: &mut Findings) {
        let range = span(call);
        if let Some((receiver, method)) = method_call(call).filter(|_| !cx.is_torch(&call.func)) {
            match method {
                "size" if call.arguments.args.len() == 1 && channel_sensitive(cx, receiver) => {
                    let Some(index) = int_literal(&call.arguments.args[0]) else { return };
                    let Some(new) = remap(index, rank) else { return };
                    out.review(range.clone(), format!("size({index}) of a feature map → shape[{new}] channels-last"), vec![Edit::template(range, vec![postfix_hole(cx.text, receiver), text(format!(".shape[{new}]"))])]);
                }
                "view" | "reshape" if channel_map_shape(call, rank) => {
                    let args = &call.arguments.args;
                    let ones = vec!["1"; rank - 2].join(", ");
                    let edit = Edit::replace(span(&args[1]).start..span(&args[rank - 1]).end, format!("{ones}, {}", cx.src(&args[1])));
                    out.review(range, format!("a per-channel map shaped (N, C, {ones}) for torch's layout is (N, {ones}, C) channels-last"), vec![edit]);
                }
                "view" | "reshape" | "flatten" if channel_sensitive(cx, receiver) && flattens(call, method) => {
                    let order = if rank == 4 { "(0, 3, 1, 2)" } else if rank == 3 { "(0, 2, 1)" } else { "(0, 4, 1, 2, 3)" };
                    out.review(range, "flattening a channels-last feature map: transpose back to channels-first order first so the next layer sees torch's feature order", vec![Edit::insert(span(receiver).end, format!(".transpose{order}"))]);
                }
                _ => {}
            }
            if method != "size" {
                self.dim_keyword(cx, call, receiver, rank, out);
            }
            return;
        }
        let Some(q) = cx.torch_name(&call.func) else { return };
        match q.as_str() {
            _ if claims_global_pool(cx, call, &q) => {
                let x = call.arguments.args.first().expect("checked by is_global_pool");
                let op = if q.ends_with("max_pool2d") { "mx.max" } else { "mx.mean" };
                out.review(range.clone(), format!("global pooling over H and W: {op}(x, axis=(1, 2), keepdims=True) (channels-last; index 3 is channels now)"), vec![Edit::template(range, vec![text(format!("{op}(")), hole(x), text(", axis=(1, 2), keepdims=True)")])]);
            }
            "torch.flatten" => {
                if let Some(x) = call.arguments.args.first()
                    && channel_sensitive(cx, x)
                {
                    // `torch.flatten(x, 1)` as `x.flatten(1)`: transpose back to channels-first
                    // first (the api rule rewrites the call around it).
                    let from_one = call.arguments.args.get(1).and_then(int_literal) == Some(1) && call.arguments.args.len() == 2 && call.arguments.keywords.is_empty();
                    if from_one && matches!(x, Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_) | Expr::Subscript(_)) {
                        let order = if rank == 4 { "(0, 3, 1, 2)" } else if rank == 3 { "(0, 2, 1)" } else { "(0, 4, 1, 2, 3)" };
                        out.review(range, "flattening a channels-last feature map: transpose back to channels-first order first so the next layer sees torch's feature order", vec![Edit::insert(span(x).end, format!(".transpose{order}"))]);
                    } else {
                        out.manual(range, "torch.flatten of a channels-last feature map: use x.transpose(0, 3, 1, 2).reshape(x.shape[0], -1) to keep torch's feature order");
                    }
                }
            }
            _ => {
                if let Some(first) = call.arguments.args.first() {
                    let first = match first {
                        Expr::List(l) => l.elts.first(),
                        Expr::Tuple(t) => t.elts.first(),
                        other => Some(other),
                    };
                    if let Some(first) = first {
                        self.dim_keyword(cx, call, first, rank, out);
                    }
                }
            }
        }
    }

    /// The axis argument (`dim=1`, `dim=(2, 3)`, or positional: `x.mean(1)`,
    /// `torch.cat(xs, 1)`) of an op over feature maps → the channels-last axes.
    fn dim_keyword(&self, cx: &Context, call: &ast::ExprCall, data: &Expr, rank: usize, out: &mut Findings) {
        if !channel_sensitive(cx, data) {
            return;
        }
        let positional = if method_call(call).is_some() && !cx.is_torch(&call.func) { 0 } else { 1 };
        let takes_axis = match call.func.as_ref() {
            Expr::Attribute(a) => AXIS_OPS.contains(&a.attr.as_str()),
            _ => false,
        };
        let Some(dim) = keyword(call, "dim").map(|k| &k.value).or_else(|| takes_axis.then(|| call.arguments.args.get(positional)).flatten()) else { return };
        let indices: Vec<i64> = match dim {
            Expr::Tuple(t) => t.elts.iter().map(int_literal).collect::<Option<_>>().unwrap_or_default(),
            Expr::List(l) => l.elts.iter().map(int_literal).collect::<Option<_>>().unwrap_or_default(),
            single => int_literal(single).into_iter().collect(),
        };
        let Some(mapped) = indices.iter().map(|&i| remap(i, rank)).collect::<Option<Vec<i64>>>() else { return };
        if mapped.is_empty() || mapped == indices {
            return;
        }
        let text = match dim {
            Expr::Tuple(_) | Expr::List(_) => format!("({})", mapped.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
            _ => mapped[0].to_string(),
        };
        let message = format!("axis {} of a feature map is axis {text} channels-last", cx.src(dim));
        out.review(span(dim), message, vec![Edit::replace(span(dim), text)]);
    }
}

/// Ops whose first argument after the data (or the receiver) is an axis.
const AXIS_OPS: &[&str] = &[
    "cat", "stack", "concatenate", "sum", "mean", "amax", "amin", "max", "min", "argmax", "argmin",
    "softmax", "log_softmax", "cumsum", "prod", "var", "std", "norm", "logsumexp", "all", "any",
    "count_nonzero", "cummax", "cummin", "flip", "index_select",
];

/// Rank of this module's feature maps when it is channels-last and we are in a method.
fn feature_rank(cx: &Context) -> Option<usize> {
    cx.function.as_ref()?;
    class_rank(cx)
}

/// Rank of the feature maps of the enclosing channels-last module class.
fn class_rank(cx: &Context) -> Option<usize> {
    cx.class_info()?.feature_rank
}

fn layout_name(rank: usize) -> (&'static str, &'static str) {
    match rank {
        3 => ("NCL", "NLC"),
        5 => ("NCDHW", "NDHWC"),
        _ => ("NCHW", "NHWC"),
    }
}

/// `.view(b, c, 1, 1)` in a channels-last module (ResNeSt's split attention, squeeze-excite
/// gates): a per-channel map shaped to broadcast over torch's channels-first maps, which the
/// module's maps now carry last.
fn channel_map_shape(call: &ast::ExprCall, rank: usize) -> bool {
    let args = &call.arguments.args;
    call.arguments.keywords.is_empty()
        && args.len() == rank
        && args[2..].iter().all(|arg| int_literal(arg) == Some(1))
        && int_literal(&args[1]) != Some(1)
        && !matches!(args[1], Expr::Starred(_))
}

/// `x.shape[:2]` of a feature map (ResNeSt's `batch, rchannel = x.shape[:2]`): the same axes
/// channels-last, as a slice where they stay contiguous (`x.shape[2:]` → `x.shape[1:3]`), else
/// each read alone (`(x.shape[0], x.shape[3])`).
fn shape_slice(cx: &Context, expr: &Expr, subscript: &ast::ExprSubscript, slice: &ast::ExprSlice, rank: usize, out: &mut Findings) {
    let bound = |value: &Option<Box<Expr>>, absent: i64| match value.as_deref() {
        None => Some(absent),
        Some(value) => int_literal(value).map(|i| if i < 0 { i + rank as i64 } else { i }.clamp(0, rank as i64)),
    };
    let (Some(start), Some(stop)) = (bound(&slice.lower, 0), bound(&slice.upper, rank as i64)) else { return };
    if slice.step.is_some() || start >= stop {
        return;
    }
    let axes: Vec<i64> = (start..stop).filter_map(|axis| remap(axis, rank)).collect();
    if axes.iter().copied().eq(start..stop) {
        return;
    }
    let (torch, _) = layout_name(rank);
    let message = format!("axes {start}..{stop} of an {torch} feature map are axes {axes:?} channels-last");
    if axes.windows(2).all(|pair| pair[1] == pair[0] + 1) {
        let moved = format!("{}:{}", axes[0], axes[axes.len() - 1] + 1);
        out.review(span(expr), message, vec![Edit::replace(span(slice), moved)]);
    } else {
        let shape = cx.src(subscript.value.as_ref());
        let reads: Vec<String> = axes.iter().map(|axis| format!("{shape}[{axis}]")).collect();
        out.review(span(expr), message, vec![Edit::replace(span(expr), format!("({}{})", reads.join(", "), if reads.len() == 1 { "," } else { "" }))]);
    }
}

/// Channels-first axis → channels-last axis, keeping the sign convention of the input.
fn remap(index: i64, rank: usize) -> Option<i64> {
    let rank_i = rank as i64;
    let positive = if index < 0 { index + rank_i } else { index };
    if !(0..rank_i).contains(&positive) {
        return None;
    }
    let mapped = match positive {
        0 => 0,
        1 => rank_i - 1,
        p => p - 1,
    };
    Some(if index < 0 { mapped - rank_i } else { mapped })
}

fn flattens(call: &ast::ExprCall, method: &str) -> bool {
    let args = &call.arguments.args;
    match method {
        "flatten" => args.first().and_then(int_literal) == Some(1),
        _ => args.len() == 2 && int_literal(&args[1]) == Some(-1),
    }
}

/// `x` holds a channels-last feature map here: a tensor in a channels-last module's method,
/// used before any statement that flattens it.
/// An index of `rank` plain parts (no `...`, no `None`, no starred part), one after the
/// batch's not a bare `:` (else moving the channel's last changes nothing).
fn full_index(slice: &Expr, rank: usize) -> bool {
    let Expr::Tuple(index) = slice else { return false };
    index.elts.len() == rank
        && index.elts.iter().all(|e| !matches!(e, Expr::EllipsisLiteral(_) | Expr::NoneLiteral(_) | Expr::Starred(_)))
        && index.elts.iter().enumerate().any(|(i, e)| {
            !matches!(e, Expr::Slice(s) if s.lower.is_none() && s.upper.is_none() && s.step.is_none()) && i > 0
        })
}

pub fn channel_sensitive(cx: &Context, expr: &Expr) -> bool {
    if feature_rank(cx).is_none() || cx.tensor(expr) != Certainty::Tensor {
        return false;
    }
    let Expr::Name(name) = expr else { return !flattened_chain(expr) };
    let Some((function, _)) = &cx.function else { return false };
    let flattened_at = first_flatten(function, name.id.as_str());
    flattened_at.is_none_or(|at| span(expr).start <= at)
}

/// `g.view(n, -1).sum(1)`: a method chain that flattens the feature map on the way.
fn flattened_chain(expr: &Expr) -> bool {
    let Expr::Call(call) = expr else { return false };
    let Some((receiver, method)) = method_call(call) else { return false };
    (matches!(method, "view" | "reshape" | "flatten") && flattens(call, method)) || flattened_chain(receiver)
}

/// Offset of the first `name = <name>.view(N, -1)`-style statement in a function.
fn first_flatten(function: &ast::StmtFunctionDef, name: &str) -> Option<usize> {
    struct Finder<'n> {
        name: &'n str,
        at: Option<usize>,
    }
    impl<'a> Visitor<'a> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.at.is_none()
                && let Stmt::Assign(assign) = stmt
                && let Expr::Call(call) = assign.value.as_ref()
                && let Some((_, method)) = method_call(call)
                && matches!(method, "view" | "reshape" | "flatten")
                && flattens(call, method)
                && assign.targets.iter().any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == self.name))
            {
                self.at = Some(span(stmt).end);
            }
            visitor::walk_stmt(self, stmt);
        }
    }
    let mut finder = Finder { name, at: None };
    function.body.iter().for_each(|s| finder.visit_stmt(s));
    finder.at
}

/// A 2-d pool over the whole of a channels-last feature map, which this rule rewrites as a
/// mean or max over H and W (the API table's pooling shims take channels-first arrays).
pub fn claims_global_pool(cx: &Context, call: &ast::ExprCall, torch: &str) -> bool {
    matches!(torch, "torch.nn.functional.avg_pool2d" | "torch.nn.functional.adaptive_avg_pool2d" | "torch.nn.functional.max_pool2d") && is_global_pool(cx, call)
}

/// `F.avg_pool2d(x, x.size()[3])`, `F.avg_pool2d(x, x.shape[2])`,
/// `F.adaptive_avg_pool2d(x, 1)`: a pool over the whole (square) spatial extent.
pub fn is_global_pool(cx: &Context, call: &ast::ExprCall) -> bool {
    let Some(x) = call.arguments.args.first() else { return false };
    if feature_rank(cx) != Some(4) || call.arguments.args.len() != 2 || !call.arguments.keywords.is_empty() {
        return false;
    }
    let kernel = &call.arguments.args[1];
    let adaptive = cx.torch_name(&call.func).is_some_and(|q| q.ends_with("adaptive_avg_pool2d"));
    if adaptive {
        return int_literal(kernel) == Some(1) || matches!(kernel, Expr::Tuple(t) if t.elts.iter().all(|e| int_literal(e) == Some(1)));
    }
    let Expr::Subscript(subscript) = kernel else { return false };
    let Some(index) = int_literal(&subscript.slice) else { return false };
    let base = match subscript.value.as_ref() {
        Expr::Attribute(a) if a.attr.as_str() == "shape" => a.value.as_ref(),
        Expr::Call(c) if method_call(c).is_some_and(|(_, m)| m == "size") => method_call(c).expect("checked").0,
        _ => return false,
    };
    matches!(index, 2 | 3 | -1 | -2) && cx.src(base) == cx.src(x)
}

/// `F.pad(x, (l, r, t, b, ...))`: torch's flat tuple runs from the LAST axis backwards;
/// `mx.pad` takes one (before, after) pair per axis in axis order.
pub fn pad(cx: &Context, call: &ast::ExprCall, out: &mut Findings) {
    let range = span(call);
    let (Some(x), Some(pad)) = (call.arguments.args.first(), super::context::argument(call, 1, "pad")) else { return };
    let mode = super::context::argument(call, 2, "mode");
    let constant = mode.is_none_or(|m| matches!(m, Expr::StringLiteral(s) if s.value.to_str() == "constant"));
    let elements: Option<Vec<&Expr>> = match pad {
        Expr::Tuple(t) => Some(t.elts.iter().collect()),
        Expr::List(l) => Some(l.elts.iter().collect()),
        _ => None,
    };
    let Some(elements) = elements.filter(|e| constant && e.len().is_multiple_of(2) && !e.iter().any(|e| e.is_starred_expr() || e.is_unary_op_expr())) else {
        // Worked out when it runs: the pairs (reversed, or moved for channels-last), crops
        // (negative amounts) and the mode.
        let mut pieces = vec![text("portui_shims.pad("), hole(x), text(", "), hole(pad)];
        if let Some(mode) = mode {
            pieces.extend([text(", mode="), hole(mode)]);
        }
        if let Some(value) = super::context::argument(call, 3, "value") {
            pieces.extend([text(", value="), hole(value)]);
        }
        let channels_last = feature_rank(cx).is_some() && channel_sensitive(cx, x);
        pieces.push(text(if channels_last { ", channels_last=True)" } else { ")" }));
        out.review(range.clone(), "F.pad with a computed padding or a non-constant mode → portui_shims.pad, which orders torch's last-axis-first pairs when it runs (channels-last where the input is a feature map)", vec![Edit::template(range, pieces)]);
        return;
    };
    let pairs: Vec<String> = elements.chunks(2).map(|p| format!("({}, {})", cx.src(p[0]), cx.src(p[1]))).collect();
    let padded_axes = pairs.len();
    let value = super::context::argument(call, 3, "value").map(|v| format!(", constant_values={}", cx.src(v))).unwrap_or_default();
    let replacement_pairs = match feature_rank(cx) {
        Some(rank) if channel_sensitive(cx, x) => {
            // channels-first axes (0, 1=C, 2.., rank-1) padded from the last; map each to NHWC.
            let mut per_axis = vec!["(0, 0)".to_string(); rank];
            for (i, pair) in pairs.iter().enumerate() {
                let Some(axis) = remap(rank as i64 - 1 - i as i64, rank) else { return };
                per_axis[axis as usize] = pair.clone();
            }
            format!("[{}]", per_axis.join(", "))
        }
        _ => {
            let reversed: Vec<String> = pairs.iter().rev().cloned().collect();
            format!("[(0, 0)] * ({}.ndim - {padded_axes}) + [{}]", cx.src(x), reversed.join(", "))
        }
    };
    let edit = Edit::template(range.clone(), vec![text("mx.pad("), hole(x), text(format!(", {replacement_pairs}{value})"))]);
    out.review(range, "F.pad's tuple runs from the last axis backwards; mx.pad takes (before, after) per axis in order (channels-last where the input is a feature map)", vec![edit]);
}

#[cfg(test)]
mod tests {
    use crate::fix::Applicability;

    const NET: &str = "import torch\nimport torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3)\n\n    def forward(self, x):\n        x = self.conv(x)\n        return FLATTEN\n";

    fn flatten_findings(flatten: &str) -> Vec<(Applicability, usize)> {
        crate::rules::findings_of("channels-last", &NET.replace("FLATTEN", flatten))
            .into_iter()
            .filter(|f| f.message.contains("flatten"))
            .map(|f| (f.applicability, f.edits.len()))
            .collect()
    }

    #[test]
    fn torch_flatten_from_axis_one_transposes_back_first() {
        assert_eq!(flatten_findings("torch.flatten(x, 1)"), vec![(Applicability::Review, 1)]);
        assert_eq!(flatten_findings("torch.flatten(x, 2)"), vec![(Applicability::Manual, 0)]);
        assert_eq!(flatten_findings("torch.flatten(x + 1, 1)"), vec![(Applicability::Manual, 0)]);
    }

    #[test]
    fn a_model_named_in_annotations_is_still_the_one_the_file_builds() {
        // torchvision's `def resnet18(...) -> ResNet`: its callers (a training script) keep
        // passing channels-first input, so the model transposes on entry.
        let source = NET.replace("FLATTEN", "x") + "\ndef build() -> Net:\n    return Net()\n";
        let findings = crate::rules::findings_of("channels-last", &source);
        assert!(findings.iter().any(|f| f.message.contains("is the model this file builds")), "{findings:?}");
    }

    #[test]
    fn axes_of_cumulative_and_flip_ops_move_too() {
        for op in ["torch.cummax(x, 1)", "torch.flip(x, (1,))", "x.count_nonzero(1)"] {
            let findings = crate::rules::findings_of("channels-last", &NET.replace("FLATTEN", op));
            assert!(findings.iter().any(|f| f.message.contains("channels-last") && f.message.starts_with("axis")), "{op}");
        }
    }
}
