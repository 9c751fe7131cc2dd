//! data-loading: `DataLoader`, `TensorDataset` and `Dataset` subclasses → the
//! `portui_shims` versions, which batch MLX arrays in the main process.
//!
//! Why: MLX has no data pipeline; a port iterates batches itself and converts at the
//! boundary. The shims keep the torch loop as it is: `for x, y in loader`, `len(loader)`,
//! `enumerate(loader)`, a map-style `Dataset` with `__getitem__`/`__len__`, torch's
//! `default_collate` (tuples, lists and dicts collated field by field) or the loop's own
//! `collate_fn`, `shuffle` (reshuffled every pass) and `drop_last`. Worker processes and
//! pinned memory have no meaning with unified memory and are dropped. Shuffling draws from
//! MLX's generator, so the batches come in another order than torch's (same seed, other
//! numbers).
//!
//! Example: `DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, num_workers=4)` →
//! `portui_shims.DataLoader(portui_shims.TensorDataset(x, y), batch_size=32, shuffle=True)`;
//! `class Tokens(Dataset):` → `class Tokens(portui_shims.Dataset):`.
//!
//! Fix safety: safe for `TensorDataset` and the `Dataset` base; review for `DataLoader`
//! (another shuffle order, workers dropped). Manual: a DataLoader given a sampler, and
//! arguments the shim has no counterpart for. (The other datasets and the samplers, as calls
//! and as base classes, are the API table's: portui_shims' pure-Python ones.)

use super::context::{keyword, remove_keyword};
use super::{Context, Findings, Rule, RuleMeta};
use crate::fix::Edit;
use crate::parse::ast::{Expr, NodeKind, Stmt};
use crate::parse::span;

pub struct DataLoading;
pub static RULE: DataLoading = DataLoading;

/// DataLoader arguments that only steer worker processes or memory pinning.
const DROPPED: &[&str] = &[
    "num_workers",
    "pin_memory",
    "pin_memory_device",
    "persistent_workers",
    "prefetch_factor",
    "timeout",
    "worker_init_fn",
    "generator",
];
/// DataLoader arguments the shim takes as they are.
const KEPT: &[&str] = &["dataset", "batch_size", "shuffle", "drop_last", "collate_fn"];

impl Rule for DataLoading {
    fn meta(&self) -> RuleMeta {
        RuleMeta { id: "data-loading", step: "3", checklist: "torch-semantics", summary: "DataLoader / TensorDataset / Dataset → portui_shims batching of MLX arrays" }
    }

    fn kinds(&self) -> Option<&'static [NodeKind]> {
        // Calls, and the names or attributes of a class's bases.
        Some(&[NodeKind::ExprCall, NodeKind::ExprName, NodeKind::ExprAttribute])
    }

    fn check_expr(&self, cx: &Context, expr: &Expr, out: &mut Findings) {
        if let Some(Stmt::ClassDef(class)) = cx.stmt()
            && class.bases().iter().any(|base| std::ptr::eq(base, expr))
        {
            // (IterableDataset and the samplers as bases are the API table's.)
            if cx.torch_name(expr).as_deref() == Some("torch.utils.data.Dataset") {
                out.safe(span(expr), "Dataset base → portui_shims.Dataset (the same __getitem__/__len__ protocol)", vec![Edit::replace(span(expr), "portui_shims.Dataset")]);
            }
            return;
        }
        let Expr::Call(call) = expr else { return };
        let range = span(call);
        match cx.torch_name(&call.func).as_deref() {
            Some("torch.utils.data.TensorDataset") => {
                out.safe(range, "TensorDataset → portui_shims.TensorDataset (row i of every array)", vec![Edit::replace(span(call.func.as_ref()), "portui_shims.TensorDataset")]);
            }
            Some("torch.utils.data.DataLoader") => {
                let unknown: Vec<&str> = call
                    .arguments
                    .keywords
                    .iter()
                    .filter_map(|k| k.arg.as_ref().map(|a| a.as_str()))
                    .filter(|name| !KEPT.contains(name) && !DROPPED.contains(name))
                    .collect();
                if call.arguments.args.len() > 3 || !unknown.is_empty() || call.arguments.keywords.iter().any(|k| k.arg.is_none()) {
                    let what = if unknown.is_empty() { "positional sampler or **kwargs".to_string() } else { unknown.join(", ") };
                    out.manual(range, format!("DataLoader with {what}: no portui_shims.DataLoader counterpart; iterate index batches yourself and stack samples with mx.stack"));
                    return;
                }
                let mut edits = vec![Edit::replace(span(call.func.as_ref()), "portui_shims.DataLoader")];
                let dropped: Vec<&str> = DROPPED.iter().copied().filter(|name| keyword(call, name).is_some()).collect();
                edits.extend(dropped.iter().filter_map(|name| keyword(call, name)).map(|k| remove_keyword(cx.text, call, k)));
                let mut message = "DataLoader → portui_shims.DataLoader: batches of MLX arrays in the main process; shuffled with MLX's generator (another order than torch's)".to_string();
                if !dropped.is_empty() {
                    message.push_str(&format!("; {} dropped (no workers or pinned memory with unified memory)", dropped.join(", ")));
                }
                out.review(range, message, edits);
            }
            _ => {}
        }
    }
}
