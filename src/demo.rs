//! The bundled example project: the three fixture models and a training script, embedded in
//! the binary so `portui demo` works from a fresh install, written to a new directory each
//! time (the user's edits to an earlier copy are never overwritten).

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

/// Write the example under `parent` in a directory that did not exist before.
pub fn materialise(parent: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let root = (0..1000)
        .map(|n| parent.join(format!("example-{stamp}-{n}")))
        .find(|candidate| std::fs::create_dir(candidate).is_ok())
        .ok_or_else(|| {
            format!(
                "{}: cannot create a new example directory",
                parent.display()
            )
        })?;
    for (rel, text) in FILES {
        crate::atomic::write_atomic(&root.join(rel), text.as_bytes())?;
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
    fn each_run_gets_a_fresh_directory_with_every_file() {
        let parent = tempfile::tempdir().unwrap();
        let first = super::materialise(parent.path()).unwrap();
        let second = super::materialise(parent.path()).unwrap();
        assert_ne!(first, second);
        for (rel, text) in super::FILES {
            assert_eq!(std::fs::read_to_string(first.join(rel)).unwrap(), *text);
        }
    }
}
