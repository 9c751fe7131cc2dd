//! The port audit through the real binary: a hand-made dirty port (every kind of leftover,
//! where it is), a clean MLX file (also run under MLX, so its names are known to exist), the
//! ports `apply` writes of the fixtures and of the bundled example, `apply`'s summary, the
//! mapping back to the original line and hunk, files that do not parse or cannot be read, and
//! the benchmark's hint for a port that still imports torch.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn portui(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(args)
        .output()
        .expect("portui runs")
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn data(name: &str) -> PathBuf {
    common::repo().join("tests/audit").join(name)
}

/// `portui audit PATH --format json` (and more arguments): the exit status and the document.
fn audit_json(path: &Path, more: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec![
        "audit",
        path.to_str().expect("UTF-8 path"),
        "--format",
        "json",
    ];
    args.extend(more);
    let output = portui(&args);
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            text(&output),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), json)
}

/// `(line, column, kind, name)` of every finding.
fn located(json: &Value) -> Vec<(u64, u64, String, String)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["kind"].as_str().unwrap().to_string(),
                f["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("creatable");
    std::fs::write(path, contents).expect("writable");
}

/// A copy of a fixture in a fresh directory, so `apply` writes its `<name>_mlx` there.
fn fixture_copy(name: &str, parent: &Path) -> PathBuf {
    let project = parent.join(name);
    for entry in std::fs::read_dir(common::repo().join("fixtures").join(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::create_dir_all(&project).unwrap();
        std::fs::copy(entry.path(), project.join(entry.file_name())).unwrap();
    }
    project
}

#[test]
fn a_dirty_port_has_each_leftover_found_where_it_is() {
    let (code, json) = audit_json(&data("dirty/model.py"), &[]);
    assert_eq!(code, Some(1));
    let expected = [
        (4, 8, "torch-import", "torch"),
        (7, 8, "mlx-name", "mlx.nn_typo"),
        (8, 22, "torch-import", "torch.nn.functional"),
        (9, 28, "mlx-name", "mlx.core.rmsnorm"),
        (16, 21, "mlx-name", "mlx.nn.BatchNorm2d"),
        (19, 27, "torch-use", "torch.Tensor"),
        (20, 26, "array-method", "float"),
        (22, 13, "mlx-name", "mlx.core.fast.layer_norm_typo"),
        (23, 15, "array-method", "size"),
        (24, 30, "array-method", "masked_fill"),
        (25, 15, "array-attribute", "grad"),
        (27, 16, "torch-use", "torch.nn.functional.relu"),
        (27, 32, "torch-use", "torch.zeros"),
    ]
    .map(|(line, column, kind, name)| (line, column, kind.to_string(), name.to_string()));
    assert_eq!(located(&json), expected);
    // The documented keys; not written by portui, so no original.
    assert_eq!(json["files"], 1);
    assert_eq!(json["errors"], serde_json::json!([]));
    let first = &json["findings"][0];
    for key in [
        "path", "line", "column", "kind", "name", "message", "original", "hunk",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert_eq!(first["path"], "model.py");
    assert!(first["original"].is_null() && first["hunk"].is_null());
    let suggestion = json["findings"][4]["message"].as_str().unwrap();
    assert!(
        suggestion.contains("did you mean `BatchNorm`?"),
        "{suggestion}"
    );

    let output = portui(&["audit", data("dirty/model.py").to_str().unwrap()]);
    let report = text(&output);
    assert!(
        report.contains("model.py:20:26: array-method float: mx.array has no method `float`"),
        "{report}"
    );
    assert!(
        report.ends_with(
            "1 file audited: 13 leftovers in 1 file (2 torch-import, 3 torch-use, 4 mlx-name, 3 array-method, 1 array-attribute)\n"
        ),
        "{report}"
    );
}

#[test]
fn a_clean_mlx_file_is_clean_and_runs_under_mlx() {
    let clean = data("clean/model.py");
    let (code, json) = audit_json(&clean, &[]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(located(&json), []);
    let (ran, stdout, stderr) = common::run_python(&[clean.as_os_str()]);
    assert!(ran && stdout.starts_with("params "), "{stdout}{stderr}");
}

#[test]
fn the_ports_apply_writes_of_the_fixtures_and_the_example_are_clean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = portui::demo::materialise(dir.path()).expect("the example is written");
    let mut projects: Vec<PathBuf> = ["gpt", "cnn", "llama"]
        .iter()
        .map(|name| fixture_copy(name, dir.path()))
        .collect();
    projects.push(example);
    for project in projects {
        let project = project.to_str().unwrap();
        let applied = portui(&["apply", project, "--accept-all"]);
        assert!(applied.status.success(), "{}", text(&applied));
        let summary = text(&applied);
        assert!(summary.contains("\naudit: no leftovers in "), "{summary}");
        let port = format!("{project}_mlx");
        let (code, json) = audit_json(Path::new(&port), &[]);
        assert_eq!(code, Some(0), "{port}: {json}");
        assert!(json["files"].as_u64().unwrap() >= 1);
    }
}

/// A module whose hook calls no rule ports (MLX has no hooks): one on a line the port keeps,
/// one on a line the `view` → `reshape` hunk rewrites.
const HOOKED: &str = "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n    def forward(self, x):\n        h = self.fc(x)\n        h.register_hook(print)\n        return h.view(2, -1).register_hook(print)\n";

#[test]
fn apply_prints_a_summary_of_the_leftovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("hooked");
    write(&project.join("model.py"), HOOKED);
    let applied = portui(&["apply", project.to_str().unwrap(), "--accept-all"]);
    let port = dir.path().join("hooked_mlx");
    let expected = format!(
        "audit: 2 leftovers in 1 file (model.py:11 register_hook(), model.py:12 register_hook()); run `portui audit {}` for all\n",
        port.display()
    );
    assert!(text(&applied).ends_with(&expected), "{}", text(&applied));
}

#[test]
fn findings_map_to_the_original_line_and_the_hunk_over_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("hooked");
    write(&project.join("model.py"), HOOKED);
    let project_arg = project.to_str().unwrap();
    assert!(
        portui(&["apply", project_arg, "--accept-all"])
            .status
            .success()
    );
    let (code, json) = audit_json(&dir.path().join("hooked_mlx"), &[]);
    assert_eq!(code, Some(1));
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(located(&json).len(), 2, "{json}");
    // Two torch import lines became one MLX import: port lines 11 and 12 are 12 and 13.
    let kept = &findings[0];
    assert_eq!(
        (kept["line"].as_u64(), kept["column"].as_u64()),
        (Some(11), Some(11))
    );
    assert_eq!(kept["original"]["line"], 12);
    assert_eq!(kept["original"]["change"], "unchanged");
    assert!(
        kept["original"]["path"]
            .as_str()
            .unwrap()
            .ends_with("hooked/model.py")
    );
    assert!(kept["hunk"].is_null(), "no hunk proposes anything there");
    let rewritten = &findings[1];
    assert_eq!(rewritten["line"], 12);
    assert_eq!(rewritten["original"]["line"], 13);
    assert_eq!(rewritten["original"]["change"], "rewritten");
    // The hunk is the one `check` proposes on that line, under the same id.
    let check: Value =
        serde_json::from_slice(&portui(&["check", project_arg, "--format", "json"]).stdout)
            .unwrap();
    let proposed = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["line"] == 13 && !f["hunk"].is_null())
        .expect("a hunk on line 13");
    assert_eq!(rewritten["hunk"]["id"], proposed["hunk"]);
    assert_eq!(rewritten["hunk"]["rule"], proposed["rule"]);

    // Text: where each line came from.
    let report = text(&portui(&[
        "audit",
        dir.path().join("hooked_mlx").to_str().unwrap(),
    ]));
    assert!(report.contains("model.py:12, unchanged\n"), "{report}");
    assert!(
        report.contains(&format!(
            "model.py:13, rewritten by hunk {} ({})\n",
            proposed["hunk"].as_str().unwrap(),
            proposed["rule"].as_str().unwrap()
        )),
        "{report}"
    );

    // A tree written with --out is not beside its project: --original names it.
    let elsewhere = dir.path().join("elsewhere");
    assert!(
        portui(&[
            "apply",
            project_arg,
            "--accept-all",
            "--out",
            elsewhere.to_str().unwrap()
        ])
        .status
        .success()
    );
    let (_, unmapped) = audit_json(&elsewhere, &[]);
    assert!(unmapped["findings"][1]["original"].is_null());
    let (_, mapped) = audit_json(&elsewhere, &["--original", project_arg]);
    assert_eq!(mapped["findings"][1]["original"]["line"], 13);
    assert_eq!(mapped["findings"][1]["hunk"], rewritten["hunk"]);
}

