//! The torch API as data: for each torch function, Tensor method, `torch.nn.functional`
//! function and `torch.nn` layer portui knows, its signature and what becomes of it in MLX:
//! a rewrite (an MLX template over the call's bound arguments), a rule of its own (when the
//! rewrite needs more than the call: the training loop, channels-last...), or manual, with the
//! reason and the closest MLX spelling.
//!
//! The table is text (`table/*.api`, one file per namespace) compiled into the binary and
//! parsed once, on first use, into a hash map. One generic matcher (`rules::api`) reads it,
//! and every rewrite entry carries the test calls that `tests/api_table.rs` turns into a
//! torch-vs-MLX conformance case: an entry is only `safe` or `review` with a passing case.
//! `portui rules --api` lists it. The format is described at the top of `table/torch.api`.

pub(crate) mod syntax;
pub mod template;

use crate::fix::Applicability;
use rustc_hash::FxHashMap;
use std::sync::LazyLock;
pub use template::{RefForm, Segment, Template};

/// The table's source files, in the order their entries are listed.
const SOURCES: &[(&str, &str)] = &[
    ("torch.api", include_str!("table/torch.api")),
    ("torch_l_z.api", include_str!("table/torch_l_z.api")),
    ("tensor.api", include_str!("table/tensor.api")),
    ("functional.api", include_str!("table/functional.api")),
    ("nn.api", include_str!("table/nn.api")),
    ("init.api", include_str!("table/init.api")),
    ("linalg.api", include_str!("table/linalg.api")),
    ("fft.api", include_str!("table/fft.api")),
    ("special.api", include_str!("table/special.api")),
    ("einops.api", include_str!("table/einops.api")),
    ("foreach.api", include_str!("table/foreach.api")),
    ("autograd.api", include_str!("table/autograd.api")),
];

/// torch.Tensor's public attributes and mlx's public names, generated from the pinned
/// packages by `names/generate.py`.
const TORCH_TENSOR_NAMES: &str = include_str!("names/torch_tensor.txt");
const TORCH_TENSOR_PROPERTIES: &str = include_str!("names/torch_tensor_properties.txt");
const MLX_NAMES: &str = include_str!("names/mlx.txt");

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    /// The default as torch writes it (`None`, `False`, `1e-05`), for optional parameters.
    pub default: Option<String>,
    /// `name: dtype`, `name: tensor`, `name: int`: an overload applies only when the argument
    /// can be of that kind (`x.view(torch.int32)` is not `x.view(2, 3)`). Other annotations
    /// are documentation.
    pub annotation: Option<String>,
    /// `~name`: the argument means nothing in MLX and is dropped whatever it is (a type
    /// annotation's type, a TorchScript flag).
    pub dropped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// By position or by name.
    Positional,
    /// After `*`: by name only.
    KeywordOnly,
    /// `*size`: the rest of the positional arguments (a shape, mostly).
    Varargs,
    /// `**axes_lengths`: the keywords no other parameter takes.
    VarKeywords,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Rewrite(Template),
    /// A rule handles it (the id); the entry documents and tests it.
    Rule(String),
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Values (within the tolerance), shapes and dtype kinds.
    Values,
    /// Random results: shapes and dtype kinds only.
    Shape,
    /// Results unique up to the sign or phase of each vector (singular vectors, eigenvectors):
    /// absolute values, shapes and dtype kinds.
    Abs,
    /// Random results of many draws: the mean and standard deviation over all elements (within
    /// the tolerance), shapes and dtype kinds.
    Moments,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Qualified torch name: `torch.acos`, `torch.Tensor.add`, `torch.nn.Linear`.
    pub torch: String,
    /// The signature, `self` first for Tensor methods.
    pub params: Vec<Param>,
    pub action: Action,
    pub applicability: Applicability,
    /// Why a person should look (review) or why there is no rewrite (manual).
    pub why: Option<String>,
    /// Said in the finding's message after what the rewrite does.
    pub note: Option<String>,
    /// For a manual entry: the MLX spelling that comes closest.
    pub closest: Option<String>,
    /// Test calls: Python argument lists over the test pool (`(x, 1)`); for layers, the
    /// constructor's arguments, then `->` and the inputs of the forward call.
    pub tests: Vec<String>,
    pub compare: Compare,
    pub tolerance: Option<f64>,
    /// `value: F`: the MLX function F takes torch's parameters under the same names and in the
    /// same order, so the torch function named as a value (an alias, a re-exported import)
    /// becomes F.
    pub value: Option<String>,
    /// `tested-by: FILE`: a hand-written check runs torch and the MLX form on the same inputs
    /// (downloads and files, which the generated calls over the test pool cannot make).
    pub tested_by: Option<String>,
    /// A checklist item other than "torch-only semantics translated".
    pub checklist: Option<String>,
    /// Derived from another entry (an alias, the method twin of a function, the in-place
    /// variant of a method): the entry it was derived from.
    pub derived_from: Option<String>,
    /// Names of a tuple result's elements (`values, indices`), read as attributes.
    pub fields: Vec<String>,
    /// The in-place variant casts its result back to the receiver's dtype, as torch's does
    /// (`x.eq_(y)` keeps x's dtype; `mx.equal` gives booleans).
    pub inplace_keeps_dtype: bool,
    /// `layout: channels-last`: the MLX layer takes and returns channels-last arrays (NLC,
    /// NHWC) where torch's takes channels-first ones; its test moves the channel axis of the
    /// inputs from 1 to the last and of the outputs back.
    pub channels_last: bool,
    /// Where the entry is written: `tensor.api:120`.
    pub origin: String,
}

