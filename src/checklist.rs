//! The porting guide's checklist, plus portui's own items for the traps the guide misses.
//! Status is derived from the code as it stands (its findings and what it contains), never
//! toggled by hand.

use crate::rules::Finding;
use aho_corasick::{AhoCorasick, Input, MatchKind};
use serde::Serialize;
use std::sync::LazyLock;

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
    let mut open = [0; ITEMS.len()];
    for finding in findings {
        if let Some(index) = ITEMS.iter().position(|item| item.id == finding.checklist) {
            open[index] += 1;
        }
    }
    let marked = marked_items(text);
    ITEMS
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let status = if open[index] > 0 {
                Status::Open
            } else if marked & (1 << index) != 0 {
                Status::Done
            } else {
                Status::NotApplicable
            };
            Entry {
                id: item.id,
                title: item.title,
                status,
                open: open[index],
                locations: Vec::new(),
            }
        })
        .collect()
}

/// The items (bit `i` for `ITEMS[i]`) whose done markers occur in `text`. Every file is
/// checked, torch or not, so the text is scanned once for all markers, not once per marker.
fn marked_items(text: &str) -> u64 {
    const { assert!(ITEMS.len() <= 64, "one bit per item") };
    static MARKERS: LazyLock<(AhoCorasick, Vec<u64>)> = LazyLock::new(|| {
        let mut markers: Vec<(&str, u64)> = Vec::new();
        for (index, item) in ITEMS.iter().enumerate() {
            for marker in item.done_markers {
                match markers.iter_mut().find(|(m, _)| m == marker) {
                    Some((_, items)) => *items |= 1 << index,
                    None => markers.push((marker, 1 << index)),
                }
            }
        }
        // A match hides the markers inside it (`import mlx` in `import mlx.optimizers`):
        // finding a marker counts every marker it contains.
        let implied: Vec<u64> = markers
            .iter()
            .map(|(marker, _)| {
                markers
                    .iter()
                    .filter(|(inner, _)| marker.contains(inner))
                    .fold(0, |items, (_, more)| items | more)
            })
            .collect();
        let searcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(markers.iter().map(|(marker, _)| marker))
            .expect("the done markers make a valid automaton");
        (searcher, implied)
    });
    let (searcher, implied) = &*MARKERS;
    let mut marked = 0;
    let mut from = 0;
    // Resuming just after each match's start finds the markers overlapping it; leftmost
    // searches skip ahead with a fast prefilter, overlapping ones cannot.
    while let Some(found) = searcher.find(Input::new(text).span(from..text.len())) {
        marked |= implied[found.pattern().as_usize()];
        from = found.start() + 1;
    }
    marked
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

#[cfg(test)]
mod tests {
    use super::*;

    fn done(text: &str) -> Vec<&'static str> {
        for_file(text, &[])
            .into_iter()
            .filter(|entry| entry.status == Status::Done)
            .map(|entry| entry.id)
            .collect()
    }

    #[test]
    fn markers_count_wherever_they_overlap() {
        assert_eq!(done(""), Vec::<&str>::new());
        // `import mlx` is inside `import mlx.optimizers`; `mx.eval(` marks two items.
        assert_eq!(
            done("import mlx.optimizers as optim\nmx.eval(x)\n"),
            [
                "eval-at-boundaries",
                "no-eval-in-step",
                "optimizers-ported",
                "no-torch-import"
            ]
        );
        assert_eq!(
            done("y = nn.Conv2d(1, 2, 3)(x)\nmx.fast.rms_norm(x, w, 1e-5)"),
            ["fused-norms", "channels-last"]
        );
    }
}
