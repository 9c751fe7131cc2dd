//! `portui bench` end to end with the real harness, real mlx (CPU) and real torch: the fixtures
//! are ported with `apply --accept-all` and benchmarked; broken ports and environments must
//! fail with messages that say what is wrong and what to do.

mod common;

use portui::bench::{BenchEvent, BenchRequest, Runner};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A copy of fixture `name` in a temp dir, with its port in the default `<name>_mlx` beside it.
struct Ported {
    _dir: tempfile::TempDir,
    project: PathBuf,
    port: PathBuf,
}

fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join(name);
    std::fs::create_dir(&project).expect("project dir");
    for entry in std::fs::read_dir(common::repo().join("fixtures").join(name)).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), project.join(entry.file_name())).expect("copy");
    }
    (dir, project)
}

fn ported(name: &str) -> Ported {
    let (dir, project) = copy_fixture(name);
    let status = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["apply", "--accept-all"])
        .arg(&project)
        .status()
        .expect("portui runs");
    assert!(status.success(), "portui apply failed for {name}");
    let port = dir.path().join(format!("{name}_mlx"));
    Ported {
        _dir: dir,
        project,
        port,
    }
}

fn bench(project: &Path, python: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portui"))
        .arg("bench")
        .arg(project)
        .arg("--python")
        .arg(python)
        .args(extra)
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

/// Rewrite the port's model file (a deliberately wrong port).
fn edit_port(port: &Path, from: &str, to: &str) {
    let path = port.join("model.py");
    let code = std::fs::read_to_string(&path).expect("port written");
    assert!(code.contains(from), "the port no longer contains {from:?}");
    std::fs::write(&path, code.replacen(from, to, 1)).expect("port edited");
}

fn parity_holds(name: &str) {
    let fixture = ported(name);
    let output = bench(&fixture.project, &common::python(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {}", text(&output)));
    assert_eq!(output.status.code(), Some(0), "{name}: {report:#}");
    let result = &report["result"];
    assert_eq!(result["parity"]["status"], "held", "{name}: {report:#}");
    let max_abs = result["parity"]["outputs"][0]["max_abs"].as_f64();
    assert!(max_abs.is_some_and(|e| e <= 1e-4), "{name}: {report:#}");
    assert_eq!(result["mlx"]["device"], "cpu", "{name}");
    assert_eq!(result["mlx"]["package"], "mlx[cpu]", "{name}");
    assert!(
        result["latency_ms"]["median"]
            .as_f64()
            .is_some_and(|m| m > 0.0)
    );
    let iters = result["iters"].as_u64().expect("iters");
    assert_eq!(
        result["latency_ms"]["samples"].as_array().map(Vec::len),
        Some(iters as usize)
    );
    assert!(
        result["torch"]["latency_ms"]["median"]
            .as_f64()
            .is_some_and(|m| m > 0.0),
        "{name}: {report:#}"
    );
    assert!(result["peak_memory_bytes"].as_u64().is_some_and(|b| b > 0));
    // torch and MLX were timed in interleaved rounds, on one CPU thread each.
    let speedup = &result["speedup"];
    assert_eq!(speedup["rounds"].as_u64(), Some(iters), "{name}: {speedup}");
    assert_eq!(speedup["threads"], 1, "{name}");
    let (p10, p90) = (speedup["p10"].as_f64(), speedup["p90"].as_f64());
    assert!(
        p10.zip(p90).is_some_and(|(lo, hi)| 0.0 < lo && lo <= hi),
        "{speedup}"
    );
}

#[test]
fn gpt_runs_and_matches_torch() {
    parity_holds("gpt");
}

#[test]
fn cnn_runs_and_matches_torch() {
    parity_holds("cnn");
}

#[test]
fn llama_runs_and_matches_torch() {
    parity_holds("llama");
}

/// The bundled example holds a CNN and a GPT; its root `[bench]` runs the GPT. The CNN's
/// channels-last input layout in the shared weight map must not be applied to the GPT's tokens.
#[test]
fn the_bundled_example_benchmarks_its_gpt_beside_a_cnn() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = portui::demo::materialise(dir.path()).expect("example written");
    let status = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["apply", "--accept-all"])
        .arg(&root)
        .status()
        .expect("portui runs");
    assert!(status.success());
    let output = bench(&root, &common::python(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("parity      held"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_port_with_a_scaled_output_fails_parity_and_says_how_far() {
    let fixture = ported("gpt");
    edit_port(
        &fixture.port,
        "        return logits, loss",
        "        return logits * 1.5, loss",
    );
    let output = bench(&fixture.project, &common::python(), &[]);
    let report = text(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("MLX 0.32.4 on cpu (Linux"), "{report}");
    assert!(
        report.contains("parity      FAILED: output 0: max abs error"),
        "{report}"
    );
    assert!(report.contains("exceeds tolerance 0.0001"), "{report}");
    assert!(
        report.contains("(relative 5.000e-1) at [0, 0, "),
        "{report}"
    );
}

#[test]
fn a_port_that_drops_a_layer_lists_the_weights_that_do_not_fit() {
    let fixture = ported("gpt");
    edit_port(
        &fixture.port,
        "        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)\n",
        "",
    );
    edit_port(&fixture.port, "self.mlp(self.ln_2(x))", "self.mlp(x)");
    let output = bench(&fixture.project, &common::python(), &[]);
    let report = text(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(
        report.contains(
            "parity      FAILED: weights do not fit: 4 torch weight(s) with no MLX parameter"
        ),
        "{report}"
    );
    assert!(
        report.contains("  torch weight transformer.h.0.ln_2.weight [64] has no MLX parameter\n"),
        "{report}"
    );
}

#[test]
fn an_import_error_in_the_port_names_the_port_line_and_the_original_line() {
    let fixture = ported("gpt");
    edit_port(
        &fixture.port,
        "import mlx.nn as nn",
        "import mlx.nn_typo as nn",
    );
    let output = bench(&fixture.project, &common::python(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let error = &report["error"];
    assert_eq!(error["kind"], "import", "{report:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("No module named 'mlx.nn_typo'")
    );
    let port_file = fixture.port.join("model.py");
    let traceback = error["traceback"].as_str().expect("traceback");
    assert!(
        traceback.contains(&format!("File \"{}\", line 10", port_file.display())),
        "{traceback}"
    );
    assert!(!traceback.contains("portui_bench_harness"), "{traceback}");
    let frame = error["frames"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(frame["original"]["file"], "model.py", "{frame:#}");
    assert_eq!(frame["original"]["line"], 10, "{frame:#}");
    assert_eq!(frame["original"]["text"], "import torch.nn as nn");
    assert_eq!(frame["original"]["change"], "rewritten");

    let output = bench(&fixture.project, &common::python(), &[]);
    let report = text(&output);
    assert!(
        report.contains(&format!(
            "  in the port: {}:10: import mlx.nn_typo as nn\n  rewritten from the original: model.py:10: import torch.nn as nn",
            port_file.display()
        )),
        "{report}"
    );
    assert!(
        report.contains("next: the port fails to import"),
        "{report}"
    );
}

#[test]
fn a_python_without_mlx_is_told_to_run_setup() {
    let fixture = ported("cnn");
    let venv = fixture.project.parent().unwrap().join("bare-venv");
    let status = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "python3 -m venv failed");
    let python = venv.join("bin/python");
    let output = bench(&fixture.project, &python, &[]);
    let report = text(&output);
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(
        report.contains(&format!(
            "error: mlx is not installed in {}",
            python.display()
        )),
        "{report}"
    );
    assert!(
        report.contains("next: run `portui bench --setup`"),
        "{report}"
    );
}

#[test]
fn a_missing_python_or_port_is_a_setup_error() {
    let (_dir, project) = copy_fixture("llama");
    let output = bench(&project, &common::python(), &[]);
    let report = text(&output);
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(report.contains("error: no port at "), "{report}");
    assert!(
        report.contains(&format!(
            "`portui apply {} --accept-all`",
            project.display()
        )),
        "{report}"
    );

    let fixture = ported("llama");
    let output = bench(&fixture.project, Path::new("/nonexistent/bin/python"), &[]);
    let report = text(&output);
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(
        report.contains(
            "error: no Python found: /nonexistent/bin/python (from --python) does not exist"
        ),
        "{report}"
    );
}

#[test]
fn init_writes_a_template_naming_the_module_classes() {
    let (_dir, project) = copy_fixture("llama");
    std::fs::remove_file(project.join("portui.toml")).expect("config removed");
    let output = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["bench", "--init"])
        .arg(&project)
        .output()
        .expect("portui runs");
    assert!(output.status.success(), "{}", text(&output));
    let template = std::fs::read_to_string(project.join("portui.toml")).expect("written");
    for class in [
        "RMSNorm(dim: int, eps: float = 1e-6)",
        "RotaryEmbedding(",
        "Attention(args: ModelArgs)",
        "FeedForward(",
        "TransformerBlock(layer_id: int, args: ModelArgs)",
    ] {
        assert!(template.contains(class), "{class} missing:\n{template}");
    }
    assert!(
        template.contains("model = \"Transformer(params: ModelArgs)\""),
        "{template}"
    );
    assert!(
        template.contains("dtype = \"int64\""),
        "token ids: {template}"
    );
    let again = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["bench", "--init"])
        .arg(&project)
        .output()
        .expect("portui runs");
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).contains("already has a [bench] section"));
}

/// Processes whose command line mentions `marker` (the harness and its phases carry the
/// project path in their request).
#[cfg(target_os = "linux")]
fn processes_mentioning(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| std::fs::read(entry.ok()?.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).replace('\0', " "))
        .filter(|cmdline| cmdline.contains(marker))
        .collect()
}

#[test]
#[cfg(target_os = "linux")]
fn cancel_stops_the_harness_and_its_phase() {
    let fixture = ported("gpt");
    // A port stuck at import writes nothing: only the lifeline can stop that phase.
    edit_port(
        &fixture.port,
        "import math\n",
        "import math\nimport time\ntime.sleep(600)\n",
    );
    let request = BenchRequest::prepare(&fixture.project, None, Some(&common::python()))
        .unwrap_or_else(|f| panic!("{}", f.message));
    let runner = Runner::spawn(&request);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match runner.try_recv() {
            Some(BenchEvent::Progress(p)) if p.phase == "load" => break,
            Some(BenchEvent::Progress(_)) | None => {}
            Some(other) => panic!("the run ended before loading the port: {other:?}"),
        }
        assert!(
            Instant::now() < deadline,
            "the port was not loaded within 120 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let marker = fixture.project.to_string_lossy().into_owned();
    assert!(
        !processes_mentioning(&marker).is_empty(),
        "the harness runs"
    );
    runner.cancel();
    let mut exit = None;
    while let Some(event) = runner.recv() {
        match event {
            BenchEvent::Exited(e) => exit = Some(e),
            BenchEvent::Progress(_) => {}
            other => panic!("a cancelled run reports no result or error: {other:?}"),
        }
    }
    assert!(exit.is_some_and(|e| e.cancelled));
    let work_dirs = format!("portui-bench-{}-", std::process::id());
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&work_dirs))
        .collect();
    assert!(left.is_empty(), "work directories left behind: {left:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !processes_mentioning(&marker).is_empty() {
        assert!(
            Instant::now() < deadline,
            "left running after cancel: {:?}",
            processes_mentioning(&marker)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