impl Entry {
    pub fn is_method(&self) -> bool {
        self.torch.starts_with("torch.Tensor.")
    }

    /// The last component of the name (`add` of `torch.Tensor.add`).
    pub fn short_name(&self) -> &str {
        self.torch.rsplit('.').next().unwrap_or(&self.torch)
    }

    /// An in-place Tensor method (`add_`), whose result replaces the receiver, or an in-place
    /// function (`F.relu_(x)`), whose result replaces its first argument.
    pub fn is_inplace(&self) -> bool {
        self.short_name().ends_with('_') && !self.short_name().starts_with('_')
    }

    /// Whether the entry applies only in a channels-last module (a parameter annotated
    /// `channels-last`): generated cases cannot build that context, the rule's conformance
    /// cases test it.
    pub fn needs_channels_last_module(&self) -> bool {
        self.params
            .iter()
            .any(|p| p.annotation.as_deref() == Some("channels-last"))
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// What `portui rules --api` shows as the MLX side.
    pub fn mlx_form(&self) -> String {
        match &self.action {
            Action::Rewrite(template) => template.source.clone(),
            Action::Rule(rule) => format!("rule {rule}"),
            Action::Manual => self.closest.clone().unwrap_or_default(),
        }
    }

    /// `safe`, `review`, `manual` or `rule`.
    pub fn status(&self) -> &'static str {
        match self.action {
            Action::Rewrite(_) => self.applicability.as_str(),
            Action::Rule(_) => "rule",
            Action::Manual => "manual",
        }
    }
}

pub struct Table {
    pub entries: Vec<Entry>,
    by_name: FxHashMap<String, Vec<usize>>,
    /// Method names torch.Tensor has and mx.array lacks: a call to one on a possible tensor
    /// is never passed over in silence. (Names both have but mean differently by, such as
    /// `transpose`, have entries whose rewrites say so.)
    tensor_only_methods: FxHashMap<String, ()>,
    /// The attributes among them that are not methods (`x.grad`, `x.requires_grad`): read or
    /// set, they fail on an MLX array as a missing method's call does.
    tensor_only_properties: FxHashMap<String, ()>,
    /// Every public attribute of torch.Tensor.
    tensor_names: FxHashMap<String, ()>,
    mlx_array_names: FxHashMap<String, ()>,
    /// Every dotted prefix of an entry's name (`torch.compiler`, `torch.nn`): the namespaces
    /// of torch that the table knows to exist.
    namespaces: FxHashMap<String, ()>,
}

impl Table {
    /// The entries for a qualified name, overloads in the order written.
    pub fn lookup(&self, torch: &str) -> impl Iterator<Item = &Entry> {
        self.by_name
            .get(torch)
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i])
    }

    pub fn has(&self, torch: &str) -> bool {
        self.by_name.contains_key(torch)
    }

    /// Whether torch (the version the table describes) has this name: an entry's, or a
    /// namespace holding entries.
    pub fn knows(&self, torch: &str) -> bool {
        self.has(torch) || self.namespaces.contains_key(torch)
    }

    /// The entries of the Tensor method `name`.
    pub fn method(&self, name: &str) -> impl Iterator<Item = &Entry> {
        // Building "torch.Tensor.<name>" per call would allocate at every method call of a
        // project; the map is keyed by the full name, so look it up through a small buffer.
        let mut key = String::with_capacity(13 + name.len());
        key.push_str("torch.Tensor.");
        key.push_str(name);
        self.by_name
            .get(key.as_str())
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i])
    }

    /// Whether `x.<name>(...)` on an MLX array would fail: torch.Tensor has the name, mx.array
    /// does not.
    pub fn tensor_only_method(&self, name: &str) -> bool {
        self.tensor_only_methods.contains_key(name)
    }

    /// Whether torch.Tensor has an attribute of this name.
    pub fn tensor_has(&self, name: &str) -> bool {
        self.tensor_names.contains_key(name)
    }

    /// Whether `x.<name>`, not called, fails on an MLX array: a torch.Tensor property (not a
    /// method) that mx.array lacks.
    pub fn tensor_only_property(&self, name: &str) -> bool {
        self.tensor_only_properties.contains_key(name)
    }

    /// Whether mx.array has an attribute of this name.
    pub fn mlx_array_has(&self, name: &str) -> bool {
        self.mlx_array_names.contains_key(name)
    }
}

