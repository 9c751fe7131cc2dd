//! Finding a project's Python files and where its port goes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Written into every output tree so a later walk of the project skips it.
pub const OUTPUT_MARKER: &str = ".portui-output";

/// Directories that never hold the user's own source.
const SKIPPED_DIRS: &[&str] = &[
    "__pycache__",
    "venv",
    ".venv",
    "env",
    ".env",
    "build",
    "dist",
    "site-packages",
    "node_modules",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".eggs",
];

#[derive(Debug)]
pub struct Discovery {
    pub root: PathBuf,
    /// Python files and notebooks, relative to `root`, sorted.
    pub files: Vec<PathBuf>,
    /// Each file's size in bytes, as the walk saw it (0 when it could not tell).
    pub sizes: Vec<u64>,
    /// Paths the walk could not enter or read, with why.
    pub errors: Vec<(PathBuf, String)>,
    /// The project is one `.py` file (its `root` is the file's directory).
    pub single_file: bool,
}

/// Walk `path` (a directory or one `.py`/`.ipynb` file), `.gitignore` aware, on several threads.
pub fn discover(path: &Path) -> std::io::Result<Discovery> {
    let metadata = std::fs::metadata(path)?;
    if metadata.is_file() {
        let root = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let name = PathBuf::from(path.file_name().unwrap_or_default());
        return Ok(Discovery {
            root,
            files: vec![name],
            sizes: vec![metadata.len()],
            errors: Vec::new(),
            single_file: true,
        });
    }
    let root = path.to_path_buf();
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    ignore::WalkBuilder::new(&root)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !is_dir || entry.depth() == 0 || !skipped_dir(entry.path())
        })
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(entry) => {
                        let is_file = entry
                            .file_type()
                            .is_some_and(|t| t.is_file() || t.is_symlink());
                        if is_file && is_source(entry.path()) {
                            let rel = entry.path().strip_prefix(&root).unwrap_or(entry.path());
                            let size = entry.metadata().map_or(0, |m| m.len());
                            lock(&found).push((rel.to_path_buf(), size));
                        }
                    }
                    Err(error) => {
                        let path = error_path(&error).unwrap_or_else(|| root.clone());
                        lock(&errors).push((path, error.to_string()));
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    // The threads find files in any order; reports list them by name.
    found.sort_unstable();
    errors.sort();
    let (files, sizes) = found.into_iter().unzip();
    Ok(Discovery {
        root,
        files,
        sizes,
        errors,
        single_file: false,
    })
}

/// The walk's threads only push to the lists they share: a panic cannot leave one half
/// written, so a poisoned lock is still good.
fn lock<T>(list: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    list.lock().unwrap_or_else(|e| e.into_inner())
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// A file portui ports: Python source, or a notebook's code cells.
pub fn is_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py" || e == "ipynb")
}

fn skipped_dir(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    SKIPPED_DIRS.contains(&name)
        || path.join("pyvenv.cfg").exists()
        || path.join(OUTPUT_MARKER).exists()
}

/// `path` relative to `root` when the walk would list it: a `.py` or `.ipynb` file outside skipped,
/// hidden and output directories. The session's watcher filters events with this.
pub fn project_file(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    if !is_source(rel) {
        return None;
    }
    let mut dir = root.to_path_buf();
    for component in rel.parent()?.components() {
        let name = component.as_os_str().to_str()?;
        dir.push(name);
        if name.starts_with('.') || skipped_dir(&dir) {
            return None;
        }
    }
    Some(rel.to_path_buf())
}

/// The default output tree: the sibling `<name>_mlx` of the project directory.
pub fn default_output(project: &Path) -> PathBuf {
    let absolute = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    let name = absolute
        .file_name()
        .map_or_else(|| "project".into(), |n| n.to_string_lossy().into_owned());
    let name = name
        .strip_suffix(".py")
        .or_else(|| name.strip_suffix(".ipynb"))
        .unwrap_or(&name)
        .to_string();
    absolute
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("{name}_mlx"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parallel walk finds files in any order; discovery lists them sorted, each with the
    /// size the walk saw, and still skips what it must.
    #[test]
    fn discovery_is_sorted_and_sized() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path();
        for (rel, bytes) in [
            ("b.py", 3),
            ("a/z.py", 10),
            ("a/b/c.py", 1),
            ("a.py", 7),
            ("__pycache__/x.py", 5),
            ("notes.txt", 2),
        ] {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("creatable");
            std::fs::write(&path, "x".repeat(bytes)).expect("writable");
        }
        let found = discover(root).expect("walkable");
        let files: Vec<&str> = found
            .files
            .iter()
            .map(|p| p.to_str().expect("UTF-8"))
            .collect();
        // Path order: component by component (the directory `a` sorts before `a.py`).
        assert_eq!(files, ["a/b/c.py", "a/z.py", "a.py", "b.py"]);
        assert_eq!(found.sizes, [1, 10, 7, 3]);
        assert!(found.errors.is_empty() && !found.single_file);
    }
}
