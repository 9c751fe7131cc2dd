//! The porting guide's checklist, plus portui's own items for the traps the guide misses.
//! Status is derived from the code as it stands (its findings and what it contains), never
//! toggled by hand.

use crate::rules::Finding;
use serde::Serialize;

#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub id: &'static str,
    pub title: &'static str,
    /// Text whose presence in a file shows the item has been dealt with there (MLX idioms).
    done_markers: &'static [&'static str],
}

const fn item(
    id: &'static str,
    title: &'static str,
    done_markers: &'static [&'static str],
) -> Item {
    Item {
        id,
        title,
        done_markers,
    }
}

pub const ITEMS: &[Item] = &[
    item(
        "forward-renamed",
        "All forward() methods renamed to __call__()",
        &["def __call__"],
    ),
    item(
        "device-removed",
        "All .cuda(), .to(device), .cpu() removed",
        &[],
    ),
    item(
        "backward-replaced",
        "All .backward() replaced with nn.value_and_grad",
        &["value_and_grad"],
    ),
    item(
        "zero-grad-removed",
        "All optimizer.zero_grad() removed",
        &[],
    ),
    item(
        "step-replaced",
        "All optimizer.step() replaced with optimizer.update(model, grads)",
        &[".update(model"],
    ),
    item(
        "eval-at-boundaries",
        "mx.eval() added at iteration boundaries",
        &["mx.eval("],
    ),
    item(
        "no-eval-in-step",
        "No mx.eval() inside step functions or compiled functions",
        // Evaluation present and none of it misplaced (the eval-in-step rule reports those).
        &["mx.eval("],
    ),
    item(
        "fused-attention",
        "Manual attention replaced with mx.fast.scaled_dot_product_attention",
        &["mx.fast.scaled_dot_product_attention"],
    ),
    item(
        "fused-norms",
        "Manual norms replaced with mx.fast.rms_norm / mx.fast.layer_norm",
        &["mx.fast.rms_norm", "mx.fast.layer_norm"],
    ),
    item(
        "fused-rope",
        "Manual RoPE replaced with mx.fast.rope",
        &["mx.fast.rope", "nn.RoPE"],
    ),
    item(
        "scalar-constants",
        "Constants use Python scalars, not mx.array",
        &[],
    ),
    item("no-float64", "No float64 usage", &[]),
    item(
        "no-grad-removed",
        "torch.no_grad() contexts removed (not needed)",
        &[],
    ),
    item(
        "contiguous-removed",
        "contiguous() calls removed (not needed)",
        &[],
    ),
    item(
        "containers-replaced",
        "ModuleList / ModuleDict replaced with plain Python lists/dicts",
        &[],
    ),
    item(
        "safetensors",
        "Weight save/load uses safetensors format",
        &["safetensors", "load_weights", "save_weights"],
    ),
    item(
        "optimizers-ported",
        "Optimizers built with mlx.optimizers, torch's defaults kept (bias correction, eps, lr)",
        &["import mlx.optimizers"],
    ),
    item(
        "schedules-ported",
        "LR schedulers passed to the optimizer as mlx.optimizers schedules",
        &[
            "optim.step_decay",
            "optim.exponential_decay",
            "optim.cosine_decay",
            "optim.linear_schedule",
            "optim.join_schedules",
        ],
    ),
    item(
        "losses-ported",
        "Losses keep torch's reduction, class axis, ignore_index and weights",
        &[
            "nn.losses.",
            "portui_shims.cross_entropy",
            "portui_shims.nll_loss",
            "portui_shims.kl_div",
        ],
    ),
    item(
        "torch-semantics",
        "Torch-only semantics translated (transpose, split, masked_fill, buffers, tying, init...)",
        &[],
    ),
    item(
        "channels-last",
        "Channels-last layouts handled (conv weights, inputs, channel axes)",
        &["nn.Conv1d", "nn.Conv2d", "nn.Conv3d"],
    ),
    item("no-torch-import", "No torch import left", &["import mlx"]),
];

pub fn find(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|item| item.id == id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Done,
    Open,
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Open => "open",
            Self::NotApplicable => "n/a",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    pub open: usize,
    /// `path:line` of each open location (filled for the project view, where it is shown).
    pub locations: Vec<String>,
}

/// Status of every item for one file.
pub fn for_file(text: &str, findings: &[Finding]) -> Vec<Entry> {
    ITEMS
        .iter()
        .map(|item| {
            let open = findings.iter().filter(|f| f.concerns(item.id)).count();
            let status = if open > 0 {
                Status::Open
            } else if item.done_markers.iter().any(|marker| text.contains(marker)) {
                Status::Done
            } else {
                Status::NotApplicable
            };
            Entry {
                id: item.id,
                title: item.title,
                status,
                open,
                locations: Vec::new(),
            }
        })
        .collect()
}

/// Project status: open anywhere → open; else done anywhere → done; else n/a.
pub fn merge(per_file: &[Vec<Entry>]) -> Vec<Entry> {
    ITEMS
        .iter()
        .enumerate()
        .map(|(index, item)| {
            // Files that could not be analysed have no checklist.
            let entries = per_file.iter().filter_map(|entries| entries.get(index));
            let mut merged = Entry {
                id: item.id,
                title: item.title,
                status: Status::NotApplicable,
                open: 0,
                locations: Vec::new(),
            };
            for entry in entries {
                merged.open += entry.open;
                merged.status = match (merged.status, entry.status) {
                    (Status::Open, _) | (_, Status::Open) => Status::Open,
                    (Status::Done, _) | (_, Status::Done) => Status::Done,
                    _ => Status::NotApplicable,
                };
            }
            merged
        })
        .collect()
}
