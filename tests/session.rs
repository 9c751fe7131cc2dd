//! The interactive session without a terminal: the same `Runtime` and update function the real
//! loop runs, drawn into ratatui's `TestBackend`, on real files with the real watcher.

use portui::decisions::Decision;
use portui::tui::app::{App, Pane};
use portui::tui::config::ColorDepth;
use portui::tui::keymap::Keymap;
use portui::tui::runtime::{Options, Runtime};
use portui::tui::theme::{self, Palette};
use portui::tui::view::{self, Context};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{Terminal, backend::TestBackend};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

const MODEL: &str = "\
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, n)

    def forward(self, x):
        y = self.fc(x).cuda()
        return torch.cat([x, y], dim=-1)
";

const BROKEN: &str = "def broken(:\n    pass\n";

struct Fixture {
    _dir: tempfile::TempDir,
    project: std::path::PathBuf,
    store: std::path::PathBuf,
    output: std::path::PathBuf,
}

fn fixture(with_bench: bool) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("proj");
    fs::create_dir_all(&project).unwrap();
    fs::write(project.join("model.py"), MODEL).unwrap();
    fs::write(project.join("broken.py"), BROKEN).unwrap();
    if with_bench {
        fs::write(
            project.join("portui.toml"),
            "[bench]\nfile = \"model.py\"\nmodel = \"Block(8)\"\ninputs = [{ shape = [2, 8] }]\n",
        )
        .unwrap();
    }
    Fixture {
        store: dir.path().join("decisions.json"),
        output: dir.path().join("proj_mlx"),
        project: project.canonicalize().unwrap(),
        _dir: dir,
    }
}

fn open(fixture: &Fixture, watch: bool) -> Runtime {
    let mut runtime = Runtime::open(
        &fixture.project,
        Options {
            keymap: Keymap::default(),
            store: Some(fixture.store.clone()),
            output: Some(fixture.output.clone()),
            watch,
        },
    )
    .expect("opens");
    wait_until(&mut runtime, |app| {
        app.session.analysed() == app.session.files.len()
    });
    runtime
}

fn wait_until(runtime: &mut Runtime, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(&runtime.app) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the session"
        );
        runtime.pump(Duration::from_millis(20));
    }
}

fn key(runtime: &mut Runtime, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        let effects = runtime.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        let left = runtime.perform(effects);
        assert!(left.is_empty(), "no editor in these tests: {left:?}");
    }
}

fn ctrl(runtime: &mut Runtime, c: char) {
    let effects = runtime
        .app
        .on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    runtime.perform(effects);
}

