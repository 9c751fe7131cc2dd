//! device: remove device management: `.cuda()`, `.cpu()`, `.to(device)`, `.to("mps")`,
//! `device=` keywords, `torch.device(...)`, `x.device` reads and `torch.cuda.is_available()`
//! (`with torch.cuda.device(...)` blocks are unwrapped by the no-grad rule).
//!
//! Why: MLX has unified memory; arrays are visible to CPU and GPU alike and there is no
//! device to move to. `.to(dtype)` is a cast and becomes `.astype(dtype)`; a module has no
//! `astype` (MLX casts it in place with `set_dtype`, which returns None), so on one it becomes
//! `portui_shims.to(module, dtype)`, which returns the module as torch's `Module.to` does.
//!
//! Example: `x = x.to(device)` → (statement removed); `model.cuda()` → (removed);
//! `y.cpu().numpy()` → `y.numpy()` (then the numpy rule); `t.to(torch.float16)` →
//! `t.astype(mx.float16)`; `device = idx.device` → (removed, when `device` is only used for
//! placement; else `device = mx.default_device()`, what an MLX array's device would be).
//!
//! Fix safety: safe for calls and keywords; review when a `device` variable is deleted
//! (portui checks that all of its uses are placement) or kept as the default device (its
//! other uses are a person's to check), `.to(x)` is guessed to be a device, or
//! `.to(dtype)`'s receiver is not known to be a tensor (nor a module).

use super::calls::method_call;
use super::context::{postfix_hole, hole, keyword, text};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::span;
use crate::parse::visitor::{self, Visitor};

pub struct Device;
pub static RULE: Device = Device;

