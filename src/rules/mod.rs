//! The rule registry and the single AST walk that feeds every rule.
//!
//! Each rule lives in its own file, which starts with a `//!` comment in four parts (what,
//! why, example, fix safety). That comment is compiled in and is what `portui explain` and
//! the session's rule popup print, so the documentation cannot drift from the code.

mod calls;
pub(crate) mod context;
mod deadline;
mod dispatch;
mod loop_shape;
pub use context::{Context, QualifiedName};
pub use deadline::OutOfTime;
pub use torch_import::ID as TORCH_IMPORT;

use crate::fix::{Applicability, Edit};
use crate::parse::ast::{self, Expr, NodeKind, Stmt};
use crate::parse::visitor::{self, Visitor};
use crate::semantic::Semantic;
use crate::tensors::FunctionTensors;
use crate::weights::WeightNote;
use deadline::Deadline;
use dispatch::Dispatch;
use std::ops::Range;

macro_rules! rules {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every rule, in the order conflicts are resolved.
        pub static RULES: &[&dyn Rule] = &[$(&$module::RULE),*];
        /// The documentation comment of each rule's source file.
        fn doc_source(id: &str) -> Option<&'static str> {
            $(if $module::RULE.meta().id == id { return Some(include_str!(concat!(stringify!($module), ".rs"))); })*
            None
        }
    };
}

rules! {
    forward_call, layers, layer_attributes, containers, nn_parameter, register_buffer, weight_tying, init, module_api, private_names,
    // Before device and tensor_methods: their rewrites of the casts inside these fused ops
    // cover the same call, and the earlier rule wins a tie.
    manual_rms_norm, manual_layer_norm, precise_softmax, manual_attention, manual_rope,
    device, no_grad, scalar_constants, api, split, shape_queries,
    channels_last, layout_boundary, masked_fill, dtypes, functional, attention, fused_norm, sampling,
    serialization, float64, randomness, optimizers, schedulers, losses, training_loop, data_loading, eval_in_step, eval_boundaries, distributed, compile, jit, feature_probes, torch_import, unported,
}

pub(crate) use channels_last::built_models;

/// A cast back from float32 that a fused-op rule replaces together with the computation it
/// wraps. The cast rules (device, tensor-methods) leave it alone: both rewrites would cover
/// the same call, and the fused op makes the cast unnecessary.
fn cast_claimed_by_fused_op(cx: &Context, call: &ast::ExprCall) -> bool {
    manual_rms_norm::claims_cast(cx, call) || precise_softmax::claims_cast(cx, call)
}

#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    pub id: &'static str,
    /// Step of the porting guide this rule implements.
    pub step: &'static str,
    pub checklist: &'static str,
    pub summary: &'static str,
}

pub trait Rule: Sync {
    fn meta(&self) -> RuleMeta;
    /// The kinds of node `check_stmt` and `check_expr` look at: the walk calls the rule at
    /// those only. `None`, the default, is every node (always right, slower on large
    /// projects); a test checks that the kinds a rule names lose none of its findings.
    fn kinds(&self) -> Option<&'static [NodeKind]> {
        None
    }
    /// Whether the rule acts on a call only when its callee is a torch name (`torch.zeros`,
    /// `nn.Linear`, `F.softmax`): most calls (`self.proj(x)`, `x.view(...)`) are then not
    /// offered to it. The same test as for `kinds` checks that this loses no finding.
    fn torch_callees_only(&self) -> bool {
        false
    }
    fn check_stmt(&self, _cx: &Context, _stmt: &Stmt, _out: &mut Findings) {}
    fn check_expr(&self, _cx: &Context, _expr: &Expr, _out: &mut Findings) {}
}

/// The findings of the rule `id` on `source`, for the rules' unit tests.
#[cfg(test)]
pub(crate) fn findings_of(id: &str, source: &str) -> Vec<Finding> {
    let module = crate::parse::parse_module(source).expect("parses");
    check(source, &module)
        .into_iter()
        .filter(|f| f.rule == id)
        .collect()
}

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|rule| rule.meta().id == id)
}

/// The four-part documentation of a rule: its file's leading `//!` lines.
pub fn documentation(id: &str) -> Option<String> {
    let source = doc_source(id)?;
    let doc: Vec<&str> = source
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| {
            line.strip_prefix("//! ")
                .unwrap_or(line.trim_start_matches("//!"))
        })
        .collect();
    Some(doc.join("\n"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub checklist: &'static str,
    pub range: Range<usize>,
    pub message: String,
    pub applicability: Applicability,
    /// Empty for `Manual` findings.
    pub edits: Vec<Edit>,
    /// How the rewrite changes parameter names (recorded in `portui-weights.json`).
    pub weights: Vec<WeightNote>,
    /// Further checklist items this finding settles (one rewrite of a whole training step
    /// replaces the backward, the zero_grad and the step at once).
    pub covers: &'static [&'static str],
}