fn screen(runtime: &mut Runtime) -> String {
    let theme = theme::load(theme::DEFAULT_THEME, None).unwrap();
    let palette = Palette::of(&theme, ColorDepth::Truecolor);
    let mut terminal = Terminal::new(TestBackend::new(110, 32)).unwrap();
    let context = Context {
        palette,
        highlighter: None,
    };
    terminal
        .draw(|frame| view::draw(frame, &mut runtime.app, &context))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    buffer
        .content
        .chunks(width)
        .map(|row| {
            let line: String = row.iter().map(|cell| cell.symbol()).collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The header's state of the hunk under review, as written on screen.
fn shown_state(runtime: &mut Runtime) -> String {
    let screen = screen(runtime);
    let start = screen.find("] ").expect("a hunk header");
    let open = screen[..start].rfind('[').unwrap();
    screen[open + 1..start].to_string()
}

fn select_file(runtime: &mut Runtime, name: &str) {
    let index = runtime
        .app
        .session
        .files
        .iter()
        .position(|f| f.rel == Path::new(name))
        .unwrap();
    runtime.app.file = index;
    runtime.app.item = None;
    runtime.app.refresh();
}

#[test]
fn every_pane_and_hunk_state_is_drawn_as_text() {
    let fixture = fixture(false);
    let mut runtime = open(&fixture, false);
    // A file opens on its first undecided hunk, not on the torch import.
    select_file(&mut runtime, "model.py");
    assert_eq!(shown_state(&mut runtime), "pending");
    insta::assert_snapshot!("pending_code_focused", screen(&mut runtime));

    key(&mut runtime, " ");
    assert_eq!(shown_state(&mut runtime), "accepted");
    key(&mut runtime, " ");
    assert_eq!(shown_state(&mut runtime), "rejected");
    let rejected = screen(&mut runtime);
    assert!(
        rejected.contains("┏ ▶ Torch | MLX"),
        "code pane focused:\n{rejected}"
    );
    insta::assert_snapshot!("rejected", rejected);

    key(&mut runtime, "\t");
    assert_eq!(runtime.app.focus, Pane::Checklist);
    let checklist = screen(&mut runtime);
    assert!(checklist.contains("▶ Checklist"), "{checklist}");
    insta::assert_snapshot!("checklist_focused", checklist);

    key(&mut runtime, "\t\t");
    assert_eq!(runtime.app.focus, Pane::Files);
    select_file(&mut runtime, "broken.py");
    let broken = screen(&mut runtime);
    assert!(broken.contains("syntax error at 1:"), "{broken}");
    insta::assert_snapshot!("files_focused_parse_error", broken);
}

#[test]
fn the_torch_import_reads_as_what_writing_will_do() {
    let fixture = fixture(false);
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "model.py");
    key(&mut runtime, "kk");
    let header = screen(&mut runtime);
    assert!(
        header.contains("[on write] torch-import") && header.contains("writing replaces it"),
        "{header}"
    );
    assert!(
        !header.contains(" ! import torch"),
        "no manual mark:\n{header}"
    );
    // Rejecting the torch.cat rewrite keeps `import torch` alive, and the header says where.
    key(&mut runtime, "/torch.cat\nn/import torch\n");
    let kept = screen(&mut runtime);
    assert!(
        kept.contains("[kept] torch-import") && kept.contains("still used on line 12 (torch.cat)"),
        "{kept}"
    );
}

#[test]
fn popups_help_rule_documentation_and_search_prompt() {
    let fixture = fixture(true);
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "model.py");
    key(&mut runtime, "?");
    let help = screen(&mut runtime);
    assert!(help.contains("ctrl-r") && help.contains("accept every hunk of this rule"));
    insta::assert_snapshot!("help", help);
    key(&mut runtime, "\x1bi");
    let rule = runtime.app.current().unwrap().rule;
    let doc = screen(&mut runtime);
    let explained = portui::rules::documentation(rule).unwrap();
    let opening: String = explained.chars().take(40).collect();
    assert!(
        doc.contains(&opening),
        "the popup shows `explain`'s text:\n{doc}"
    );
    key(&mut runtime, "\x1b/cat");
    let prompt = screen(&mut runtime);
    assert!(prompt.lines().last().unwrap().starts_with("/cat█"));
    insta::assert_snapshot!("search_prompt_bench_configured", prompt);
}

#[test]
fn review_undo_redo_rule_accept_search_and_write() {
    let fixture = fixture(false);
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "model.py");
    let file = runtime.app.file;
    // Review: accept the first hunk, reject the next undecided one.
    let first = runtime.app.item.unwrap();
    key(&mut runtime, "y");
    key(&mut runtime, "J");
    let second = runtime.app.item.unwrap();
    key(&mut runtime, "n");
    assert_eq!(
        runtime.app.session.decision(file, first),
        Some(Decision::Accepted)
    );
    assert_eq!(
        runtime.app.session.decision(file, second),
        Some(Decision::Rejected)
    );
    // Undo both, redo one.
    key(&mut runtime, "uu");
    assert_eq!(runtime.app.session.decision(file, first), None);
    assert_eq!(runtime.app.session.decision(file, second), None);
    ctrl(&mut runtime, 'r');
    assert_eq!(
        runtime.app.session.decision(file, first),
        Some(Decision::Accepted)
    );
    // Search lands on the torch.cat hunk; accept every hunk of its rule.
    key(&mut runtime, "/torch.cat\n");
    let item = runtime.app.current().unwrap().clone();
    assert!(
        item.message.contains("cat") || item.rule.contains("cat") || item.rule == "tensor-ops",
        "{item:?}"
    );
    key(&mut runtime, "A");
    for (f, i) in runtime.app.session.hunks_of_rule(item.rule) {
        assert_eq!(runtime.app.session.decision(f, i), Some(Decision::Accepted));
    }
    // Decisions were saved on every change.
    let saved = portui::decisions::load_from(&fixture.store)
        .unwrap()
        .unwrap();
    assert!(saved.decided(Path::new("model.py")).count() >= 2);
    // Write: the accepted hunks, and only those, reach the output tree.
    key(&mut runtime, "w");
    let report = format!("{:?}", runtime.app.popup);
    assert!(report.contains("wrote 1 file(s)"), "{report}");
    assert!(
        report.contains("broken.py"),
        "the unparsable file is named: {report}"
    );
    let written = fs::read_to_string(fixture.output.join("model.py")).unwrap();
    assert!(written.contains("mx.concatenate"), "{written}");
    assert!(
        written.contains(".cuda()"),
        "the undecided device hunk stays: {written}"
    );
    key(&mut runtime, "\x1b");
    assert!(runtime.app.popup.is_none());
}