impl Rule for Device {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "device", step: "2", checklist: "device-removed", summary: "remove .cuda()/.cpu()/.to(device)/device= (unified memory)" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        Some(&[NodeKind::StmtExpr, NodeKind::StmtAssign, NodeKind::ExprCall, NodeKind::ExprAttribute])
    }

    fn check_stmt(&self, cx: &Context, stmt: &Stmt, out: &mut Findings) {
        match stmt {
            // `model.cuda()`, `model.to(device)`, `x = x.to(device)`: the whole statement goes.
            Stmt::Expr(_) | Stmt::Assign(_) if let Some(edit) = whole_placement_deletion(cx, stmt, cx.is_sole_statement(stmt)) => {
                let what = if matches!(stmt, Stmt::Expr(_)) { "device placement" } else { "moving to a device" };
                out.safe(span(stmt), format!("{what}: not needed with unified memory"), vec![edit]);
            }
            Stmt::Assign(assign) if assign.targets.len() == 1 => {
                let target = &assign.targets[0];
                let value = assign.value.as_ref();
                if let Expr::Name(name) = target
                    && is_device_value(cx, value)
                {
                    let name = name.id.as_str();
                    if let Some(mut edits) = placement_uses(cx, name) {
                        if let Some(edit) = cx.delete_statement(stmt, cx.is_sole_statement(stmt)) {
                            edits.insert(0, edit);
                            out.review(span(stmt), format!("`{name}` only places tensors on a device: removed with its uses"), edits);
                        }
                    } else if let Some(edits) = default_device_reads(cx, value) {
                        out.review(span(stmt), format!("`{name}` holds a device and is used for more than placement: an MLX array has none, so it holds MLX's default device (the `device=` uses the port drops ignore it); check its other uses"), edits);
                    } else {
                        out.manual(span(stmt), format!("`{name}` holds a device and is used for more than placement: remove those uses by hand"));
                    }
                }
            }
            _ => {}
        }
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        let Expr::Call(call) = expr else {
            if let Expr::Attribute(attribute) = expr {
                match attribute.attr.as_str() {
                    "is_cuda" if attribute.ctx == ast::ExprContext::Load => {
                        // Only a read: `self.is_cuda = ...` is the object's own attribute.
                        out.safe(span(expr), "MLX has no CUDA placement", vec![Edit::replace(span(expr), "False")]);
                    }
                    "device" if device_read_left(cx, attribute) => {
                        out.review(
                        span(expr),
                        "x.device: an MLX array has no device (unified memory); the default device stands in, for the `device=` and `.to()` uses that the port drops",
                        vec![Edit::replace(span(expr), "mx.default_device()")],
                        );
                    }
                    _ => {}
                }
            }
            return;
        };
        let range = span(call);
        if let Some(q) = cx.torch_name(&call.func) {
            let in_device_choice = matches!(cx.stmt(), Some(Stmt::Assign(a)) if is_device_value(cx, &a.value));
            if in_device_choice {
                return; // the whole `device = ...` statement is handled as one
            }
            if q == "torch.cuda.is_available" || q == "torch.backends.mps.is_available" {
                out.review(range.clone(), format!("{q}(): MLX needs no device check (its GPU is used when present)"), vec![Edit::replace(range, "False")]);
            } else if q == "torch.device"
                && let Some(Expr::StringLiteral(name)) = call.arguments.args.first().filter(|_| call.arguments.len() == 1)
                && is_map_location(cx, call)
            {
                // `load(url, map_location=torch.device("cpu"))`: a checkpoint loader takes the
                // device's name alike, and a port's loader (unpickling to arrays) ignores it.
                out.safe(range.clone(), "map_location=torch.device(name) → map_location=name: the same placement, spelled without torch", vec![Edit::replace(range, cx.src(name).to_string())]);
            } else if q == "torch.device" {
                out.manual(range, "torch.device: MLX has no devices to place arrays on; remove the variable and its uses");
            } else if q.starts_with("torch.cuda.")
                && !q.starts_with("torch.cuda.amp")
                && !q.starts_with("torch.cuda.device")
                // Names the API table knows (synchronize, memory statistics): the api rule's.
                && crate::api::table().lookup(&q).next().is_none()
            {
                out.manual(range, format!("{q}: CUDA-specific; MLX has no equivalent (use mx.metal / mx.get_peak_memory for memory stats)"));
            }
            return;
        }
        // Remove `device=` keywords on any call (torch creation ops mostly).
        if let Some(k) = keyword(call, "device")
            && !cx.is_torch(&call.func)
            && method_call(call).is_some_and(|(_, m)| matches!(m, "new_zeros" | "new_ones" | "new_full" | "new_empty" | "new_tensor"))
        {
            out.safe(span(k), "device= keyword: MLX has unified memory", vec![super::context::remove_keyword(cx.text, call, k)]);
        }
        let Some((receiver, method)) = method_call(call) else { return };
        match method {
            "cuda" | "cpu" | "mps"
                if call.arguments.keywords.iter().all(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "non_blocking"))
                    && !is_statement_expr(cx, expr) =>
            {
                let Some(suffix) = super::calls::method_suffix(cx.text, call) else { return };
                out.safe(range.clone(), format!(".{method}(): not needed with unified memory"), vec![Edit::delete(suffix)]);
            }
            "to" => self.to_call(cx, call, receiver, expr, out),
            _ => {}
        }
    }
}