#[test]
fn a_file_that_does_not_parse_is_a_syntax_finding_and_the_rest_is_audited() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        &dir.path().join("bad.py"),
        "import mlx.core as mx\n\ndef f(:\n    pass\n",
    );
    write(&dir.path().join("good.py"), "import torch\n");
    let (code, json) = audit_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(json["files"], 2);
    let found = located(&json);
    assert_eq!(found.len(), 2, "{json}");
    assert_eq!(
        (found[0].0, found[0].1, found[0].2.as_str()),
        (3, 7, "syntax")
    );
    assert_eq!(json["findings"][0]["path"], "bad.py");
    assert!(
        json["findings"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("does not parse")
    );
    assert_eq!(found[1], (1, 8, "torch-import".into(), "torch".into()));
}

#[test]
fn unreadable_input_is_an_error_with_exit_status_2() {
    let missing = portui(&["audit", "/nonexistent/portui-audit"]);
    assert_eq!(missing.status.code(), Some(2));
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(said.contains("/nonexistent/portui-audit"), "{said}");

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("latin1.py"), b"x = '\xe9'\n").unwrap();
    write(&dir.path().join("ok.py"), "import mlx.core as mx\n");
    let (code, json) = audit_json(dir.path(), &[]);
    assert_eq!(code, Some(2));
    assert_eq!(json["errors"][0]["path"], "latin1.py");
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not UTF-8")
    );
    assert_eq!(located(&json), []);
}

