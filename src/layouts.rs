//! Layouts across a project's files: which of a file's module classes (and functions building
//! layers) keep torch's channels-first layout, asked by the files that import them.
//!
//! A package splits its layers over files (pytorch-tcn's `TemporalConv1d(nn.Conv1d)` sits in
//! `conv.py`, the blocks building it in `tcn.py`). A class that keeps torch's layout takes
//! channels-first maps, so the classes of other files that build it must pass it those
//! (`Semantic::build_for_torch_in`). What a file defines is read from the file itself, once per
//! version of it: the answers are kept for the process, keyed by the file's path, size and
//! modification time, so a session re-analysing a saved file sees the saved layouts.

use crate::parse::parse_module;
use crate::semantic::{ImportRef, Semantic};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

/// One version of a file: its channels-first module classes and layer-building functions.
struct Known {
    modified: Option<SystemTime>,
    len: u64,
    classes: Arc<HashSet<String>>,
}

fn known() -> &'static Mutex<HashMap<PathBuf, Known>> {
    static KNOWN: OnceLock<Mutex<HashMap<PathBuf, Known>>> = OnceLock::new();
    KNOWN.get_or_init(Default::default)
}

/// Whether `import`, in the project file `importer` (relative to `root`), names a class or a
/// layer-building function of one of the project's files that keeps torch's channels-first
/// layout.
pub fn imports_channels_first(root: &Path, importer: &Path, import: &ImportRef) -> bool {
    module_files(root, importer, import)
        .iter()
        .find_map(|file| channels_first_classes(file))
        .is_some_and(|classes| classes.contains(&import.name))
}

/// The files `from <level dots><module> import name` may come from, in the project: the
/// module's `.py` file or its package's `__init__.py`.
fn module_files(root: &Path, importer: &Path, import: &ImportRef) -> Vec<PathBuf> {
    let mut base = if import.level == 0 {
        root.to_path_buf()
    } else {
        let mut dir = root.join(importer);
        for _ in 0..import.level {
            if !dir.pop() {
                return Vec::new();
            }
        }
        dir
    };
    if import.module.is_empty() {
        return vec![base.join("__init__.py")];
    }
    for part in import.module.split('.') {
        base.push(part);
    }
    vec![base.with_extension("py"), base.join("__init__.py")]
}

/// The channels-first module classes and layer-building functions `file` defines; `None`
/// when it is not a readable Python file that parses.
fn channels_first_classes(file: &Path) -> Option<Arc<HashSet<String>>> {
    let meta = std::fs::metadata(file).ok().filter(|m| m.is_file())?;
    let (modified, len) = (meta.modified().ok(), meta.len());
    if let Some(seen) = known().lock().ok()?.get(file)
        && seen.modified == modified
        && seen.len == len
    {
        return Some(seen.classes.clone());
    }
    let text = std::fs::read_to_string(file).ok()?;
    let module = parse_module(&text).ok()?;
    // The file's own layouts, without its imports' (no recursion through the project).
    let classes: HashSet<String> = Semantic::build_for_torch(&module)
        .map(|semantic| {
            semantic
                .channels_first_names()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let classes = Arc::new(classes);
    known().lock().ok()?.insert(
        file.to_path_buf(),
        Known {
            modified,
            len,
            classes: classes.clone(),
        },
    );
    Some(classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_import_resolves_beside_the_importer_and_a_package_to_its_init() {
        let import = |level, module: &str| ImportRef {
            level,
            module: module.into(),
            name: "C".into(),
        };
        let root = Path::new("/p");
        let importer = Path::new("pkg/sub/a.py");
        assert_eq!(
            module_files(root, importer, &import(1, "conv")),
            [
                PathBuf::from("/p/pkg/sub/conv.py"),
                PathBuf::from("/p/pkg/sub/conv/__init__.py")
            ]
        );
        assert_eq!(
            module_files(root, importer, &import(2, ""))[0],
            PathBuf::from("/p/pkg/__init__.py")
        );
        assert_eq!(
            module_files(root, importer, &import(0, "pkg.conv"))[0],
            PathBuf::from("/p/pkg/conv.py")
        );
    }
}