impl Device {
    fn to_call(&self, cx: &Context, call: &ast::ExprCall, receiver: &Expr, expr: &Expr, out: &mut Findings) {
        let range = span(call);
        let has_device = call.arguments.args.iter().any(|a| is_device_value(cx, a) || looks_like_device(cx, a)) || keyword(call, "device").is_some();
        match (cast(cx, call, receiver), has_device) {
            (Some(_), _) if super::cast_claimed_by_fused_op(cx, call) => {}
            (Some(edit), _) if super::api::module_like(cx, receiver) => {
                out.safe(range, ".to(dtype) on a module → portui_shims.to(module, dtype): it casts the module's floating-point arrays in place (set_dtype) and returns the module, as torch's Module.to does", vec![edit]);
            }
            (Some(edit), _) if cx.tensor(receiver) == crate::tensors::Certainty::Unknown => {
                out.review(range, ".to(dtype) is a cast: astype (device part dropped) (receiver not known to be a tensor: a module has no astype, portui_shims.to casts either)", vec![edit]);
            }
            (Some(edit), _) => {
                out.safe(range, ".to(dtype) is a cast: astype (device part dropped)", vec![edit]);
            }
            (None, true) if !is_statement_expr(cx, expr) => {
                let Some(suffix) = super::calls::method_suffix(cx.text, call) else { return };
                out.safe(range.clone(), ".to(device): not needed with unified memory", vec![Edit::delete(suffix)]);
            }
            // `.to(dtype, non_blocking=True)`, `.to(dtype, memory_format=torch.contiguous_format)`:
            // those keywords mean nothing for an MLX array, and go with the call.
            (None, false)
                if call.arguments.args.len() == 1
                    && call.arguments.keywords.iter().all(|k| {
                        k.arg.as_ref().is_some_and(|a| matches!(a.as_str(), "non_blocking" | "memory_format" | "copy"))
                    }) =>
            {
                let edit = Edit::template(range.clone(), vec![text("portui_shims.to("), hole(receiver), text(", "), hole(&call.arguments.args[0]), text(")")]);
                out.review(range, ".to(x), x a device, a dtype or an array: portui_shims.to casts to a dtype (an array's own) and ignores a device", vec![edit]);
            }
            _ => {}
        }
    }
}

/// `x.to(device, dtype=d)` → `x.astype(d)`, when the call names a dtype: the one edit of a
/// cast, whichever finding makes it (the cast's own, or a device variable's whose use it
/// drops), so the two compose.
fn cast(cx: &Context, call: &ast::ExprCall, receiver: &Expr) -> Option<Edit> {
    let dtype = keyword(call, "dtype").map(|k| &k.value).or_else(|| call.arguments.args.iter().find(|a| is_dtype(cx, a)))?;
    // MLX modules have no astype (set_dtype casts in place and returns None), and a dtype
    // that is not one torch names (`dtype=dtype`, a parameter defaulting to None) may be None,
    // which torch takes as "keep the dtype" and astype rejects: the shim does both.
    if super::api::module_like(cx, receiver) || !is_dtype(cx, dtype) {
        return Some(Edit::template(span(call), vec![text("portui_shims.to("), hole(receiver), text(", "), hole(dtype), text(")")]));
    }
    Some(Edit::template(span(call), vec![postfix_hole(cx.text, receiver), text(".astype("), hole(dtype), text(")")]))
}

/// `x.device` read where `x` may be a tensor, outside the `device = x.device` statements that
/// go whole (with their uses): `device, n = x.device, x.shape[1]` or `f(x.device)`.
fn device_read_left(cx: &Context, attribute: &ast::ExprAttribute) -> bool {
    let receiver = attribute.value.as_ref();
    // `device = x.device`, or `device = a.device if a is not None else b.device`.
    let whole_statement = matches!(cx.stmt(), Some(Stmt::Assign(a))
        if a.targets.len() == 1 && matches!(a.targets[0], Expr::Name(_))
            && (span(a.value.as_ref()) == span(attribute) || (matches!(a.value.as_ref(), Expr::If(_)) && is_device_value(cx, &a.value))));
    attribute.ctx == ast::ExprContext::Load && !whole_statement && reads_array_device(cx, receiver)
}

/// `receiver.device` may read an array's device: the receiver is not torch, not `self` (a
/// module's own `device` attribute), and may be a tensor.
fn reads_array_device(cx: &Context, receiver: &Expr) -> bool {
    !cx.is_torch(receiver) && !matches!(receiver, Expr::Name(n) if n.id.as_str() == "self") && cx.tensor(receiver) != crate::tensors::Certainty::NotTensor
}

/// `device = x.device` (or a conditional of such reads) kept because `device` is used for more
/// than placement (handed to a function, say): each read of an array's device becomes MLX's
/// default device, the value the rest of a port can hold. `None` when the value is anything
/// else (`torch.device("cuda")`, a string), whose other uses need a person.
fn default_device_reads(cx: &Context, value: &Expr) -> Option<Vec<Edit>> {
    match value {
        Expr::Attribute(attribute) if attribute.attr.as_str() == "device" => {
            reads_array_device(cx, &attribute.value).then(|| vec![Edit::replace(span(value), "mx.default_device()")])
        }
        Expr::If(choice) => {
            let mut edits = default_device_reads(cx, &choice.body)?;
            edits.extend(default_device_reads(cx, &choice.orelse)?);
            Some(edits)
        }
        _ => None,
    }
}

