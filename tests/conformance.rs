//! Conformance: every case under `tests/conformance/<rule>/` is a torch snippet; its port
//! (every hunk accepted) must keep the design invariants, match a reviewed snapshot, and,
//! run under MLX with torch blocked, compute what torch computes (tests/py/conformance.py).
//! A case marked `# portui-expect: manual` must get a manual finding from its rule and no
//! rewrite from it.

mod common;

use portui::fix::Applicability;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

struct Case {
    rule: String,
    path: PathBuf,
}

fn cases() -> Vec<Case> {
    let root = common::repo().join("tests/conformance");
    let mut cases = Vec::new();
    for rule in std::fs::read_dir(&root)
        .expect("tests/conformance exists")
        .flatten()
    {
        if !rule.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(rule.path()).expect("readable").flatten() {
            // A case spread over files (a package's layers in one module, the model in
            // another): a directory whose `case.py` is the case, its siblings ported with it.
            if file.path().join(CASE_FILE).is_file()
                || file.path().extension().is_some_and(|e| e == "py")
            {
                cases.push(Case {
                    rule: rule.file_name().to_string_lossy().into_owned(),
                    path: file.path(),
                });
            }
        }
    }
    cases.sort_by(|a, b| a.path.cmp(&b.path));
    cases
}

const CASE_FILE: &str = "case.py";

fn snapshot_name(case: &Case) -> String {
    format!(
        "{}__{}",
        case.rule,
        case.path.file_stem().unwrap_or_default().to_string_lossy()
    )
}

/// Everything but the snapshot; returns the diff to snapshot.
fn check(case: &Case) -> Result<String, String> {
    let entry = if case.path.is_dir() {
        case.path.join(CASE_FILE)
    } else {
        case.path.clone()
    };
    let text = std::fs::read_to_string(&entry).map_err(|e| e.to_string())?;
    let manual = text.lines().any(|l| l.trim() == "# portui-expect: manual");
    let analysis = common::analyse(&case.path);
    let rel = entry
        .strip_prefix(&analysis.root)
        .map_err(|e| e.to_string())?;
    let file = analysis
        .files
        .iter()
        .find(|f| f.rel == rel)
        .ok_or("not analysed")?;
    let own: Vec<_> = file
        .findings
        .iter()
        .filter(|f| f.rule == case.rule)
        .collect();
    if own.is_empty() {
        return Err(format!("rule {} reported nothing", case.rule));
    }
    if manual {
        if own.iter().any(|f| f.applicability != Applicability::Manual) {
            return Err(format!("expected only manual findings from {}", case.rule));
        }
        return common::check_invariants(&analysis);
    }
    if own.iter().all(|f| f.edits.is_empty()) {
        return Err(format!("rule {} proposed no rewrite", case.rule));
    }
    let diff = common::check_invariants(&analysis)?;
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let report = portui::write::apply(
        &analysis,
        &portui::write::Selection::AcceptAll,
        &portui::write::Target::Tree(out.path().to_path_buf()),
    )?;
    if !report.refused.is_empty() {
        return Err(format!("not written: {:?}", report.refused));
    }
    let ported = out.path().join(rel);
    let script = common::repo().join("tests/py/conformance.py");
    let (ok, stdout, stderr) = common::run_python(&[
        script.as_os_str(),
        "--torch".as_ref(),
        entry.as_os_str(),
        "--mlx".as_ref(),
        ported.as_os_str(),
    ]);
    if !ok {
        let tail: String = stderr
            .lines()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        return Err(format!(
            "numbers differ or the port fails: {}\n{tail}",
            stdout.trim()
        ));
    }
    Ok(diff)
}

#[test]
fn every_case_ports_and_matches_torch() {
    let cases = cases();
    assert!(!cases.is_empty(), "no conformance cases");
    let results: Mutex<Vec<(usize, Result<String, String>)>> = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = {
                        let mut next = next.lock().expect("lock");
                        *next += 1;
                        *next - 1
                    };
                    let Some(case) = cases.get(index) else { break };
                    let result = check(case);
                    results.lock().expect("lock").push((index, result));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("lock");
    results.sort_by_key(|(i, _)| *i);
    let mut failures = Vec::new();
    for (index, result) in results {
        let case = &cases[index];
        match result {
            Ok(diff) => {
                let outcome = std::panic::catch_unwind(|| {
                    insta::with_settings!({snapshot_path => "snapshots/conformance", prepend_module_to_snapshot => false}, {
                        insta::assert_snapshot!(snapshot_name(case), diff);
                    });
                });
                if outcome.is_err() {
                    failures.push(format!(
                        "{}: snapshot differs (review with `cargo insta review`)",
                        display(&case.path)
                    ));
                }
            }
            Err(why) => failures.push(format!("{}: {why}", display(&case.path))),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

fn display(path: &Path) -> String {
    path.strip_prefix(common::repo())
        .unwrap_or(path)
        .display()
        .to_string()
}
