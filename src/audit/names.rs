//! What the pinned mlx and torch have, as compiled-in lists generated from the packages
//! themselves: `src/api/names/mlx.txt` (every public MLX name), `torch_tensor.txt` (torch.Tensor's
//! attributes), `other_types.txt` (methods other receivers share with torch.Tensor) and this
//! module's own `mlx_facts.txt` (mlx's modules, mx.array's properties, the functions that return
//! arrays, the classes). Looked up by hash; built once per process.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::OnceLock;

const MLX_NAMES: &str = include_str!("../api/names/mlx.txt");
const TORCH_TENSOR: &str = include_str!("../api/names/torch_tensor.txt");
const OTHER_TYPES: &str = include_str!("../api/names/other_types.txt");
const MLX_FACTS: &str = include_str!("mlx_facts.txt");

/// Receivers whose methods make a torch.Tensor name ambiguous: `s.index(...)`, `d.values()`,
/// `seen.add(x)` are ordinary Python.
const BUILTIN_TYPES: &[&str] = &["str", "bytes", "list", "tuple", "dict", "set"];
/// Classes whose instances stand in for arrays often enough that their method names are
/// ambiguous too: an MLX module is a dict (`values`), an optimizer has `state`.
const MLX_OBJECT_CLASSES: &[&str] = &["mlx.nn.Module", "mlx.optimizers.Optimizer"];
/// Methods of common library objects that torch.Tensor has too but that are rare on tensors,
/// where a port's receiver is more likely the library's object: `queue.put(x)` (queue.Queue),
/// `pattern.sub(...)` (re.Pattern), `path.absolute()` (pathlib.Path), `counts.subtract(...)`
/// (collections.Counter), `s.indices(n)` (slice), `image.resize(size)` (PIL images, in data
/// pipelines). Reported on known arrays only, like str and list methods.
const LIBRARY_METHODS: &[&str] = &["put", "sub", "absolute", "subtract", "indices", "resize"];
const ARRAY: &str = "mlx.core.array";

pub struct Names {
    /// The mlx version the lists were generated from.
    pub mlx_version: &'static str,
    mlx: HashSet<&'static str>,
    modules: HashSet<&'static str>,
    /// Names that have names under them in mlx.txt: the modules it enumerates and the classes
    /// whose members it lists (`mlx.core.array`, `mlx.nn.Module`).
    parents: HashSet<&'static str>,
    properties: HashSet<&'static str>,
    array_results: HashSet<&'static str>,
    other_results: HashSet<&'static str>,
    classes: HashSet<&'static str>,
    torch_tensor: HashSet<&'static str>,
    /// Tensor method names an ordinary receiver has too (`index`, `values`, `add`).
    ambiguous: HashSet<&'static str>,
    /// mx.array's attribute names (`reshape`, `shape`).
    array_members: HashSet<&'static str>,
    /// Methods of str, list, dict... that neither mx.array nor torch.Tensor has (`items`).
    container_methods: HashSet<&'static str>,
}

/// Where a qualified name stops existing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The first prefix mlx lacks (`mlx.core.fast.rmsnorm` of `mlx.core.fast.rmsnorm.x`).
    pub name: String,
    /// The module or class it was looked up in.
    pub parent: String,
    /// A name of the parent spelled nearly the same (`rms_norm`).
    pub suggestion: Option<String>,
}

pub fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(Names::load)
}