/// The decision of every hunk of the selected file, in order.
fn hunk_decisions(runtime: &Runtime) -> Vec<Option<Decision>> {
    let app = &runtime.app;
    (0..app.items().len())
        .filter(|&i| app.items()[i].hunk.is_some())
        .map(|i| app.session.decision(app.file, i))
        .collect()
}

#[test]
fn a_accepts_the_rest_of_the_file_as_one_undo_step() {
    let fixture = fixture(false);
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "model.py");
    // Reject the first hunk, skip to the third, reject it, and come back to the second.
    key(&mut runtime, "nJnK");
    let (accepted, rejected) = (Some(Decision::Accepted), Some(Decision::Rejected));
    assert_eq!(hunk_decisions(&runtime), [rejected, None, rejected, None]);
    key(&mut runtime, "a");
    // This hunk and every later undecided one; the earlier and the decided ones stand.
    assert_eq!(
        hunk_decisions(&runtime),
        [rejected, accepted, rejected, accepted]
    );
    key(&mut runtime, "u");
    assert_eq!(hunk_decisions(&runtime), [rejected, None, rejected, None]);
}

#[test]
fn capital_s_accepts_every_undecided_safe_hunk_as_one_undo_step() {
    let fixture = fixture(false);
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "model.py");
    key(&mut runtime, "n");
    let safe: Vec<(usize, usize)> = (0..runtime.app.items().len())
        .filter(|&i| {
            let item = &runtime.app.items()[i];
            item.hunk.is_some() && item.applicability == portui::fix::Applicability::Safe
        })
        .map(|i| (runtime.app.file, i))
        .collect();
    assert!(safe.len() >= 2, "the fixture has safe hunks");
    key(&mut runtime, "S");
    let app = &runtime.app;
    let first = safe[0];
    assert_eq!(
        app.session.decision(first.0, first.1),
        Some(Decision::Rejected),
        "a rejection stands"
    );
    for &(f, i) in &safe[1..] {
        assert_eq!(app.session.decision(f, i), Some(Decision::Accepted));
    }
    let review_left_alone = (0..app.items().len()).all(|i| {
        let item = &app.items()[i];
        item.hunk.is_none()
            || item.applicability == portui::fix::Applicability::Safe
            || app.session.decision(app.file, i).is_none()
    });
    assert!(review_left_alone, "only safe hunks are accepted");
    key(&mut runtime, "u");
    for &(f, i) in &safe[1..] {
        assert_eq!(runtime.app.session.decision(f, i), None);
    }
    assert_eq!(
        runtime.app.session.decision(first.0, first.1),
        Some(Decision::Rejected)
    );
}

#[test]
fn quit_works_behind_a_popup_and_cancels_a_question() {
    let fixture = fixture(true);
    let mut runtime = open(&fixture, false);
    // A yes/no question is open: `q` cancels it and the session stays.
    key(&mut runtime, "b");
    assert_eq!(
        runtime.app.popup,
        Some(portui::tui::app::Popup::ConfirmBench)
    );
    key(&mut runtime, "q");
    assert_eq!(runtime.app.popup, None);
    assert!(!runtime.app.quit);
    // The write report (here an error: broken.py cannot be ported) does not hold `q` back.
    key(&mut runtime, "w");
    assert!(runtime.app.popup.is_some());
    key(&mut runtime, "q");
    assert!(runtime.app.quit);
}

