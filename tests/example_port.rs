//! The bundled example's port runs the way the original runs: `python gpt/train.py` from the
//! example's root and `python train.py` from `gpt/`, with torch absent (a `torch` package that
//! raises on import comes first on the path). The shims it imports sit beside the script.

mod common;

use std::path::Path;
use std::process::Command;

/// A directory whose `torch` package raises on import, for PYTHONPATH.
fn torch_blocker(dir: &Path) {
    let package = dir.join("torch");
    std::fs::create_dir_all(&package).expect("blocker dir");
    std::fs::write(
        package.join("__init__.py"),
        "raise ImportError('torch is blocked: the port must run without it')\n",
    )
    .expect("blocker written");
}

fn run(script: &str, cwd: &Path, blocker: &Path) -> (bool, String) {
    let output = Command::new(common::python())
        .arg(script)
        .current_dir(cwd)
        .env("PYTHONPATH", blocker)
        .output()
        .expect("python runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_example_gpt_training_script_runs_ported_from_the_root_and_from_its_folder() {
    let parent = tempfile::tempdir().expect("temp dir");
    let example = portui::demo::materialise(parent.path()).expect("example written");
    let analysis = common::analyse(&example);
    let out = parent.path().join("example_mlx");
    let report = portui::write::apply(
        &analysis,
        &portui::write::Selection::AcceptAll,
        &portui::write::Target::Tree(out.clone()),
    )
    .expect("written");
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert!(
        out.join("gpt/portui_shims.py").exists(),
        "the shims are beside the files that use them: {:?}",
        report.shim_dirs
    );
    let blocker = parent.path().join("blocker");
    torch_blocker(&blocker);
    for (script, cwd) in [("gpt/train.py", out.clone()), ("train.py", out.join("gpt"))] {
        let (ok, text) = run(script, &cwd, &blocker);
        assert!(ok, "python {script} from {}:\n{text}", cwd.display());
        assert!(
            text.contains("iter"),
            "python {script} trained nothing:\n{text}"
        );
    }
}