/// The lines of a generated list, without its `#` header.
fn entries(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

impl Names {
    fn load() -> Self {
        let mut facts: HashMap<&str, HashSet<&str>> = HashMap::default();
        for line in entries(MLX_FACTS) {
            if let Some((fact, name)) = line.split_once(' ') {
                facts.entry(fact).or_default().insert(name);
            }
        }
        let mut fact = |kind: &str| facts.remove(kind).unwrap_or_default();
        // Names a module answers through `__getattr__` exist as much as listed ones.
        let mlx: HashSet<&str> = entries(MLX_NAMES).chain(fact("dynamic")).collect();
        let modules = fact("module");
        let parents = mlx
            .iter()
            .filter_map(|name| name.rsplit_once('.').map(|(parent, _)| parent))
            .collect();
        let array_members = mlx
            .iter()
            .filter_map(|name| name.strip_prefix("mlx.core.array."))
            .collect();
        let mut ambiguous: HashSet<&str> = entries(OTHER_TYPES)
            .filter_map(|line| line.split_once(' '))
            .filter(|(kind, _)| BUILTIN_TYPES.contains(kind))
            .map(|(_, name)| name)
            .collect();
        ambiguous.extend(LIBRARY_METHODS);
        for class in MLX_OBJECT_CLASSES {
            let prefix_len = class.len() + 1;
            ambiguous.extend(
                mlx.iter()
                    .filter(|name| name.len() > prefix_len && name.starts_with(class))
                    .filter(|name| name.as_bytes()[class.len()] == b'.')
                    .map(|name| &name[prefix_len..]),
            );
        }
        let torch_tensor: HashSet<&str> = entries(TORCH_TENSOR).collect();
        let container_methods = fact("container-method")
            .into_iter()
            .filter(|name| !torch_tensor.contains(name))
            .collect();
        Self {
            mlx_version: version(MLX_NAMES),
            mlx,
            modules,
            parents,
            properties: fact("property"),
            array_results: fact("returns-array"),
            other_results: fact("returns-other"),
            classes: fact("class"),
            torch_tensor,
            ambiguous,
            array_members,
            container_methods,
        }
    }

    /// Whether `qualified` names something the pinned mlx has, judged link by link from `mlx`:
    /// under a module or class mlx.txt enumerates, every name must be listed; under another
    /// module (`mlx.nn.layers`), only its submodules are known, so other names are not judged;
    /// under anything else (a function, an instance) nothing is. `None` when nothing is missing.
    pub fn missing(&self, qualified: &str) -> Option<Missing> {
        let mut parts = qualified.split('.');
        if parts.next() != Some("mlx") {
            return None;
        }
        let mut end = "mlx".len();
        for part in parts {
            if part.starts_with('_') {
                return None; // private and dunder names are not listed
            }
            let parent = &qualified[..end];
            let child = &qualified[..end + 1 + part.len()];
            let known = self.mlx.contains(child) || self.modules.contains(child);
            let enumerated = parent == "mlx" || self.parents.contains(parent);
            if !known {
                return enumerated.then(|| Missing {
                    name: child.to_string(),
                    parent: parent.to_string(),
                    suggestion: self.suggestion(parent, part),
                });
            }
            if !self.modules.contains(child) && !self.parents.contains(child) {
                return None; // a function, a constant, a class without listed members
            }
            end = child.len();
        }
        None
    }

    /// A listed name of `parent` within two edits of `part`.
    fn suggestion(&self, parent: &str, part: &str) -> Option<String> {
        let siblings = self.mlx.iter().chain(&self.modules).filter_map(|name| {
            let rest = name.strip_prefix(parent)?.strip_prefix('.')?;
            (!rest.contains('.')).then_some(rest)
        });
        siblings
            .map(|sibling| (edit_distance(part, sibling), sibling))
            .filter(|&(distance, _)| distance <= 2 && distance < part.len())
            .min()
            .map(|(_, sibling)| sibling.to_string())
    }

    pub fn is_class(&self, qualified: &str) -> bool {
        self.classes.contains(qualified)
    }

    pub fn is_array_class(&self, qualified: &str) -> bool {
        qualified == ARRAY
    }

    /// A function (or `mlx.core.array.<method>`) whose signature says it returns an array.
    pub fn returns_array(&self, qualified: &str) -> bool {
        self.array_results.contains(qualified)
    }

    /// A function whose signature says it returns something other than an array.
    pub fn returns_other(&self, qualified: &str) -> bool {
        self.other_results.contains(qualified)
    }

    /// `x.method(...)` where `method` is torch.Tensor's and mx.array has no such method: a
    /// property of the same name (`size`) counts as missing, since calling it fails.
    pub fn torch_only_method(&self, method: &str) -> Option<MethodGap> {
        if !self.torch_tensor.contains(method) {
            return None;
        }
        if self.is_array_property(method) {
            return Some(MethodGap::Property);
        }
        if self.array_members.contains(method) {
            return None;
        }
        Some(MethodGap::Missing {
            ambiguous: self.ambiguous.contains(method),
        })
    }

    pub fn is_array_property(&self, name: &str) -> bool {
        self.array_members.contains(name) && {
            let mut qualified = String::with_capacity(ARRAY.len() + 1 + name.len());
            qualified.push_str(ARRAY);
            qualified.push('.');
            qualified.push_str(name);
            self.properties.contains(qualified.as_str())
        }
    }

    /// A method only a str, list, dict, set or tuple has (`items`, `append`, `startswith`):
    /// the value it is called on is not only an array.
    pub fn marks_container(&self, attribute: &str) -> bool {
        self.container_methods.contains(attribute)
    }

    /// An mx.array attribute no ordinary receiver has (`reshape`, `astype`, `swapaxes`, `ndim`),
    /// which says the value it is read from is an array.
    pub fn marks_array(&self, attribute: &str) -> bool {
        self.array_members.contains(attribute) && !self.ambiguous.contains(attribute)
    }
}

/// How mx.array falls short of a torch.Tensor method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodGap {
    /// mx.array has no attribute of that name. `ambiguous`: a str, list, dict, set, tuple, MLX
    /// module or optimizer, or a common library object has a method of that name.
    Missing { ambiguous: bool },
    /// mx.array has it as a property, not a method (`size`, `shape`).
    Property,
}

