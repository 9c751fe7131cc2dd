//! Review decisions saved between sessions, in the platform data directory, keyed by the
//! project's absolute path. `apply` without `--accept-all`/`--safe-only` applies these.

use crate::hunk::HunkId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Accepted,
    Rejected,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Decisions {
    /// File (relative path) → hunk id (hex) → decision.
    pub files: BTreeMap<String, BTreeMap<String, Decision>>,
}

impl Decisions {
    pub fn get(&self, rel: &Path, hunk: HunkId) -> Option<Decision> {
        self.files
            .get(&rel.to_string_lossy().into_owned())?
            .get(&hunk.to_string())
            .copied()
    }
}

/// Where decisions for `project` live: `<data dir>/projects/<hash of the absolute path>.json`.
pub fn store_path(project: &Path) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "portui")?;
    let absolute = std::path::absolute(project).ok()?;
    let key = format!(
        "{:016x}",
        crate::hunk::fnv1a(&[&absolute.to_string_lossy()])
    );
    Some(dirs.data_dir().join("projects").join(format!("{key}.json")))
}

pub fn load(project: &Path) -> Result<Option<Decisions>, String> {
    let Some(path) = store_path(project) else {
        return Ok(None);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{}: saved decisions are unreadable ({e})", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}