#[test]
fn a_clean_write_reports_in_the_status_line() {
    let fixture = fixture(false);
    fs::remove_file(fixture.project.join("broken.py")).unwrap();
    let mut runtime = open(&fixture, false);
    key(&mut runtime, "yw");
    assert_eq!(runtime.app.popup, None);
    let screen = screen(&mut runtime);
    assert!(
        screen.contains("wrote 1 file(s) with 1 accepted hunk(s)") && screen.contains("audit:"),
        "{screen}"
    );
}

#[test]
fn decisions_and_position_survive_a_restart() {
    let fixture = fixture(false);
    let (decided, position) = {
        let mut runtime = open(&fixture, false);
        select_file(&mut runtime, "model.py");
        key(&mut runtime, "yJ");
        let decided = runtime
            .app
            .session
            .decision(runtime.app.file, runtime.app.item.unwrap() - 1);
        let position = runtime.app.current().unwrap().hunk;
        key(&mut runtime, "q");
        assert!(runtime.app.quit);
        (decided, position)
    };
    let mut runtime = open(&fixture, false);
    assert_eq!(
        runtime.app.session.files[runtime.app.file].rel,
        Path::new("model.py")
    );
    assert_eq!(runtime.app.current().unwrap().hunk, position);
    let (done, _) = runtime.app.session.progress(runtime.app.file);
    assert_eq!(done, 1);
    assert!(decided.is_some() || runtime.app.session.decisions.files.len() == 1);
    assert!(screen(&mut runtime).contains("1/"));
}

#[test]
fn a_saved_file_is_re_analysed_and_surviving_decisions_are_kept() {
    let fixture = fixture(false);
    let mut runtime = open(&fixture, true);
    select_file(&mut runtime, "model.py");
    key(&mut runtime, "y");
    let accepted = runtime
        .app
        .session
        .decisions
        .decided(Path::new("model.py"))
        .count();
    assert_eq!(accepted, 1);
    // An ordinary save: a new torch use at the end; the existing hunks are untouched.
    let path = fixture.project.join("model.py");
    fs::write(
        &path,
        format!("{MODEL}\n\ndef ones():\n    return torch.ones(2, 3)\n"),
    )
    .unwrap();
    wait_until(&mut runtime, |app| {
        app.proposal
            .as_ref()
            .is_some_and(|p| p.mlx.contains("mx.ones((2, 3))"))
    });
    let (decided, _) = runtime.app.session.progress(runtime.app.file);
    assert_eq!(decided, 1, "the accepted hunk survived the save");
    // An editor's atomic save: write a temporary file, rename it over the original.
    let temp = fixture.project.join(".model.py.swp");
    fs::write(&temp, MODEL.replace("self.fc(x).cuda()", "self.fc(x)")).unwrap();
    fs::rename(&temp, &path).unwrap();
    wait_until(&mut runtime, |app| {
        app.proposal
            .as_ref()
            .is_some_and(|p| !p.torch.contains(".cuda()"))
    });
    assert!(!screen(&mut runtime).contains("changed on disk"));
    // A new file appears, a deleted one disappears.
    fs::write(
        fixture.project.join("extra.py"),
        "import torch\nx = torch.zeros(3)\n",
    )
    .unwrap();
    wait_until(&mut runtime, |app| {
        app.session.index_of(Path::new("extra.py")).is_some()
    });
    fs::remove_file(fixture.project.join("extra.py")).unwrap();
    wait_until(&mut runtime, |app| {
        app.session.index_of(Path::new("extra.py")).is_none()
    });
}