impl Finding {
    /// Whether this finding keeps `item` open until it is dealt with.
    pub fn concerns(&self, item: &str) -> bool {
        self.checklist == item || self.covers.contains(&item)
    }
}

/// Collects a rule's findings with its id and checklist item filled in.
pub struct Findings {
    meta: RuleMeta,
    pub list: Vec<Finding>,
}

impl Findings {
    pub fn fix(
        &mut self,
        node: Range<usize>,
        applicability: Applicability,
        message: impl Into<String>,
        edits: Vec<Edit>,
    ) -> &mut Finding {
        debug_assert!(applicability != Applicability::Manual && !edits.is_empty());
        self.push(node, applicability, message.into(), edits)
    }

    pub fn safe(
        &mut self,
        node: Range<usize>,
        message: impl Into<String>,
        edits: Vec<Edit>,
    ) -> &mut Finding {
        self.fix(node, Applicability::Safe, message, edits)
    }

    pub fn review(
        &mut self,
        node: Range<usize>,
        message: impl Into<String>,
        edits: Vec<Edit>,
    ) -> &mut Finding {
        self.fix(node, Applicability::Review, message, edits)
    }

    pub fn manual(&mut self, node: Range<usize>, message: impl Into<String>) -> &mut Finding {
        self.push(node, Applicability::Manual, message.into(), Vec::new())
    }

    fn push(
        &mut self,
        range: Range<usize>,
        applicability: Applicability,
        message: String,
        edits: Vec<Edit>,
    ) -> &mut Finding {
        self.list.push(Finding {
            rule: self.meta.id,
            checklist: self.meta.checklist,
            range,
            message,
            applicability,
            edits,
            weights: Vec::new(),
            covers: &[],
        });
        self.list.last_mut().expect("just pushed")
    }
}

/// Run every rule over a parsed module; findings sorted by position, then rule order.
pub fn check(text: &str, module: &ast::ModModule) -> Vec<Finding> {
    check_with(
        text,
        module,
        &dispatch::BY_KIND,
        Deadline::none(),
        &|_, _| false,
    )
    .unwrap_or_default()
}

/// `check`, stopped when the clock passes `deadline`.
/// `imported` answers about the classes the file imports from the project's other files: which
/// keep torch's layout, which are channels-last blocks.
pub fn check_until(
    text: &str,
    module: &ast::ModModule,
    deadline: std::time::Instant,
    imported: crate::semantic::ImportedLayout,
) -> Result<Vec<Finding>, OutOfTime> {
    check_with(
        text,
        module,
        &dispatch::BY_KIND,
        Deadline::at(Some(deadline)),
        imported,
    )
}

fn check_with(
    text: &str,
    module: &ast::ModModule,
    dispatch: &Dispatch,
    deadline: Deadline,
    imported: crate::semantic::ImportedLayout,
) -> Result<Vec<Finding>, OutOfTime> {
    let Some(semantic) = Semantic::build_for_torch_in(module, imported) else {
        return Ok(Vec::new());
    };
    let mut walker = Walker {
        cx: Context::new(text, &semantic, module, imported),
        dispatch,
        torch_chains: Vec::new(),
        tensor_method_calls: Vec::new(),
        tensor_properties: Vec::new(),
        chain_is_torch: false,
        deadline,
        outputs: RULES
            .iter()
            .map(|rule| Findings {
                meta: rule.meta(),
                list: Vec::new(),
            })
            .collect(),
    };
    for stmt in &module.body {
        walker.visit_stmt(stmt);
    }
    walker.deadline.result(())?;
    let mut findings: Vec<Finding> = walker.outputs.into_iter().flat_map(|f| f.list).collect();
    unported::claim_rest(
        &walker.cx,
        &walker.torch_chains,
        &walker.tensor_method_calls,
        &walker.tensor_properties,
        &mut findings,
    );
    // Stable: findings were collected rule by rule in RULES order, which breaks ties.
    findings.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    findings.dedup();
    Ok(findings)
}

/// The layout-boundary rule's place in `RULES`.
static LAYOUT_BOUNDARY: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
    RULES
        .iter()
        .position(|rule| rule.meta().id == layout_boundary::RULE.meta().id)
        .expect("registered")
});

/// Most nodes are names and literals that no rule rewrites unless they are torch names:
/// skipping them keeps the walk cheap on large projects.
fn worth_checking(expr: &Expr, torch: bool) -> bool {
    match expr {
        Expr::Name(_) => torch,
        Expr::Attribute(attribute) => {
            matches!(
                attribute.attr.as_str(),
                "is_cuda"
                    | "device"
                    | "data"
                    | "is_floating_point"
                    | "is_complex"
                    | "is_signed"
                    | "itemsize"
            ) || layer_attributes::is_layer_size(attribute.attr.as_str())
                || torch
        }
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_)
        | Expr::FString(_)
        | Expr::TString(_) => false,
        _ => true,
    }
}

