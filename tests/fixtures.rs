//! The fixture models end to end: `portui apply --accept-all` writes code that imports no
//! torch, runs under MLX, and with the torch weights copied in by name reproduces the torch
//! outputs within 1e-4 (tests/py/parity.py, with torch blocked in the MLX process).

mod common;

use std::process::Command;

fn port_fixture(name: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let status = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["apply", "--accept-all", "--out"])
        .arg(out.path())
        .arg(common::repo().join("fixtures").join(name))
        .status()
        .expect("portui runs");
    assert!(status.success(), "portui apply failed for {name}");
    out
}

fn parity(name: &str) {
    let out = port_fixture(name);
    let model = std::fs::read_to_string(out.path().join("model.py")).expect("model.py written");
    assert!(
        !model
            .lines()
            .any(|l| l.trim_start().starts_with("import torch")
                || l.trim_start().starts_with("from torch")),
        "{name}: the port still imports torch:\n{model}"
    );
    let script = common::repo().join("tests/py/parity.py");
    let torch_dir = common::repo().join("fixtures").join(name);
    let (ok, stdout, stderr) = common::run_python(&[
        script.as_os_str(),
        "--torch-dir".as_ref(),
        torch_dir.as_os_str(),
        "--mlx-dir".as_ref(),
        out.path().as_os_str(),
    ]);
    assert!(ok, "{name}: parity failed: {stdout}\n{stderr}");
    let result: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("parity prints JSON");
    assert!(
        result["max_abs"].as_f64().is_some_and(|e| e <= 1e-4),
        "{name}: {result}"
    );
}

fn invariants(name: &str) {
    let analysis = common::analyse(&common::repo().join("fixtures").join(name));
    let diff = common::check_invariants(&analysis).unwrap_or_else(|e| panic!("{name}: {e}"));
    insta::with_settings!({snapshot_path => "snapshots/fixtures", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, diff);
    });
}

#[test]
fn gpt_port_matches_torch() {
    parity("gpt");
}

#[test]
fn cnn_port_matches_torch() {
    parity("cnn");
}

#[test]
fn llama_port_matches_torch() {
    parity("llama");
}

#[test]
fn gpt_invariants() {
    invariants("gpt");
}

#[test]
fn cnn_invariants() {
    invariants("cnn");
}

#[test]
fn llama_invariants() {
    invariants("llama");
}

#[test]
fn weight_map_records_the_renames_and_the_input_layout() {
    let out = port_fixture("cnn");
    let map: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("portui-weights.json")).expect("written"),
    )
    .expect("json");
    let renames = map["renames"].as_array().expect("renames");
    assert!(
        renames
            .iter()
            .any(|r| r["torch"] == "layer1." && r["mlx"] == "layer1.layers."),
        "{map}"
    );
    assert!(
        map["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .any(|i| i["layout"] == "NHWC"),
        "{map}"
    );
    let gpt = port_fixture("gpt");
    let map: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(gpt.path().join("portui-weights.json")).expect("written"),
    )
    .expect("json");
    assert!(
        map["aliases"]
            .as_array()
            .expect("aliases")
            .iter()
            .any(|a| a["name"] == "lm_head.weight" && a["owner"] == "transformer.wte.weight"),
        "{map}"
    );
}