fn is_statement_expr(cx: &Context, expr: &Expr) -> bool {
    matches!(cx.stmt(), Some(Stmt::Expr(s)) if span(s.value.as_ref()) == span(expr))
        || matches!(cx.stmt(), Some(Stmt::Assign(a)) if span(a.value.as_ref()) == span(expr) && a.targets.len() == 1 && placement_receiver(cx, expr).is_some_and(|r| cx.src(r) == cx.src(&a.targets[0])))
}

fn is_dtype(cx: &Context, expr: &Expr) -> bool {
    cx.torch_name(expr).is_some_and(|q| super::dtypes::mlx_dtype(&q).is_some() || q == "torch.float64" || q == "torch.double")
        || matches!(expr, Expr::Attribute(a) if a.attr.as_str() == "dtype")
}

/// A device expression: `"cuda"`, `torch.device(...)`, `x.device`, a conditional of those.
fn is_device_value(cx: &Context, expr: &Expr) -> bool {
    match expr {
        Expr::StringLiteral(s) => {
            let v = s.value.to_str();
            ["cuda", "cpu", "mps"].iter().any(|d| v == *d || v.starts_with(&format!("{d}:")))
        }
        Expr::Call(call) => cx.torch_name(&call.func).as_deref() == Some("torch.device"),
        Expr::Attribute(a) => a.attr.as_str() == "device" && !cx.is_torch(expr),
        Expr::If(i) => is_device_value(cx, &i.body) && is_device_value(cx, &i.orelse),
        _ => false,
    }
}

/// A name conventionally holding a device (`device`, `dev`, `self.device`, `target_device`).
fn looks_like_device(_cx: &Context, expr: &Expr) -> bool {
    let name = match expr {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return false,
    };
    name == "dev" || name.ends_with("device")
}

/// `x.cuda()`, `x.to(device)`, `x.cpu()` (possibly chained) with no dtype involved.
fn is_placement_chain(cx: &Context, expr: &Expr) -> bool {
    let Expr::Call(call) = expr else { return false };
    let Some((_, method)) = method_call(call) else { return false };
    match method {
        "cuda" | "cpu" | "mps" => true,
        "to" => {
            let has_dtype = keyword(call, "dtype").is_some() || call.arguments.args.iter().any(|a| is_dtype(cx, a));
            !has_dtype && (call.arguments.args.iter().any(|a| is_device_value(cx, a) || looks_like_device(cx, a)) || keyword(call, "device").is_some())
        }
        _ => false,
    }
}

/// The deletion of a statement that only places something on a device (`model.cuda()`,
/// `x = x.to(device)`); `sole` when it is alone in its block (it becomes `pass`).
fn whole_placement_deletion(cx: &Context, stmt: &Stmt, sole: bool) -> Option<Edit> {
    let placement = match stmt {
        Stmt::Expr(s) => is_placement_chain(cx, &s.value),
        Stmt::Assign(assign) if assign.targets.len() == 1 => {
            let target = &assign.targets[0];
            is_placement_chain(cx, &assign.value) && placement_receiver(cx, &assign.value).is_some_and(|e| cx.src(e) == cx.src(target))
        }
        _ => false,
    };
    if placement { cx.delete_statement(stmt, sole) } else { None }
}

/// The object being placed: `model` in `model.to(device).cuda()`.
fn placement_receiver<'e>(cx: &Context, expr: &'e Expr) -> Option<&'e Expr> {
    let Expr::Call(call) = expr else { return None };
    let (receiver, _) = method_call(call)?;
    if is_placement_chain(cx, receiver) { placement_receiver(cx, receiver) } else { Some(receiver) }
}

