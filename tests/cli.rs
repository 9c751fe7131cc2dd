//! The command-line contract: exit codes, the JSON shape of `check`, `diff`'s silence when
//! nothing is proposed, `rules`/`explain`.

mod common;

use std::process::{Command, Output};

fn portui(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(args)
        .output()
        .expect("portui runs")
}

fn fixture(name: &str) -> String {
    common::repo()
        .join("fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn check_exits_1_with_open_work_and_0_on_its_own_port() {
    let torch = fixture("llama");
    assert_eq!(portui(&["check", &torch]).status.code(), Some(1));
    let out = tempfile::tempdir().expect("temp dir");
    let out_dir = out.path().display().to_string();
    assert!(
        portui(&["apply", &torch, "--accept-all", "--out", &out_dir])
            .status
            .success()
    );
    let ported = portui(&["check", &out_dir]);
    assert_eq!(
        ported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ported.stdout)
    );
    let diff = portui(&["diff", &out_dir]);
    assert!(
        diff.status.success() && diff.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&diff.stdout)
    );
}

#[test]
fn check_json_has_the_documented_fields() {
    let output = portui(&["check", &fixture("gpt"), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    for key in [
        "files",
        "findings",
        "checklist",
        "parse_errors",
        "conversion_rate",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    let finding = &json["findings"][0];
    for key in ["rule", "path", "line", "column", "message", "applicability"] {
        assert!(finding.get(key).is_some(), "finding lacks {key}: {finding}");
    }
    let item = &json["checklist"][0];
    for key in ["id", "title", "status", "open"] {
        assert!(
            item.get(key).is_some(),
            "checklist item lacks {key}: {item}"
        );
    }
    assert_eq!(
        json["checklist"].as_array().map(Vec::len),
        Some(portui::checklist::ITEMS.len())
    );
    let rate = json["conversion_rate"].as_f64().expect("a number");
    assert!((0.0..=1.0).contains(&rate));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(portui(&["check"]).status.code(), Some(2));
    let missing = portui(&["check", "/nonexistent/portui/project"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/portui/project"));
    assert_eq!(portui(&["explain", "no-such-rule"]).status.code(), Some(2));
}

#[test]
fn every_rule_is_listed_and_explained_in_four_parts() {
    let listed = portui(&["rules", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("valid JSON");
    let rules = rules.as_array().expect("a list");
    assert_eq!(rules.len(), portui::rules::RULES.len());
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        let doc = String::from_utf8(portui(&["explain", id]).stdout).expect("utf-8");
        for part in ["Why:", "Example:", "Fix safety:"] {
            assert!(
                doc.contains(part),
                "{id}'s documentation lacks {part}:\n{doc}"
            );
        }
        assert!(
            portui::checklist::find(rule["checklist"].as_str().expect("checklist")).is_some(),
            "{id} maps to an unknown checklist item"
        );
    }
}

#[test]
fn apply_without_decisions_or_flags_says_what_to_do() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        project.path().join("m.py"),
        "import torch\nx = torch.zeros(2, 3)\n",
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["apply"])
        .arg(project.path())
        .env("XDG_DATA_HOME", project.path().join("data"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--accept-all"));
}

#[test]
fn a_file_over_the_size_limit_is_reported_not_read() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        project.path().join("small.py"),
        "import torch\nx = torch.zeros(2, 3)\n",
    )
    .expect("write");
    let huge = std::fs::File::create(project.path().join("huge.py")).expect("create");
    huge.set_len(portui::analysis::MAX_FILE_BYTES + 1)
        .expect("sparse file");
    let output = portui(&[
        "check",
        &project.path().display().to_string(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let errors = json["parse_errors"].as_array().expect("a list");
    assert!(
        errors.iter().any(|e| e["path"] == "huge.py"
            && e["message"]
                .as_str()
                .is_some_and(|m| m.contains("too large"))),
        "{errors:?}"
    );
    assert!(
        json["findings"]
            .as_array()
            .expect("a list")
            .iter()
            .any(|f| f["path"] == "small.py")
    );
}

#[test]
fn the_session_without_a_terminal_says_what_to_use_instead() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("m.py"), "import torch\n").unwrap();
    let output = portui(&[project.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs a terminal") && stderr.contains("portui check"),
        "{stderr}"
    );
}

#[test]
fn a_directory_without_python_files_says_so_and_exits_2() {
    let empty = tempfile::tempdir().expect("temp dir");
    std::fs::write(empty.path().join("notes.txt"), "no python here\n").expect("write");
    let path = empty.path().display().to_string();
    for command in ["check", "diff"] {
        let output = portui(&[command, &path]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("no Python files found"),
            "{command}: {stderr}"
        );
    }
    let apply = portui(&["apply", &path, "--accept-all"]);
    assert_eq!(apply.status.code(), Some(2));
}

#[test]
fn apply_on_a_missing_path_names_it_and_not_the_decisions() {
    let output = portui(&["apply", "/nonexistent/portui/project"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/portui/project: no such file or directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("decisions"), "{stderr}");
}

#[test]
fn demo_reuses_its_directory_and_prints_commands_that_run() {
    let parent = tempfile::tempdir().expect("temp dir");
    let demo = || {
        Command::new(env!("CARGO_BIN_EXE_portui"))
            .args(["demo", "--dir"])
            .arg(parent.path())
            .env("PATH", "/usr/bin:/bin") // as after `cargo run`: no portui on PATH
            .output()
            .expect("portui runs")
    };
    let first = demo();
    assert!(first.status.success());
    let second = String::from_utf8(demo().stdout).expect("utf-8");
    assert_eq!(
        std::fs::read_dir(parent.path()).unwrap().count(),
        1,
        "one example directory, reused"
    );
    let next = second
        .lines()
        .find_map(|l| l.strip_prefix("next: "))
        .expect("a next: line");
    let program = next.split_whitespace().next().unwrap();
    assert_eq!(
        std::path::Path::new(program).canonicalize().unwrap(),
        std::path::Path::new(env!("CARGO_BIN_EXE_portui"))
            .canonicalize()
            .unwrap(),
        "{second}"
    );
}

#[test]
fn apply_says_what_is_left_to_port_and_where() {
    let out = tempfile::tempdir().expect("temp dir");
    let out_dir = out.path().join("port").display().to_string();
    let output = portui(&["apply", &fixture("gpt"), "--accept-all", "--out", &out_dir]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("manual work: "),
        "the findings without a rewrite are counted: {stdout}"
    );
    let audit = stdout
        .lines()
        .find(|l| l.starts_with("audit: "))
        .unwrap_or_else(|| panic!("an audit line: {stdout}"));
    assert!(
        audit.contains("no leftovers") || audit.contains(&format!("portui audit {out_dir}")),
        "{audit}"
    );
}

/// The README's sample `demo` output ends with the totals line of the real run.
#[test]
fn the_readmes_demo_totals_match_the_real_output() {
    let parent = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["demo", "--dir"])
        .arg(parent.path())
        .output()
        .expect("portui runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let totals = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("5 files, "))
            .map(str::to_string)
    };
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README");
    assert_eq!(
        totals(&readme),
        totals(&stdout),
        "update the demo sample in README.md"
    );
}
