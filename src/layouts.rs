//! Layouts across a project's files: which of a file's module classes (and functions building
//! layers) keep torch's channels-first layout, and which are channels-last blocks, asked by the
//! files that import them.
//!
//! A package splits its layers over files (pytorch-tcn's `TemporalConv1d(nn.Conv1d)` sits in
//! `conv.py`, the blocks building it in `tcn.py`). A class that keeps torch's layout takes
//! channels-first maps, so the classes of other files that build it must pass it those
//! (`Semantic::build_for_torch_in`); a channels-last block built where maps keep torch's layout
//! must move them (torchvision's `ops/misc.py` SqueezeExcitation in MobileNetV3's blocks: the
//! layout-boundary rule). A name a package's `__init__.py` re-exports is followed to the file
//! defining it. What a file defines is read from the file itself, once per version of it: the
//! answers are kept for the process, keyed by the file's path, size and modification time, so
//! a session re-analysing a saved file sees the saved layouts.

use crate::parse::{ast, parse_module};
use crate::semantic::{ImportRef, ImportedLayoutQuestion, Semantic};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

/// One version of a file: what it defines that other files ask about.
struct Known {
    modified: Option<SystemTime>,
    len: u64,
    layouts: Arc<FileLayouts>,
}

/// A file's module classes and layer-building functions that keep torch's channels-first
/// layout, and its channels-last module classes used as blocks: taking one array, not built
/// as its model.
#[derive(Default)]
struct FileLayouts {
    channels_first: HashSet<String>,
    channels_last_blocks: HashSet<String>,
    /// Names the file imports with `from X import name` at its top level: a package's
    /// `__init__.py` re-exports its modules' classes (`from timm.layers import SEModule`).
    reexports: HashMap<String, ImportRef>,
}

/// How many re-exports are followed from an importing file to the class's own.
const MAX_REEXPORTS: usize = 3;

fn known() -> &'static Mutex<HashMap<PathBuf, Known>> {
    static KNOWN: OnceLock<Mutex<HashMap<PathBuf, Known>>> = OnceLock::new();
    KNOWN.get_or_init(Default::default)
}

/// The answers about one importing file's imports, each found once: a file names an imported
/// block at every use, and each answer costs a look at the file system.
pub struct Importer<'a> {
    root: &'a Path,
    importer: &'a Path,
    /// Per import, the answer to each question (indexed by `question as usize`).
    answers: Mutex<HashMap<ImportRef, [Option<bool>; 2]>>,
}

impl<'a> Importer<'a> {
    pub fn new(root: &'a Path, importer: &'a Path) -> Self {
        Self {
            root,
            importer,
            answers: Mutex::default(),
        }
    }

    /// `imported_is` for this file, remembered.
    pub fn imported_is(&self, import: &ImportRef, question: ImportedLayoutQuestion) -> bool {
        let known = |answers: &HashMap<ImportRef, [Option<bool>; 2]>| {
            answers.get(import)?[question as usize]
        };
        if let Some(answer) = self.answers.lock().ok().and_then(|answers| known(&answers)) {
            return answer;
        }
        let answer = imported_is(self.root, self.importer, import, question);
        if let Ok(mut answers) = self.answers.lock() {
            answers.entry(import.clone()).or_default()[question as usize] = Some(answer);
        }
        answer
    }
}