#[test]
fn the_mouse_wheel_scrolls_the_code_pane() {
    use ratatui::crossterm::event::{MouseEvent, MouseEventKind};
    let fixture = fixture(false);
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "model.py");
    screen(&mut runtime); // lays the panes out
    let code = runtime.app.areas.code;
    runtime.app.scroll = 0;
    runtime.app.on_mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: code.x + 5,
        row: code.y + 5,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(runtime.app.scroll, 3);
    assert!(
        screen(&mut runtime).contains("┃ 4 "),
        "line 4 is now the first row"
    );
}

#[test]
fn enter_on_a_checklist_item_jumps_to_its_next_open_location() {
    let fixture = fixture(false);
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "model.py");
    key(&mut runtime, "\t");
    assert_eq!(runtime.app.focus, Pane::Checklist);
    // The second item: device calls removed; model.py has one (`.cuda()`).
    key(&mut runtime, "j\n");
    let item = runtime.app.current().unwrap();
    assert_eq!(item.checklist, portui::checklist::ITEMS[1].id);
    assert!(screen(&mut runtime).contains("open location of"));
}

fn bench_result(median: f64, parity: &str) -> Box<portui::bench::event::BenchResult> {
    let value = serde_json::json!({
        "mlx": {"version": "0.32.4", "device": "cpu", "device_info": null,
                "platform": "Linux x86_64", "package": "mlx[cpu]", "python": "3.11.9"},
        "latency_ms": {"median": median, "p10": median * 0.9, "p90": median * 1.2,
                       "samples": [median, median * 1.1, median * 0.9, median * 1.2, median]},
        "timed_wall_s": 0.07, "peak_memory_bytes": 3_500_000u64, "warmup": 2, "iters": 5,
        "batch": 2, "throughput": 2000.0 / median,
        "torch": {"version": "2.15.0", "device": "cpu",
                  "latency_ms": {"median": 9.5, "p10": 9.0, "p90": 11.0, "samples": []},
                  "timing_error": null},
        "speedup": {"ratio": 9.5 / median, "p10": 9.0 / median, "p90": 11.0 / median,
                    "rounds": 5, "threads": 1},
        "parity": {"status": parity, "reason": null, "tolerance": 1e-4,
                   "outputs": [{"index": 0, "max_abs": if parity == "held" { 1.8e-7 } else { 0.25 },
                                "max_rel": 1e-6, "at": [0, 3], "torch_value": 0.5,
                                "mlx_value": 0.75, "problem": null}],
                   "unmatched_torch": [], "unmatched_mlx": [], "shape_mismatches": []}
    });
    Box::new(serde_json::from_value(value).expect("a result the harness could send"))
}

#[test]
fn benchmark_pane_states_running_finished_failed() {
    use portui::bench::event::{BenchFailure, FailureKind, Progress};
    use portui::tui::bench::{BenchPane, BenchStatus};
    let fixture = fixture(true);
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "model.py");
    runtime.app.focus = Pane::Bench;
    runtime.app.bench = BenchPane::with_status(BenchStatus::Running {
        model: "Block(8)".into(),
        progress: Some(Progress {
            phase: "timed".into(),
            done: 3,
            total: 10,
        }),
    });
    let running = screen(&mut runtime);
    assert!(
        running.contains("timed 3/10") && running.contains("b cancels"),
        "{running}"
    );
    insta::assert_snapshot!("bench_running", running);

    let mut finished = BenchPane::with_status(BenchStatus::Finished(bench_result(6.5, "held")));
    finished.previous = Some(bench_result(7.0, "held"));
    runtime.app.bench = finished;
    let done = screen(&mut runtime);
    assert!(
        done.contains("parity held · max abs 1.8e-7") && done.contains("MLX 0.32.4 on cpu"),
        "{done}"
    );
    assert!(
        done.contains("(-7.1%)"),
        "the change since the previous run: {done}"
    );
    insta::assert_snapshot!("bench_finished", done);

    runtime.app.bench = BenchPane::with_status(BenchStatus::Finished(bench_result(6.5, "failed")));
    assert!(screen(&mut runtime).contains("parity FAILED · max abs 2.5e-1"));

    let mut failure = BenchFailure::new(
        FailureKind::Run,
        "RuntimeError: shapes (2,8) and (16,8) cannot be multiplied",
        "fix the port and press b again",
    );
    failure.frames = vec![
        serde_json::from_value(serde_json::json!({
            "file": "model.py", "line": 12, "function": "__call__",
            "text": "return mx.concatenate([x, y], axis=-1)",
            "original": {"file": "model.py", "line": 12,
                         "text": "return torch.cat([x, y], dim=-1)", "change": "rewritten"}
        }))
        .unwrap(),
    ];
    runtime.app.bench = BenchPane::with_status(BenchStatus::Failed {
        failure: Box::new(failure),
        origin: Some((Path::new("model.py").to_path_buf(), 12)),
    });
    let failed = screen(&mut runtime);
    assert!(failed.contains("failed (forward pass)"), "{failed}");
    assert!(failed.contains("written by the api"), "{failed}");
    insta::assert_snapshot!("bench_failed", failed);
    // Enter in the pane goes to the hunk that wrote the failing line.
    key(&mut runtime, "\n");
    assert_eq!(runtime.app.focus, Pane::Code);
    assert!(runtime.app.current().unwrap().lines.contains(&11));
}

