//! `portui convert-weights` end to end: a torch.save checkpoint of the bundled GPT (nested as
//! {"model", "optimizer", "step"}) and of the CNN fixture (convolutions) converts, loads into
//! the port with `model.load_weights(FILE)` (strict) and the port matches torch within 1e-4
//! (tests/py/checkpoint.py). A safetensors checkpoint is read without torch, and one that does
//! not fit is refused with the names that do not. The port's torch.hub helpers read torch's
//! checkpoints without torch.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn portui(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(args)
        .output()
        .expect("portui runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn apply(project: &Path, out: &Path) {
    let output = portui(&[
        "apply".as_ref(),
        "--accept-all".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        project.as_os_str(),
    ]);
    assert!(output.status.success(), "apply: {}", text(&output));
}

/// Save the [bench] model's checkpoint with torch; its inputs and output go to `npz`.
fn save_checkpoint(torch_dir: &Path, config: &Path, checkpoint: &Path, npz: &Path) {
    let script = common::repo().join("tests/py/checkpoint.py");
    let (ok, stdout, stderr) = common::run_python(&[
        script.as_os_str(),
        "save".as_ref(),
        "--torch-dir".as_ref(),
        torch_dir.as_os_str(),
        "--config".as_ref(),
        config.as_os_str(),
        "--out".as_ref(),
        checkpoint.as_os_str(),
        "--npz".as_ref(),
        npz.as_os_str(),
    ]);
    assert!(ok, "saving the checkpoint failed: {stdout}\n{stderr}");
}

fn convert(project: &Path, checkpoint: &Path, port: &Path, out: &Path) -> Output {
    let python = common::python();
    portui(&[
        "convert-weights".as_ref(),
        project.as_os_str(),
        checkpoint.as_os_str(),
        "--port".as_ref(),
        port.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--python".as_ref(),
        python.as_os_str(),
    ])
}

/// The port loads `weights` strictly and matches torch's output within the tolerance.
fn assert_matches_torch(port: &Path, config: &Path, weights: &Path, npz: &Path) {
    let script = common::repo().join("tests/py/checkpoint.py");
    let (ok, stdout, stderr) = common::run_python(&[
        script.as_os_str(),
        "load".as_ref(),
        "--mlx-dir".as_ref(),
        port.as_os_str(),
        "--config".as_ref(),
        config.as_os_str(),
        "--weights".as_ref(),
        weights.as_os_str(),
        "--npz".as_ref(),
        npz.as_os_str(),
    ]);
    assert!(ok, "the converted weights: {stdout}\n{stderr}");
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert!(
        result["max_abs"].as_f64().is_some_and(|e| e <= 1e-4),
        "{result}"
    );
}

#[test]
fn the_bundled_gpt_checkpoint_converts_loads_strictly_and_matches_torch() {
    let parent = tempfile::tempdir().expect("temp dir");
    let example = portui::demo::materialise(parent.path()).expect("example written");
    let port = parent.path().join("port");
    apply(&example, &port);
    let config = example.join("portui.toml");
    let (checkpoint, npz) = (parent.path().join("ckpt.pt"), parent.path().join("io.npz"));
    save_checkpoint(&example, &config, &checkpoint, &npz);

    let weights = parent.path().join("gpt.safetensors");
    let output = convert(&example, &checkpoint, &port, &weights);
    let report = text(&output);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("state dict: key `model`"), "{report}");
    assert!(
        report.contains("skipped: lm_head.weight: the same tensor as transformer.wte.weight"),
        "{report}"
    );
    assert_matches_torch(&port, &config, &weights, &npz);

    // The converted file is itself a safetensors checkpoint: read without torch, it converts
    // to the same tensors.
    let again = parent.path().join("again.safetensors");
    let output = convert(&example, &weights, &port, &again);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        std::fs::read(&weights).unwrap(),
        std::fs::read(&again).unwrap()
    );

    // One parameter gone, one stranger in: refused, both named, nothing written.
    let bytes = std::fs::read(&weights).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors: Vec<(String, safetensors::tensor::TensorView)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| name != "transformer.ln_f.bias")
        .collect();
    let (_, sample) = file.tensors().into_iter().next().unwrap();
    tensors.push(("transformer.extra".into(), sample));
    let broken = parent.path().join("broken.safetensors");
    safetensors::serialize_to_file(tensors, None, &broken).unwrap();
    let refused = parent.path().join("refused.safetensors");
    let output = convert(&example, &broken, &port, &refused);
    let report = text(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(
        report.contains("missing: transformer.ln_f.bias"),
        "{report}"
    );
    assert!(report.contains("unexpected: transformer.extra"), "{report}");
    assert!(!refused.exists());
}

/// A fixture's checkpoint converts, loads strictly and matches torch; returns the report.
fn fixture_converts(name: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = common::repo().join("fixtures").join(name);
    let port = dir.path().join("port");
    apply(&project, &port);
    let config = project.join("portui.toml");
    let (checkpoint, npz) = (dir.path().join("model.pt"), dir.path().join("io.npz"));
    save_checkpoint(&project, &config, &checkpoint, &npz);
    let weights = dir.path().join("converted.safetensors");
    let output = convert(&project, &checkpoint, &port, &weights);
    let report = text(&output);
    assert!(output.status.success(), "{name}: {report}");
    assert_matches_torch(&port, &config, &weights, &npz);
    report
}

#[test]
fn the_cnn_fixtures_convolutions_convert_and_match_torch() {
    let report = fixture_converts("cnn");
    assert!(
        !report.contains(" 0 convolution weight(s) moved"),
        "{report}"
    );
}

#[test]
fn the_llama_fixture_converts_and_matches_torch() {
    fixture_converts("llama");
}

/// A port's `torch.hub.load_state_dict_from_url` / `model_zoo.load_url` (portui_shims) reads
/// the checkpoint torch saved, without torch, tensor for tensor (tests/py/hub_checkpoint.py).
#[test]
fn the_hub_shims_read_torch_checkpoints_without_torch() {
    let work = tempfile::tempdir().expect("temp dir");
    let script = common::repo().join("tests/py/hub_checkpoint.py");
    let shims = common::repo().join("src/port");
    let (ok, stdout, stderr) = common::run_python(&[
        script.as_os_str(),
        shims.as_os_str(),
        work.path().as_os_str(),
    ]);
    assert!(ok && stdout.trim() == "ok", "{stdout}\n{stderr}");
}