/// The table, parsed on first use.
pub fn table() -> &'static Table {
    static TABLE: LazyLock<Table> = LazyLock::new(|| {
        build(SOURCES).unwrap_or_else(|error| panic!("the compiled-in API table: {error}"))
    });
    &TABLE
}

fn build(sources: &[(&str, &str)]) -> Result<Table, String> {
    let mut written = Vec::new();
    for (file, text) in sources {
        written.extend(syntax::parse_file(file, text)?);
    }
    let tensor_names: Vec<&str> = names(TORCH_TENSOR_NAMES).collect();
    let array_names: rustc_hash::FxHashSet<&str> = names(MLX_NAMES)
        .filter_map(|name| name.strip_prefix("mlx.core.array."))
        .collect();
    let entries = syntax::derive(written, &tensor_names, &array_names)?;
    let mut by_name: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (index, entry) in entries.iter().enumerate() {
        by_name.entry(entry.torch.clone()).or_default().push(index);
    }
    let mlx_array_names: FxHashMap<String, ()> = names(MLX_NAMES)
        .filter_map(|name| name.strip_prefix("mlx.core.array."))
        .map(|name| (name.to_string(), ()))
        .collect();
    let tensor_only_methods: FxHashMap<String, ()> = tensor_names
        .iter()
        .filter(|name| !mlx_array_names.contains_key(**name))
        .map(|name| (name.to_string(), ()))
        .collect();
    let tensor_only_properties: FxHashMap<String, ()> = names(TORCH_TENSOR_PROPERTIES)
        .filter(|name| !mlx_array_names.contains_key(*name))
        .map(|name| (name.to_string(), ()))
        .collect();
    let namespaces: FxHashMap<String, ()> = by_name
        .keys()
        .flat_map(|name| {
            name.match_indices('.')
                .map(|(dot, _)| (name[..dot].to_string(), ()))
        })
        .collect();
    Ok(Table {
        entries,
        by_name,
        tensor_only_methods,
        tensor_only_properties,
        tensor_names: tensor_names
            .iter()
            .map(|name| (name.to_string(), ()))
            .collect(),
        mlx_array_names,
        namespaces,
    })
}

/// The names of a generated name list (comment lines skipped).
fn names(list: &str) -> impl Iterator<Item = &str> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// The namespace an entry is counted under (`torch.Tensor`, `torch.nn.functional`...).
pub fn namespace(torch: &str) -> &'static str {
    const NAMESPACES: &[&str] = &[
        "torch.Tensor.",
        "torch.nn.functional.",
        "torch.nn.init.",
        "torch.nn.",
        "torch.linalg.",
        "torch.fft.",
        "torch.special.",
        "torch.jit.",
        "einops.layers.torch.",
        "einops.",
        "torch.",
    ];
    NAMESPACES
        .iter()
        .find(|ns| torch.starts_with(**ns))
        .map_or("other", |ns| ns.trim_end_matches('.'))
}

/// Whether mlx (the pinned version) has this qualified name (`mlx.core.fft.rfft`).
pub fn mlx_has(qualified: &str) -> bool {
    static MLX: LazyLock<FxHashMap<&'static str, ()>> =
        LazyLock::new(|| names(MLX_NAMES).map(|name| (name, ())).collect());
    MLX.contains_key(qualified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_names_are_unique_per_signature() {
        let table = table();
        assert!(table.entries.len() > 100, "{} entries", table.entries.len());
        for entry in &table.entries {
            if let Action::Rule(rule) = &entry.action {
                assert!(
                    crate::rules::find(rule).is_some(),
                    "{}: no rule {rule}",
                    entry.origin
                );
            }
        }
    }

    #[test]
    fn every_rewrite_has_a_test_call() {
        for entry in &table().entries {
            if let Some(file) = &entry.tested_by {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
                assert!(
                    path.is_file(),
                    "{}: tested-by `{file}` does not exist",
                    entry.torch
                );
                continue;
            }
            if matches!(entry.action, Action::Rewrite(_) | Action::Rule(_))
                && !entry.needs_channels_last_module()
            {
                assert!(
                    !entry.tests.is_empty(),
                    "{} ({}): a rewrite without a test call",
                    entry.torch,
                    entry.origin
                );
            }
        }
    }

    #[test]
    fn tensor_methods_mlx_lacks_are_known() {
        let table = table();
        assert!(table.tensor_only_method("bmm"));
        assert!(table.tensor_only_method("add_"));
        assert!(!table.tensor_only_method("reshape"));
        assert!(table.mlx_array_has("astype"));
        assert!(mlx_has("mlx.core.fft.rfft"));
        assert!(!mlx_has("mlx.core.no_such_name"));
    }
}