#[test]
fn the_bench_key_writes_the_port_runs_it_and_shows_parity() {
    let fixture = fixture(false);
    // The GPT fixture with its [bench], run by the test venv's Python.
    for name in ["model.py", "portui.toml"] {
        let text = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/gpt")
                .join(name),
        )
        .unwrap();
        fs::write(fixture.project.join(name), text).unwrap();
    }
    fs::remove_file(fixture.project.join("broken.py")).unwrap();
    let python = std::env::var("PORTUI_TEST_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/.cache/portui-tests/venv/bin/python",
            std::env::var("HOME").unwrap()
        )
    });
    let config = fs::read_to_string(fixture.project.join("portui.toml")).unwrap();
    fs::write(
        fixture.project.join("portui.toml"),
        config.replace("[bench]\n", &format!("[bench]\npython = {python:?}\n")),
    )
    .unwrap();
    let mut runtime = open(&fixture, false);
    // Accept everything (the rules' own A key), then b, then y: write and run.
    let rules: std::collections::BTreeSet<&str> = runtime
        .app
        .session
        .files
        .iter()
        .flat_map(|f| f.items.iter().filter(|i| i.hunk.is_some()).map(|i| i.rule))
        .collect();
    for rule in rules {
        let targets = runtime.app.session.hunks_of_rule(rule);
        runtime
            .app
            .session
            .decide(&targets, Some(Decision::Accepted));
    }
    key(&mut runtime, "b");
    assert!(screen(&mut runtime).contains("first, then run the port?"));
    key(&mut runtime, "y");
    assert!(fixture.output.join("model.py").is_file(), "written first");
    assert!(runtime.app.bench.is_running());
    let deadline = Instant::now() + Duration::from_secs(600);
    while runtime.app.bench.is_running() {
        assert!(Instant::now() < deadline, "the benchmark did not finish");
        runtime.pump(Duration::from_millis(50));
    }
    let shown = screen(&mut runtime);
    assert!(shown.contains("parity held"), "{shown}");
    assert!(shown.contains("on cpu"), "the device is named: {shown}");
}

/// A notebook in the session: both panes show where each code cell starts, and `w` writes
/// it back as a notebook with the accepted hunks in its cells.
#[test]
fn a_notebook_shows_its_cells_in_both_panes_and_writes_back() {
    let fixture = fixture(false);
    let notebook = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notebook/classifier.ipynb");
    fs::copy(notebook, fixture.project.join("classifier.ipynb")).unwrap();
    let mut runtime = open(&fixture, false);
    select_file(&mut runtime, "classifier.ipynb");
    let screen = screen(&mut runtime);
    assert!(
        screen
            .lines()
            .any(|row| row.matches("# ── cell 3 ──").count() == 2),
        "{screen}"
    );
    key(&mut runtime, "Jy");
    key(&mut runtime, "w");
    let written: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(fixture.output.join("classifier.ipynb")).unwrap())
            .expect("a notebook is written");
    assert_eq!(written["cells"].as_array().map(Vec::len), Some(6));
}