/// When every use of `name` in the current function (or module) places something on a
/// device, the edits removing those uses (`device=name` keywords, `.to(name)` calls), so the
/// variable and its uses go in one hunk: accepting it alone leaves no dangling name. A use in
/// a statement this rule deletes whole (`x = x.to(name)`) is removed by deleting that
/// statement, the same edit as that statement's own finding, so the two compose.
fn placement_uses(cx: &Context, name: &str) -> Option<Vec<Edit>> {
    struct Uses<'c, 'a, 'n> {
        cx: &'c Context<'a>,
        name: &'n str,
        removals: Vec<Edit>,
        removed: usize,
        total: usize,
        /// The statements that are alone in their block (deleted as `pass`).
        sole: Vec<*const Stmt>,
    }
    impl Uses<'_, '_, '_> {
        fn is_name(&self, e: &Expr) -> bool {
            matches!(e, Expr::Name(n) if n.id.as_str() == self.name)
        }
    }
    impl<'a> Visitor<'a> for Uses<'_, '_, '_> {
        fn visit_body(&mut self, body: &'a [Stmt]) {
            if let [only] = body {
                self.sole.push(only);
            }
            visitor::walk_body(self, body);
        }

        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            let sole = self.sole.contains(&std::ptr::from_ref(stmt));
            if let Some(edit) = whole_placement_deletion(self.cx, stmt, sole) {
                let mut inside = Uses { cx: self.cx, name: self.name, removals: Vec::new(), removed: 0, total: 0, sole: Vec::new() };
                visitor::walk_stmt(&mut inside, stmt);
                if inside.total > 0 && inside.removed == inside.total {
                    self.total += inside.total;
                    self.removed += inside.total;
                    self.removals.push(edit);
                    return;
                }
            }
            visitor::walk_stmt(self, stmt);
        }

        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr {
                let to_receiver = match call.func.as_ref() {
                    Expr::Attribute(a) if a.attr.as_str() == "to" => Some(a.value.as_ref()),
                    _ => None,
                };
                let is_to = to_receiver.is_some();
                // `.to(device, dtype=d)`: the cast keeps the dtype and drops the device.
                let device_arguments = call.arguments.args.iter().chain(call.arguments.keywords.iter().map(|k| &k.value)).filter(|a| self.is_name(a)).count();
                if let Some(receiver) = to_receiver
                    && device_arguments > 0
                    && !super::cast_claimed_by_fused_op(self.cx, call)
                    && let Some(edit) = cast(self.cx, call, receiver)
                {
                    self.removals.push(edit);
                    self.removed += device_arguments;
                    visitor::walk_expr(self, expr);
                    return;
                }
                if is_to
                    && call.arguments.len() == 1
                    && call.arguments.args.first().is_some_and(|a| self.is_name(a))
                    && let Some(suffix) = super::calls::method_suffix(self.cx.text, call)
                {
                    self.removals.push(Edit::delete(suffix));
                    self.removed += 1;
                }
                for k in &call.arguments.keywords {
                    if k.arg.as_ref().is_some_and(|a| a.as_str() == "device") && self.is_name(&k.value) {
                        self.removals.push(super::context::remove_keyword(self.cx.text, call, k));
                        self.removed += 1;
                    }
                }
            }
            if let Expr::Name(n) = expr
                && n.id.as_str() == self.name
                && n.ctx == ast::ExprContext::Load
            {
                self.total += 1;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut uses = Uses { cx, name, removals: Vec::new(), removed: 0, total: 0, sole: Vec::new() };
    match &cx.function {
        Some((function, _)) => uses.visit_body(&function.body),
        None => uses.visit_body(&cx.module.body),
    }
    (uses.total == uses.removed).then_some(uses.removals)
}

/// Whether `call` is the value of a `map_location=` keyword.
fn is_map_location(cx: &Context, call: &ast::ExprCall) -> bool {
    matches!(cx.parent_expr(), Some(Expr::Call(outer)) if outer.arguments.keywords.iter().any(|k| {
        k.arg.as_ref().is_some_and(|a| a.as_str() == "map_location") && span(&k.value) == span(call)
    }))
}
