//! Watching the project: only the directories that hold its Python files, non-recursively
//! (a project next to a large data directory costs nothing). Events are debounced, so an
//! editor's atomic save (write a temporary file, rename it over) arrives as one change.

use crate::project::project_file;
use notify::{EventKind, RecommendedWatcher};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub type Watcher = Debouncer<RecommendedWatcher, RecommendedCache>;

/// What happened to a project file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Saved(PathBuf),
    Removed(PathBuf),
}

/// Start watching; `on_change` receives project-relative paths.
pub fn start(
    root: &Path,
    files: &[PathBuf],
    on_change: impl Fn(Change) + Send + 'static,
    on_error: impl Fn(String) + Send + 'static,
) -> Result<Watcher, String> {
    let dirs: BTreeSet<PathBuf> = std::iter::once(root.to_path_buf())
        .chain(
            files
                .iter()
                .filter_map(|rel| rel.parent().map(|p| root.join(p))),
        )
        .collect();
    let watched_root = root.to_path_buf();
    let mut debouncer = new_debouncer(
        Duration::from_millis(10),
        None,
        move |result: DebounceEventResult| match result {
            Ok(events) => {
                // Reads (ours included: analysing a file opens it) are not changes.
                let paths: BTreeSet<PathBuf> = events
                    .iter()
                    .filter(|event| {
                        matches!(
                            event.kind,
                            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                        )
                    })
                    .flat_map(|event| event.paths.iter().cloned())
                    .collect();
                for path in paths {
                    let Some(rel) = project_file(&watched_root, &path) else {
                        continue;
                    };
                    on_change(if path.is_file() {
                        Change::Saved(rel)
                    } else {
                        Change::Removed(rel)
                    });
                }
            }
            Err(errors) => {
                for error in errors {
                    on_error(format!("file watcher: {error}"));
                }
            }
        },
    )
    .map_err(|e| format!("cannot watch the project: {e}"))?;
    for dir in dirs {
        debouncer
            .watch(&dir, notify::RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    }
    Ok(debouncer)
}
