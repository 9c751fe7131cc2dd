//! Notebooks end to end (tests/notebook/classifier.ipynb: a markdown cell, torch code cells
//! with IPython magics and shell lines, a raw cell, a cell with nothing to port): `check`
//! finds what is in its cells and says which cell; `apply --accept-all` writes a notebook with
//! the same cells, markdown, raw cells and metadata untouched, magics verbatim, torch gone,
//! `__call__` for `forward`, and outputs cleared only where code changed; the ported cells run
//! under MLX; a notebook whose code changed after analysis is not written.

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn fixture() -> std::path::PathBuf {
    common::repo().join("tests/notebook")
}

fn portui(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(args)
        .output()
        .expect("portui runs")
}

fn read_notebook(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("notebook")).expect("JSON")
}

fn source(cell: &Value) -> String {
    match &cell["source"] {
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        other => other.as_str().unwrap_or_default().to_string(),
    }
}

#[test]
fn check_reports_findings_in_their_cells() {
    let output = portui(&["check".as_ref(), fixture().as_os_str()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("classifier.ipynb:cell 2:3:1: torch-import"),
        "{text}"
    );
    assert!(
        text.contains("classifier.ipynb:cell 3:7:9: forward-call"),
        "{text}"
    );
    assert!(
        !text.contains("syntax error"),
        "magics are not Python errors: {text}"
    );

    let output = portui(&[
        "check".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        fixture().as_os_str(),
    ]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let forward = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "forward-call")
        .expect("forward is found");
    assert_eq!(
        (&forward["cell"], &forward["line"], &forward["column"]),
        (&Value::from(3), &Value::from(7), &Value::from(9))
    );
}

#[test]
fn the_diff_shows_the_cells_edges() {
    let output = portui(&["diff".as_ref(), fixture().as_os_str()]);
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(diff.contains("# ── cell 3 ──"), "{diff}");
    assert!(diff.contains("+    def __call__(self, x):"), "{diff}");
}

#[test]
fn apply_writes_the_same_notebook_with_its_code_ported() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = portui(&[
        "apply".as_ref(),
        "--accept-all".as_ref(),
        "--out".as_ref(),
        out.path().as_os_str(),
        fixture().as_os_str(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let before = read_notebook(&fixture().join("classifier.ipynb"));
    let after = read_notebook(&out.path().join("classifier.ipynb"));
    assert_eq!(after["metadata"], before["metadata"]);
    assert_eq!(
        (&after["nbformat"], &after["nbformat_minor"]),
        (&Value::from(4), &before["nbformat_minor"])
    );
    let (cells, original) = (
        after["cells"].as_array().unwrap(),
        before["cells"].as_array().unwrap(),
    );
    assert_eq!(cells.len(), original.len());
    for (cell, was) in cells.iter().zip(original) {
        assert_eq!(cell["cell_type"], was["cell_type"]);
        assert_eq!(cell["metadata"], was["metadata"]);
        if cell["cell_type"] != "code" {
            assert_eq!(cell, was, "markdown and raw cells are untouched");
        } else if source(cell) == source(was) {
            assert_eq!(cell, was, "an unchanged code cell keeps its outputs");
        } else {
            assert_eq!(cell["outputs"], serde_json::json!([]));
            assert_eq!(cell["execution_count"], Value::Null);
        }
    }
    let code: String = cells
        .iter()
        .filter(|c| c["cell_type"] == "code")
        .map(|c| source(c) + "\n")
        .collect();
    assert!(!code.contains("import torch"), "{code}");
    assert!(
        code.contains("def __call__(self, x):") && !code.contains("def forward"),
        "{code}"
    );
    assert!(
        source(&cells[1]).starts_with("%matplotlib inline\n!pip install torch\n"),
        "magics stay verbatim: {code}"
    );
    assert!(source(&cells[4]).starts_with("%%time\n"), "{code}");

    // The ported cells run under MLX (the magics are IPython's, left out here).
    let python: String = code
        .lines()
        .filter(|l| !l.starts_with(['%', '!']))
        .map(|l| format!("{l}\n"))
        .collect();
    let (ok, stdout, stderr) = common::run_python(&["-c".as_ref(), python.as_ref()]);
    assert!(ok, "{python}\n{stderr}");
    assert_eq!(stdout.trim(), "(2, 3)");
}

#[test]
fn a_notebook_whose_code_changed_since_analysis_is_not_written() {
    let project = tempfile::tempdir().expect("temp dir");
    let notebook = project.path().join("classifier.ipynb");
    std::fs::copy(fixture().join("classifier.ipynb"), &notebook).expect("copied");
    let analysis = common::analyse(project.path());
    let edited = std::fs::read_to_string(&notebook)
        .unwrap()
        .replace("1 + 2", "1 + 3");
    std::fs::write(&notebook, edited).unwrap();
    let out = project.path().join("out");
    let report = portui::write::apply(
        &analysis,
        &portui::write::Selection::AcceptAll,
        &portui::write::Target::Tree(out.clone()),
    )
    .expect("apply runs");
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert!(!out.join("classifier.ipynb").exists());
}

#[test]
fn audit_names_the_cell_of_each_leftover() {
    let output = portui(&["audit".as_ref(), fixture().as_os_str()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("classifier.ipynb:cell 2:3:8: torch-import torch:"),
        "{text}"
    );
    assert!(
        text.contains("classifier.ipynb:cell 5:3:5: torch-use torch.randn:"),
        "{text}"
    );
}