/// The benchmark of a port that still imports torch names the uses that keep the import, not
/// the import line. The port is written by hand so no rule change can clean it.
#[test]
fn bench_names_the_torch_uses_that_keep_the_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("net");
    write(
        &project.join("model.py"),
        "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n    def forward(self, x):\n        return self.fc(x) + torch.zeros(4)\n",
    );
    write(
        &project.join("portui.toml"),
        "[bench]\nfile = \"model.py\"\nmodel = \"Net()\"\ninputs = [{ shape = [2, 4], dtype = \"float32\" }]\nwarmup = 1\niters = 2\n",
    );
    let port = dir.path().join("net_mlx");
    write(
        &port.join(".portui-output"),
        "written by portui; portui skips this directory\n",
    );
    write(
        &port.join("model.py"),
        "import torch\nimport mlx.core as mx\nimport mlx.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n    def __call__(self, x):\n        return self.fc(x) + torch.zeros(4)\n",
    );
    let python = common::python();
    let output = portui(&[
        "bench",
        project.to_str().unwrap(),
        "--python",
        python.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(
            "next: the port still uses torch, which keeps its import: model.py:12 torch.zeros (original line 11)"
        ),
        "{said}"
    );
}

/// The session's `w` writes the port and says what the audit found, like `apply`.
#[test]
fn the_sessions_write_reports_the_audit() {
    use portui::tui::keymap::Keymap;
    use portui::tui::runtime::{Options, Runtime};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("hooked");
    write(&project.join("model.py"), HOOKED);
    let output = dir.path().join("hooked_mlx");
    let mut runtime = Runtime::open(
        &project,
        Options {
            keymap: Keymap::default(),
            store: Some(dir.path().join("decisions.json")),
            output: Some(output.clone()),
            watch: false,
        },
    )
    .expect("opens");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while runtime.app.session.analysed() < runtime.app.session.files.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "analysis did not land"
        );
        runtime.pump(std::time::Duration::from_millis(20));
    }
    // Nothing accepted: the port is the torch original, imports and all.
    let effects = runtime
        .app
        .on_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE));
    assert!(runtime.perform(effects).is_empty());
    // The report is a notice in the status line.
    let notice = runtime.app.message.clone().unwrap_or_default();
    assert!(notice.contains("wrote 1 file(s)"), "{notice}");
    assert!(
        notice.contains("audit: 6 leftovers in 1 file (model.py:1 torch, model.py:2 torch.nn, model.py:5 torch.nn.Module, ...); run `portui audit"),
        "{notice}"
    );
}
