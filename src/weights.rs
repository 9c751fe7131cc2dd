//! The weight-name mapping a port records (`portui-weights.json` in the output tree): which
//! torch parameter name each MLX parameter has when a rewrite changed the tree (a tied weight
//! with one owner, a buffer kept out of the tree), and the layouts that changed (a
//! channels-last input or output). Names are relative to instances of `class`; layout moves of
//! convolution weights follow from the MLX module type, so loaders derive them at run time.

use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum WeightNote {
    /// `name` is the same tensor as `owner`; MLX stores only the owner.
    Alias {
        class: String,
        name: String,
        owner: String,
    },
    /// A torch state-dict entry with no MLX parameter (a non-persistent or derived buffer).
    Dropped {
        class: String,
        name: String,
        reason: String,
    },
    /// The model's input at `index` is now expected in `layout` (e.g. NHWC).
    Input {
        class: String,
        index: usize,
        layout: String,
    },
    /// The model's output is a feature map in `layout` (e.g. NHWC) where torch's was
    /// channels-first.
    Output { class: String, layout: String },
}

#[derive(Debug, Default, Serialize)]
pub struct WeightMap {
    pub version: u32,
    pub aliases: Vec<serde_json::Value>,
    pub dropped: Vec<serde_json::Value>,
    pub inputs: Vec<serde_json::Value>,
    pub outputs: Vec<serde_json::Value>,
}

impl WeightMap {
    pub fn from_notes<'a>(notes: impl IntoIterator<Item = &'a WeightNote>) -> Self {
        let unique: BTreeSet<&WeightNote> = notes.into_iter().collect();
        let mut map = WeightMap {
            version: 1,
            ..Self::default()
        };
        for note in unique {
            // Each entry is the note's fields; the list it goes in says its kind.
            let mut entry = serde_json::to_value(note).expect("notes serialise");
            if let Some(fields) = entry.as_object_mut() {
                fields.remove("kind");
            }
            let list = match note {
                WeightNote::Alias { .. } => &mut map.aliases,
                WeightNote::Dropped { .. } => &mut map.dropped,
                WeightNote::Input { .. } => &mut map.inputs,
                WeightNote::Output { .. } => &mut map.outputs,
            };
            list.push(entry);
        }
        map
    }

    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty()
            && self.dropped.is_empty()
            && self.inputs.is_empty()
            && self.outputs.is_empty()
    }
}
