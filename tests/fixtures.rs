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
fn weight_map_records_the_input_layout_and_names_stay_torchs() {
    let out = port_fixture("cnn");
    let map: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("portui-weights.json")).expect("written"),
    )
    .expect("json");
    // Sequential containers keep torch's parameter names: no renames to record.
    assert!(map.get("renames").is_none(), "{map}");
    let model = std::fs::read_to_string(out.path().join("model.py")).expect("written");
    assert!(model.contains("portui_shims.Sequential("), "{model}");
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

/// A fixture's training script, ported with every hunk accepted: it imports no torch, its
/// training-step checklist items are done, and it trains under MLX from the torch weights and
/// data like torch does: the first loss within 1e-4, then going down (tests/py/training.py).
fn trains_like_torch(name: &str, model_class: &str, steps: usize) {
    let out = port_fixture(name);
    let train = std::fs::read_to_string(out.path().join("train.py")).expect("train.py written");
    assert!(
        !train.contains("torch"),
        "{name}: the training port still mentions torch:\n{train}"
    );
    let check = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["check", "--format", "json"])
        .arg(out.path().join("train.py"))
        .output()
        .expect("portui runs");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("JSON report");
    let status = |id: &str| {
        report["checklist"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["id"] == id))
            .map(|i| i["status"].as_str().unwrap_or_default().to_string())
    };
    for item in [
        "backward-replaced",
        "step-replaced",
        "eval-at-boundaries",
        "no-torch-import",
    ] {
        assert_eq!(
            status(item).as_deref(),
            Some("done"),
            "{name}: {item} after apply: {report}"
        );
    }
    assert_eq!(
        status("zero-grad-removed").as_deref(),
        Some("n/a"),
        "{name}"
    );

    let script = common::repo().join("tests/py/training.py");
    let torch_dir = common::repo().join("fixtures").join(name);
    let steps = steps.to_string();
    let (ok, stdout, stderr) = common::run_python(&[
        script.as_os_str(),
        "--torch-dir".as_ref(),
        torch_dir.as_os_str(),
        "--mlx-dir".as_ref(),
        out.path().as_os_str(),
        "--script".as_ref(),
        "train.py".as_ref(),
        "--model-class".as_ref(),
        model_class.as_ref(),
        "--steps".as_ref(),
        steps.as_ref(),
    ]);
    assert!(ok, "{name}: training parity failed: {stdout}\n{stderr}");
}

/// AdamW with weight decay, warmup + cosine learning rate set through param_groups,
/// clip_grad_norm_, gradient accumulation, evaluation under no_grad, checkpoint save.
#[test]
fn gpt_training_script_trains_like_torch() {
    trains_like_torch("gpt", "GPT", 20);
}

/// SGD with momentum and weight decay, StepLR stepped per epoch, CrossEntropyLoss, a
/// DataLoader over an in-memory TensorDataset, accuracy from the logits.
#[test]
fn cnn_training_script_trains_like_torch() {
    trains_like_torch("cnn", "ResNet", 12);
}

/// Before apply, `check` reports the training step's items open, at the step.
#[test]
fn training_checklist_is_open_before_apply() {
    let analysis = common::analyse(&common::repo().join("fixtures/cnn/train.py"));
    let checklist = analysis.checklist();
    for item in [
        "backward-replaced",
        "zero-grad-removed",
        "step-replaced",
        "eval-at-boundaries",
    ] {
        let entry = checklist.iter().find(|e| e.id == item).expect("known item");
        assert_eq!(entry.status.as_str(), "open", "{item}");
        assert_eq!(entry.locations.len(), 1, "{item}: {:?}", entry.locations);
    }
}
