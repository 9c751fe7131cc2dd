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
        // Gradients from value_and_grad are only ever applied through optimizer.update.
        &[".update(model", "value_and_grad"],
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

/// Where the item `id` is in `ITEMS` (and so in every checklist).
pub fn item_index(id: &str) -> Option<usize> {
    ITEMS.iter().position(|item| item.id == id)
}

/// Status of every item for one file.
pub fn for_file(text: &str, findings: &[Finding]) -> Vec<Entry> {
    let mut open = [0; ITEMS.len()];
    for finding in findings {
        for item in std::iter::once(&finding.checklist).chain(finding.covers) {
            if let Some(index) = item_index(item) {
                open[index] += 1;
            }
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
pub fn merge<'a>(per_file: impl IntoIterator<Item = &'a [Entry]>) -> Vec<Entry> {
    let mut merged: Vec<Entry> = ITEMS
        .iter()
        .map(|item| Entry {
            id: item.id,
            title: item.title,
            status: Status::NotApplicable,
            open: 0,
            locations: Vec::new(),
        })
        .collect();
    // Files that could not be analysed have no checklist, and so add nothing.
    for entries in per_file {
        for (merged, entry) in merged.iter_mut().zip(entries) {
            merged.open += entry.open;
            merged.status = match (merged.status, entry.status) {
                (Status::Open, _) | (_, Status::Open) => Status::Open,
                (Status::Done, _) | (_, Status::Done) => Status::Done,
                _ => Status::NotApplicable,
            };
        }
    }
    merged
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

    /// The status of `id` for `text`, from its own findings.
    fn status(text: &str, id: &str) -> (Status, usize) {
        let module = crate::parse::parse_module(text).expect("parses");
        let findings = crate::rules::check(text, &module);
        let entry = for_file(text, &findings)
            .into_iter()
            .find(|e| e.id == id)
            .expect("item");
        (entry.status, entry.open)
    }

    fn ported(text: &str) -> String {
        let module = crate::parse::parse_module(text).expect("parses");
        let findings = crate::rules::check(text, &module);
        crate::port::port(text, &findings, |_| true)
            .expect("ports")
            .text
    }

    #[test]
    fn fused_op_items_are_open_on_manual_patterns_and_done_once_ported() {
        let header = "import math\nimport torch\nimport torch.nn.functional as F\n\n\n";
        let attention = "def attend(q, k, v):\n    att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))\n    att = F.softmax(att, dim=-1)\n    return att @ v\n";
        let norm = "def norm(x, w, b):\n    mean = x.mean(-1, keepdim=True)\n    var = x.var(-1, keepdim=True, unbiased=False)\n    return (x - mean) / torch.sqrt(var + 1e-5) * w + b\n";
        let rope = "def rope(x, d):\n    inv_freq = 1.0 / (10000.0 ** (torch.arange(0, d, 2).float() / d))\n    freqs = torch.outer(torch.arange(x.shape[-2]).float(), inv_freq)\n    emb = torch.cat((freqs, freqs), dim=-1)\n    cos = emb.cos()\n    sin = emb.sin()\n    return x * cos + rotate_half(x) * sin\n";
        for (id, body) in [
            ("fused-attention", attention),
            ("fused-norms", norm),
            ("fused-rope", rope),
        ] {
            let torch = format!("{header}{body}");
            assert_eq!(status(&torch, id), (Status::Open, 1), "{id}");
            assert_eq!(status(&ported(&torch), id).0, Status::Done, "{id}");
            for other in ["fused-attention", "fused-norms", "fused-rope"]
                .into_iter()
                .filter(|other| *other != id)
            {
                assert_eq!(
                    status(&torch, other).0,
                    Status::NotApplicable,
                    "{id}: {other}"
                );
            }
        }
    }

    #[test]
    fn rope_tables_from_elsewhere_keep_the_item_open() {
        let torch = "import torch\n\n\ndef apply(q, cos, sin):\n    return q * cos + rotate_half(q) * sin\n";
        assert_eq!(status(torch, "fused-rope"), (Status::Open, 1));
    }
}