/// `# public names of mlx 0.32.4 (...)` → `0.32.4`.
fn version(list: &'static str) -> &'static str {
    list.lines()
        .next()
        .and_then(|header| header.split("mlx ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("(unknown version)")
}

/// Levenshtein distance (short identifiers only: called on misses).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_exist_and_misspelt_ones_do_not() {
        let names = names();
        for present in [
            "mlx.core.zeros",
            "mlx.core.fast.scaled_dot_product_attention",
            "mlx.core.linalg.norm",
            "mlx.core.random.normal",
            "mlx.core.fft.rfft",
            "mlx.nn.Linear",
            "mlx.nn.losses.cross_entropy",
            "mlx.nn.Module.parameters",
            "mlx.optimizers.AdamW",
            "mlx.utils.tree_flatten",
            "mlx.nn.layers.base",
            // Below a function or an instance nothing is judged.
            "mlx.core.float32.size",
            "mlx.nn.Linear.weight",
            // Under a module mlx.txt does not enumerate, only submodules are known.
            "mlx.nn.layers.linear.Linear",
            "mlx.core.array.__getitem__",
            // Not in `dir()`: answered by the module's `__getattr__`.
            "mlx.core.random.state",
        ] {
            assert_eq!(names.missing(present), None, "{present}");
        }
        let missing = names.missing("mlx.core.fast.rmsnorm").expect("missing");
        assert_eq!(missing.name, "mlx.core.fast.rmsnorm");
        assert_eq!(missing.parent, "mlx.core.fast");
        assert_eq!(missing.suggestion.as_deref(), Some("rms_norm"));
        let missing = names.missing("mlx.nn_typo").expect("missing");
        assert_eq!(
            (missing.name.as_str(), missing.parent.as_str()),
            ("mlx.nn_typo", "mlx")
        );
        let missing = names.missing("mlx.core.array.float").expect("missing");
        assert_eq!(missing.name, "mlx.core.array.float");
        assert_eq!(
            names.missing("mlx.core.nope.zeros").unwrap().name,
            "mlx.core.nope"
        );
        assert_eq!(names.missing("numpy.zeros"), None);
    }

    #[test]
    fn tensor_methods_mx_array_lacks() {
        let names = names();
        assert_eq!(
            names.torch_only_method("float"),
            Some(MethodGap::Missing { ambiguous: false })
        );
        assert_eq!(names.torch_only_method("size"), Some(MethodGap::Property));
        assert_eq!(names.torch_only_method("reshape"), None);
        assert_eq!(names.torch_only_method("strip"), None);
        for ambiguous in ["index", "values", "add", "sort"] {
            assert_eq!(
                names.torch_only_method(ambiguous),
                Some(MethodGap::Missing { ambiguous: true }),
                "{ambiguous}"
            );
        }
        assert!(names.marks_array("swapaxes") && !names.marks_array("split"));
        assert!(names.returns_array("mlx.core.zeros") && !names.returns_array("mlx.core.eval"));
        assert!(names.is_class("mlx.nn.Linear") && !names.is_class("mlx.core.zeros"));
        assert_eq!(names.mlx_version, "0.32.4");
    }
}