struct Walker<'a> {
    cx: Context<'a>,
    dispatch: &'a Dispatch,
    /// Maximal name/attribute chains rooted in torch, for the `unported` rule.
    torch_chains: Vec<&'a Expr>,
    /// Calls of methods MLX arrays lack on receivers that may be tensors (with whether the
    /// receiver is known to be one), for the `unported` rule.
    tensor_method_calls: Vec<(&'a Expr, bool)>,
    /// Reads and sets of tensor attributes MLX arrays lack (`p.grad`), likewise.
    tensor_properties: Vec<(&'a Expr, bool)>,
    /// Whether the name/attribute chain being walked is rooted in torch: the links of a chain
    /// share its root, so it is resolved once per chain, not once per link.
    chain_is_torch: bool,
    deadline: Deadline,
    outputs: Vec<Findings>,
}

impl Walker<'_> {
    /// `expr` is the callee of a call the API table rewrites: the api rule reports the call,
    /// or the MLX form is the call as written (`nn.Linear(4, 5)` with `mlx.nn` as `nn`),
    /// which leaves nothing unported.
    fn table_rewrites_call_of(&self, expr: &Expr) -> bool {
        let callee = matches!(self.cx.parent_expr(), Some(Expr::Call(call)) if std::ptr::eq(call.func.as_ref(), expr));
        callee
            && self.cx.torch_name(expr).is_some_and(|q| {
                crate::api::table()
                    .lookup(&q)
                    .any(|entry| matches!(entry.action, crate::api::Action::Rewrite(_)))
            })
    }
}

impl<'a> Visitor<'a> for Walker<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.deadline.passed() {
            return;
        }
        self.cx.stmt_stack.push(stmt);
        for &i in self.dispatch.rules(stmt) {
            RULES[i].check_stmt(&self.cx, stmt, &mut self.outputs[i]);
        }
        match stmt {
            Stmt::ClassDef(class) => {
                let previous = self.cx.set_class(Some(class));
                visitor::walk_stmt(self, stmt);
                self.cx.set_class(previous);
            }
            Stmt::FunctionDef(function) => {
                let tensors =
                    FunctionTensors::of_function(function, self.cx.semantic, self.cx.class_info());
                // Methods see their class; functions nested in a method keep the method's class.
                let previous = self.cx.function.replace((function, tensors));
                let outer_memo = self.cx.tensor_memo.take();
                visitor::walk_stmt(self, stmt);
                self.cx.function = previous;
                self.cx.tensor_memo.replace(outer_memo);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
        self.cx.stmt_stack.pop();
    }

    fn visit_annotation(&mut self, expr: &'a Expr) {
        let outer = std::mem::replace(&mut self.cx.in_annotation, true);
        self.visit_expr(expr);
        self.cx.in_annotation = outer;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.deadline.passed() {
            return;
        }
        let torch = match expr {
            Expr::Name(_) | Expr::Attribute(_) => {
                let chain_continues = matches!(self.cx.parent_expr(), Some(Expr::Attribute(parent)) if std::ptr::eq(parent.value.as_ref(), expr));
                if chain_continues {
                    self.chain_is_torch
                } else {
                    let torch = self.cx.is_torch(expr);
                    if torch && !self.table_rewrites_call_of(expr) {
                        self.torch_chains.push(expr);
                    }
                    torch
                }
            }
            _ => false,
        };
        if let Expr::Call(call) = expr
            && let Some(known) = api::maybe_tensor_method_call(&self.cx, call)
        {
            self.tensor_method_calls.push((expr, known));
        }
        if let Some(known) = api::maybe_tensor_property(&self.cx, expr) {
            self.tensor_properties.push((expr, known));
        }
        if worth_checking(expr, torch) {
            let rules = match expr {
                Expr::Call(call) if !self.cx.is_torch(&call.func) => self.dispatch.other_calls(),
                _ => self.dispatch.rules(expr),
            };
            for &i in rules {
                RULES[i].check_expr(&self.cx, expr, &mut self.outputs[i]);
            }
        } else if let Expr::Name(name) = expr
            && layout_boundary::names_a_class(name.id.as_str())
        {
            // A class of the project's, not torch's: only the layout of blocks asks about it.
            let i = *LAYOUT_BOUNDARY;
            RULES[i].check_expr(&self.cx, expr, &mut self.outputs[i]);
        }
        self.chain_is_torch = torch;
        self.cx.expr_stack.push(expr);
        visitor::walk_expr(self, expr);
        self.cx.expr_stack.pop();
    }
}
