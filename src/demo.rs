//! The bundled example project: the three fixture models and a training script, embedded in
//! the binary so `portui demo` works from a fresh install, written to one directory that later
//! runs reuse (the user's edits there are never overwritten).

use std::path::{Path, PathBuf};

const FILES: &[(&str, &str)] = &[
    ("gpt/model.py", include_str!("../fixtures/gpt/model.py")),
    ("gpt/train.py", include_str!("../fixtures/gpt/train.py")),
    (
        "gpt/portui.toml",
        include_str!("../fixtures/gpt/portui.toml"),
    ),
    ("cnn/model.py", include_str!("../fixtures/cnn/model.py")),
    ("cnn/train.py", include_str!("../fixtures/cnn/train.py")),
    (
        "cnn/portui.toml",
        include_str!("../fixtures/cnn/portui.toml"),
    ),
    ("llama/model.py", include_str!("../fixtures/llama/model.py")),
    (
        "llama/portui.toml",
        include_str!("../fixtures/llama/portui.toml"),
    ),
    // At the example's root, so the session's Benchmark pane has the GPT model to run.
    ("portui.toml", DEMO_BENCH),
];

const DEMO_BENCH: &str = "\
# The session's benchmark for the example: the GPT model (each sub-project has its own too).
[bench]
file = \"gpt/model.py\"
model = \"GPT(GPTConfig(block_size=32, vocab_size=101, n_layer=2, n_head=2, n_embd=64, dropout=0.0, bias=True))\"
inputs = [{ shape = [2, 16], dtype = \"int64\", low = 0, high = 101 }]
warmup = 2
iters = 10
tolerance = 1e-4
";

/// The example's one directory under `parent`. Each run reuses it: files already there are
/// kept as they are (the user's edits, and the decisions saved for the project, survive), and
/// only missing ones are written, so runs do not pile up copies.
pub fn materialise(parent: &Path) -> Result<PathBuf, String> {
    let root = parent.join("example");
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    for (rel, text) in FILES {
        let path = root.join(rel);
        if !path.exists() {
            crate::atomic::write_atomic(&path, text.as_bytes())?;
        }
    }
    Ok(root)
}

/// Where examples go: the platform data directory, else the system temp directory.
pub fn default_parent() -> PathBuf {
    directories::ProjectDirs::from("", "", "portui").map_or_else(
        || std::env::temp_dir().join("portui"),
        |dirs| dirs.data_dir().join("examples"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs_reuse_one_directory_and_keep_the_users_edits() {
        let parent = tempfile::tempdir().unwrap();
        let first = super::materialise(parent.path()).unwrap();
        for (rel, text) in super::FILES {
            assert_eq!(std::fs::read_to_string(first.join(rel)).unwrap(), *text);
        }
        let edited = first.join("gpt/model.py");
        std::fs::write(&edited, "# mine\n").unwrap();
        std::fs::remove_file(first.join("cnn/model.py")).unwrap();
        let second = super::materialise(parent.path()).unwrap();
        assert_eq!(first, second);
        assert_eq!(std::fs::read_to_string(&edited).unwrap(), "# mine\n");
        assert!(
            second.join("cnn/model.py").is_file(),
            "a missing file is back"
        );
        assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 1);
    }
}
