//! Atomic writes: a temporary file renamed over the target, so a crash or a full disk leaves
//! either the old file or the new one, never half of each. Everything portui writes (ports,
//! decisions, examples) goes through here.

use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically, creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let mut file = atomic_write_file::AtomicWriteFile::open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.commit()
        .map_err(|e| format!("{}: {e}", path.display()))
}