/// Whether `import`, in the project file `importer` (relative to `root`), names what the
/// question asks about in the project file that defines it.
pub fn imported_is(
    root: &Path,
    importer: &Path,
    import: &ImportRef,
    question: ImportedLayoutQuestion,
) -> bool {
    let (mut importer, mut import) = (importer.to_path_buf(), import.clone());
    for _ in 0..=MAX_REEXPORTS {
        let Some((file, layouts)) = module_files(root, &importer, &import)
            .into_iter()
            .find_map(|file| file_layouts(&file).map(|layouts| (file, layouts)))
        else {
            return false;
        };
        let defined = match question {
            ImportedLayoutQuestion::ChannelsFirst => &layouts.channels_first,
            ImportedLayoutQuestion::ChannelsLastBlock => &layouts.channels_last_blocks,
        };
        if defined.contains(&import.name) {
            return true;
        }
        let Some(next) = layouts.reexports.get(&import.name) else {
            return false;
        };
        let Ok(relative) = file.strip_prefix(root) else {
            return false;
        };
        importer = relative.to_path_buf();
        import = next.clone();
    }
    false
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

/// The layouts of what `file` defines; `None` when it is not a readable Python file that
/// parses.
fn file_layouts(file: &Path) -> Option<Arc<FileLayouts>> {
    let meta = std::fs::metadata(file).ok().filter(|m| m.is_file())?;
    let (modified, len) = (meta.modified().ok(), meta.len());
    if let Some(seen) = known().lock().ok()?.get(file)
        && seen.modified == modified
        && seen.len == len
    {
        return Some(seen.layouts.clone());
    }
    let text = std::fs::read_to_string(file).ok()?;
    let module = parse_module(&text).ok()?;
    // The file's own layouts, without its imports' (no recursion through the project).
    let layouts = Semantic::build_for_torch(&module)
        .map(|semantic| {
            let models = crate::rules::built_models(&module, &semantic.classes);
            let mut layouts = FileLayouts {
                channels_first: semantic
                    .channels_first_names()
                    .map(str::to_string)
                    .collect(),
                channels_last_blocks: semantic
                    .classes
                    .iter()
                    .filter(|(name, class)| {
                        class.is_module
                            && class.channels_last
                            && class.takes_block_input()
                            && !models.contains(*name)
                    })
                    .map(|(name, _)| name.clone())
                    .collect(),
                reexports: HashMap::default(),
            };
            // `SqueezeExcite = SEModule`: an alias is what it names.
            let aliases: Vec<(&str, &str)> = semantic.module_aliases(&module).collect();
            for set in [
                &mut layouts.channels_first,
                &mut layouts.channels_last_blocks,
            ] {
                for (alias, class) in &aliases {
                    if set.contains(*class) {
                        set.insert(alias.to_string());
                    }
                }
            }
            layouts
        })
        .unwrap_or_default();
    let layouts = Arc::new(FileLayouts {
        reexports: top_level_from_imports(&module),
        ..layouts
    });
    known().lock().ok()?.insert(
        file.to_path_buf(),
        Known {
            modified,
            len,
            layouts: layouts.clone(),
        },
    );
    Some(layouts)
}

/// `from X import name [as local]` at a file's top level: local → where it comes from.
fn top_level_from_imports(module: &ast::ModModule) -> HashMap<String, ImportRef> {
    let mut found = HashMap::default();
    for stmt in &module.body {
        let ast::Stmt::ImportFrom(import) = stmt else {
            continue;
        };
        for alias in &import.names {
            let local = alias.asname.as_ref().unwrap_or(&alias.name);
            found.insert(
                local.to_string(),
                ImportRef {
                    level: import.level,
                    module: import
                        .module
                        .as_ref()
                        .map_or_else(String::new, |m| m.to_string()),
                    name: alias.name.to_string(),
                },
            );
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `from pkg import SE`, where `pkg/__init__.py` re-exports `.se`'s class: the answer is
    /// the defining file's.
    #[test]
    fn a_package_reexport_is_followed_to_the_defining_file() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(root.path().join("pkg")).expect("package dir");
        std::fs::write(
            root.path().join("pkg/__init__.py"),
            "from .se import SE as SE\n",
        )
        .expect("written");
        std::fs::write(
            root.path().join("pkg/se.py"),
            "import torch.nn as nn\nclass SE(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.fc = nn.Conv2d(c, c, 1)\n    def forward(self, x):\n        return x * self.fc(x)\n",
        )
        .expect("written");
        let import = ImportRef {
            level: 0,
            module: "pkg".into(),
            name: "SE".into(),
        };
        let ask = |question| imported_is(root.path(), Path::new("model.py"), &import, question);
        assert!(ask(ImportedLayoutQuestion::ChannelsLastBlock));
        assert!(!ask(ImportedLayoutQuestion::ChannelsFirst));
    }

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
