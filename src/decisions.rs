//! Review decisions saved between sessions, in the platform data directory, keyed by the
//! project's absolute path. The session saves them after every change; `apply` without
//! `--accept-all`/`--safe-only` applies them.

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

/// Where the review stood when the session closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub file: String,
    /// The hunk under review (hex id), if the file had one.
    pub hunk: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Decisions {
    /// File (relative path) → hunk id (hex) → decision.
    pub files: BTreeMap<String, BTreeMap<String, Decision>>,
    #[serde(default)]
    pub position: Option<Position>,
}

impl Decisions {
    pub fn get(&self, rel: &Path, hunk: HunkId) -> Option<Decision> {
        self.files.get(&key(rel))?.get(&hunk.to_string()).copied()
    }

    /// Record `decision` (or forget the hunk's decision with `None`).
    pub fn set(&mut self, rel: &Path, hunk: HunkId, decision: Option<Decision>) {
        match decision {
            Some(decision) => {
                self.files
                    .entry(key(rel))
                    .or_default()
                    .insert(hunk.to_string(), decision);
            }
            None => {
                if let Some(file) = self.files.get_mut(&key(rel)) {
                    file.remove(&hunk.to_string());
                    if file.is_empty() {
                        self.files.remove(&key(rel));
                    }
                }
            }
        }
    }

    /// The decided hunk ids of one file.
    pub fn decided(&self, rel: &Path) -> impl Iterator<Item = (&str, Decision)> {
        self.files
            .get(&key(rel))
            .into_iter()
            .flat_map(|file| file.iter().map(|(id, d)| (id.as_str(), *d)))
    }
}

fn key(rel: &Path) -> String {
    rel.to_string_lossy().into_owned()
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
    match store_path(project) {
        Some(path) => load_from(&path),
        None => Ok(None),
    }
}

pub fn load_from(path: &Path) -> Result<Option<Decisions>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{}: saved decisions are unreadable ({e})", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Save atomically: a crash mid-save keeps the previous decisions.
pub fn save_to(path: &Path, decisions: &Decisions) -> Result<(), String> {
    let json = serde_json::to_string_pretty(decisions).map_err(|e| e.to_string())?;
    crate::atomic::write_atomic(path, json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_forget_round_trip_through_json() {
        let mut decisions = Decisions::default();
        let rel = Path::new("pkg/model.py");
        decisions.set(rel, HunkId(7), Some(Decision::Accepted));
        decisions.set(rel, HunkId(9), Some(Decision::Rejected));
        decisions.set(rel, HunkId(9), None);
        let json = serde_json::to_string(&decisions).unwrap();
        let back: Decisions = serde_json::from_str(&json).unwrap();
        assert_eq!(back.get(rel, HunkId(7)), Some(Decision::Accepted));
        assert_eq!(back.get(rel, HunkId(9)), None);
        assert_eq!(back.decided(rel).count(), 1);
    }
}
