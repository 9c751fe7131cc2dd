//! `portui convert-weights`: a torch checkpoint becomes a safetensors file the port loads
//! with `model.load_weights(FILE)` (strict).
//!
//! The engine here is pure: the checkpoint's dicts of tensors, the port's parameters (names,
//! shapes, which are convolution weights) and the port's weights map (`portui-weights.json`:
//! tied-weight aliases, dropped entries) in; the converted tensors and a report out. The
//! port's parameters come from building the port's `[bench]` model under MLX (`helper.py`):
//! MLX itself says what `load_weights` will expect, names and shapes, which no static reading
//! of the port could promise. `run` is the shell: files, the helper, the write.

mod layout;
pub mod run;

pub use layout::{ConvLayout, permute};

use safetensors::Dtype;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One tensor as bytes: row-major, little-endian, as safetensors stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tensor {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

impl safetensors::View for &Tensor {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// A dict of tensors found in the checkpoint, at `key` (dotted; empty for the top level).
#[derive(Debug, Clone)]
pub struct StateDict {
    pub key: String,
    pub tensors: BTreeMap<String, Tensor>,
}

/// What the port's model holds, as MLX reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct PortModel {
    pub parameters: Vec<PortParameter>,
    pub modules: Vec<PortModule>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PortParameter {
    pub name: String,
    pub shape: Vec<usize>,
    /// Set for a convolution's weight: torch's layout differs.
    pub layout: Option<ConvLayout>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PortModule {
    /// Dotted path from the root model ("" is the root).
    pub path: String,
    pub class: String,
}

/// The part of `portui-weights.json` a conversion reads. Names are relative to instances of
/// `class`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WeightsFile {
    #[serde(default)]
    pub aliases: Vec<AliasEntry>,
    #[serde(default)]
    pub dropped: Vec<DroppedEntry>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AliasEntry {
    pub class: String,
    pub name: String,
    pub owner: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DroppedEntry {
    pub class: String,
    pub name: String,
    pub reason: String,
}

/// Prefixes a wrapper adds to every name: `nn.DataParallel`/DDP (`module.`) and
/// `torch.compile` (`_orig_mod.`).
const WRAPPER_PREFIXES: [&str; 3] = ["", "module.", "_orig_mod."];
/// torch's BatchNorm counts its updates; MLX's BatchNorm has no such counter.
const BATCHNORM_COUNTER: &str = "num_batches_tracked";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub shape: Vec<usize>,
}

/// The converted tensors and everything a person needs to trust them.
#[derive(Debug)]
pub struct Conversion {
    /// The key of the state dict used ("" for the top level) and how many dicts of tensors
    /// the checkpoint held.
    pub key: String,
    pub candidates: usize,
    /// A wrapper prefix removed from every name.
    pub stripped_prefix: &'static str,
    /// Under the port's names, in MLX layout.
    pub tensors: BTreeMap<String, Tensor>,
    /// Convolution weights moved to channels-last.
    pub moved: usize,
    /// Checkpoint entries the port does not hold by design, with why.
    pub skipped: Vec<(String, String)>,
    /// Port parameters the checkpoint does not provide.
    pub missing: Vec<Named>,
    /// Checkpoint entries the port has no parameter for.
    pub unexpected: Vec<Named>,
    /// Shapes that do not match, ties the checkpoint does not keep.
    pub problems: Vec<String>,
}

impl Conversion {
    /// Whether `model.load_weights(FILE)` (strict: same names, same shapes) accepts the result.
    pub fn loads_strictly(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.problems.is_empty()
    }
}

/// The weights map's class-relative names, made absolute for this model.
struct Notes {
    /// alias → owner.
    aliases: BTreeMap<String, String>,
    /// name → why it is dropped.
    dropped: BTreeMap<String, String>,
}

impl Notes {
    fn expand(model: &PortModel, file: &WeightsFile) -> Self {
        let prefixes = |class: &str| -> Vec<String> {
            model
                .modules
                .iter()
                .filter(|m| m.class == class)
                .map(|m| {
                    if m.path.is_empty() {
                        String::new()
                    } else {
                        format!("{}.", m.path)
                    }
                })
                .collect()
        };
        let mut notes = Notes {
            aliases: BTreeMap::new(),
            dropped: BTreeMap::new(),
        };
        for alias in &file.aliases {
            for prefix in prefixes(&alias.class) {
                notes.aliases.insert(
                    format!("{prefix}{}", alias.name),
                    format!("{prefix}{}", alias.owner),
                );
            }
        }
        for dropped in &file.dropped {
            for prefix in prefixes(&dropped.class) {
                notes
                    .dropped
                    .insert(format!("{prefix}{}", dropped.name), dropped.reason.clone());
            }
        }
        notes
    }

    fn knows(&self, name: &str) -> bool {
        self.aliases.contains_key(name) || self.dropped.contains_key(name)
    }
}

/// Convert the state dict among `candidates` that fits the port best. `None` when the
/// checkpoint holds no tensors at all.
pub fn convert(
    candidates: Vec<StateDict>,
    model: &PortModel,
    weights: &WeightsFile,
) -> Option<Conversion> {
    let notes = Notes::expand(model, weights);
    let parameters: BTreeMap<&str, &PortParameter> = model
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let count = candidates.len();
    let (chosen, prefix) = choose(&candidates, |name| {
        parameters.contains_key(name) || notes.knows(name)
    })?;
    let state = candidates.into_iter().nth(chosen)?;
    let tensors: BTreeMap<String, Tensor> = state
        .tensors
        .into_iter()
        .map(|(name, tensor)| (name[prefix.len()..].to_string(), tensor))
        .collect();

    let mut conversion = Conversion {
        key: state.key,
        candidates: count,
        stripped_prefix: prefix,
        tensors: BTreeMap::new(),
        moved: 0,
        skipped: Vec::new(),
        missing: Vec::new(),
        unexpected: Vec::new(),
        problems: Vec::new(),
    };
    for (name, tensor) in &tensors {
        if let Some(parameter) = parameters.get(name.as_str()) {
            let moved = to_mlx_layout(tensor, parameter.layout);
            conversion.moved += usize::from(moved.is_some());
            let converted = moved.unwrap_or_else(|| tensor.clone());
            if converted.shape != parameter.shape {
                conversion.problems.push(format!(
                    "{name}: shape {:?} (in MLX layout) but the port's parameter is {:?}",
                    converted.shape, parameter.shape
                ));
            }
            conversion.tensors.insert(name.clone(), converted);
        } else if let Some(owner) = notes.aliases.get(name) {
            match tensors.get(owner) {
                Some(kept) if kept == tensor => conversion
                    .skipped
                    .push((name.clone(), format!("the same tensor as {owner} (tied)"))),
                Some(_) => conversion.problems.push(format!(
                    "{name} is tied to {owner} in the port, but the checkpoint holds different values for them"
                )),
                None => conversion.skipped.push((
                    name.clone(),
                    format!("tied to {owner}, which the checkpoint lacks"),
                )),
            }
        } else if let Some(reason) = notes.dropped.get(name) {
            conversion.skipped.push((name.clone(), reason.clone()));
        } else if name.rsplit('.').next() == Some(BATCHNORM_COUNTER) {
            conversion.skipped.push((
                name.clone(),
                "torch's BatchNorm update counter (MLX keeps none)".into(),
            ));
        } else {
            conversion.unexpected.push(Named {
                name: name.clone(),
                shape: tensor.shape.clone(),
            });
        }
    }
    conversion.missing = model
        .parameters
        .iter()
        .filter(|p| !conversion.tensors.contains_key(&p.name))
        .map(|p| Named {
            name: p.name.clone(),
            shape: p.shape.clone(),
        })
        .collect();
    Some(conversion)
}

/// The state dict (and wrapper prefix) with the most names the port knows; ties go to the
/// larger dict, then the first found. `None` when there are no tensors.
fn choose(candidates: &[StateDict], known: impl Fn(&str) -> bool) -> Option<(usize, &'static str)> {
    let mut best: Option<((usize, usize), usize, &'static str)> = None;
    for (index, candidate) in candidates.iter().enumerate() {
        for prefix in WRAPPER_PREFIXES {
            if !candidate
                .tensors
                .keys()
                .all(|name| name.starts_with(prefix))
            {
                continue;
            }
            let matches = candidate
                .tensors
                .keys()
                .filter(|name| known(&name[prefix.len()..]))
                .count();
            let score = (matches, candidate.tensors.len());
            if best.is_none_or(|(top, _, _)| score > top) {
                best = Some((score, index, prefix));
            }
        }
    }
    best.map(|(_, index, prefix)| (index, prefix))
}

/// A convolution weight in MLX's layout; `None` for any other tensor (it stays as it is).
fn to_mlx_layout(tensor: &Tensor, layout: Option<ConvLayout>) -> Option<Tensor> {
    let rank = tensor.shape.len();
    let layout = layout.filter(|_| rank >= 3)?;
    let perm = layout.permutation(rank);
    Some(Tensor {
        dtype: tensor.dtype,
        shape: perm.iter().map(|&axis| tensor.shape[axis]).collect(),
        data: permute(
            &tensor.data,
            tensor.dtype.bitsize() / 8,
            &tensor.shape,
            &perm,
        ),
    })
}

/// The report, one fact a line; the caller adds what was written.
pub fn report(conversion: &Conversion) -> String {
    use std::fmt::Write;
    let mut text = String::new();
    let key = if conversion.key.is_empty() {
        "the checkpoint's top level".to_string()
    } else {
        format!("key `{}`", conversion.key)
    };
    let _ = write!(text, "state dict: {key}");
    if conversion.candidates > 1 {
        let _ = write!(
            text,
            " (the best fit of {} dicts of tensors)",
            conversion.candidates
        );
    }
    if !conversion.stripped_prefix.is_empty() {
        let _ = write!(
            text,
            "; the `{}` prefix removed from every name",
            conversion.stripped_prefix
        );
    }
    let _ = writeln!(
        text,
        "\n{} tensor(s) for the port, {} convolution weight(s) moved to channels-last",
        conversion.tensors.len(),
        conversion.moved
    );
    for (name, why) in &conversion.skipped {
        let _ = writeln!(text, "skipped: {name}: {why}");
    }
    for named in &conversion.missing {
        let _ = writeln!(
            text,
            "missing: {} {:?} (the port has it, the checkpoint does not)",
            named.name, named.shape
        );
    }
    for named in &conversion.unexpected {
        let _ = writeln!(
            text,
            "unexpected: {} {:?} (the checkpoint has it, the port does not)",
            named.name, named.shape
        );
    }
    for problem in &conversion.problems {
        let _ = writeln!(text, "problem: {problem}");
    }
    text
}

#[cfg(test)]
mod tests;
