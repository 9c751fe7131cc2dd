//! Session speed and memory, measured (not asserted): `cargo bench --bench session`.
//!
//! 1. First frame on a 1,000-file project (target < 200 ms; analysis streams in after) and the
//!    time until every file is analysed.
//! 2. Save → updated proposal for a 2,000-line file (target < 50 ms): the real watcher sees the
//!    write, the file is re-analysed, the side-by-side view is rebuilt.
//! 3. Peak memory (VmHWM) with the 1,000-file project open and analysed.
//!
//! It runs the same `Runtime` and `view::draw` the terminal session runs, drawing into
//! ratatui's `TestBackend` (160×48) instead of a terminal.

use portui::tui::config::ColorDepth;
use portui::tui::keymap::Keymap;
use portui::tui::runtime::{Options, Runtime};
use portui::tui::theme::{self, Palette};
use portui::tui::view::{self, Context};
use ratatui::{Terminal, backend::TestBackend};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

const SOURCES: &[&str] = &[
    include_str!("../../fixtures/gpt/model.py"),
    include_str!("../../fixtures/gpt/train.py"),
    include_str!("../../fixtures/cnn/model.py"),
    include_str!("../../fixtures/cnn/train.py"),
    include_str!("../../fixtures/llama/model.py"),
];

fn open(path: &Path, store: &Path) -> Runtime {
    Runtime::open(
        path,
        Options {
            keymap: Keymap::default(),
            store: Some(store.to_path_buf()),
            output: Some(store.with_extension("out")),
            watch: true,
        },
    )
    .expect("the project opens")
}

fn draw(runtime: &mut Runtime, terminal: &mut Terminal<TestBackend>) {
    let theme = theme::load(theme::DEFAULT_THEME, None).expect("theme");
    let palette = Palette::of(&theme, ColorDepth::Truecolor);
    let context = Context {
        palette,
        highlighter: None,
    };
    terminal
        .draw(|frame| view::draw(frame, &mut runtime.app, &context))
        .expect("draws");
}

fn peak_rss_mb() -> f64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let temp = tempfile::tempdir().expect("temp dir");
    let store = temp.path().join("decisions.json");

    // 1,000 files in 50 packages, the fixtures' sources with a distinguishing comment.
    let big = temp.path().join("thousand");
    for n in 0..1000 {
        let dir = big.join(format!("pkg{:02}", n % 50));
        fs::create_dir_all(&dir).expect("mkdir");
        let source = SOURCES[n % SOURCES.len()];
        fs::write(
            dir.join(format!("m{n:04}.py")),
            format!("# file {n}\n{source}"),
        )
        .expect("write");
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("backend");
    let start = Instant::now();
    let mut runtime = open(&big, &store);
    draw(&mut runtime, &mut terminal);
    let first_frame = start.elapsed();
    while runtime.app.session.analysed() < runtime.app.session.files.len() {
        runtime.pump(Duration::from_millis(5));
    }
    draw(&mut runtime, &mut terminal);
    let all_analysed = start.elapsed();
    let memory = peak_rss_mb();
    drop(runtime);

    // One 2,000-line file; each save appends a line the proposal must then show.
    let single = temp.path().join("single");
    fs::create_dir_all(&single).expect("mkdir");
    let mut text = String::new();
    let mut copy = 0;
    while text.lines().count() < 2000 {
        text.push_str(&SOURCES[0].replace("class ", &format!("class V{copy}")));
        copy += 1;
    }
    let lines = text.lines().count();
    let file = single.join("big.py");
    fs::write(&file, &text).expect("write");
    let mut runtime = open(&single, &store);
    while runtime.app.session.analysed() < 1 {
        runtime.pump(Duration::from_millis(5));
    }
    runtime.app.refresh();
    draw(&mut runtime, &mut terminal);
    let mut saves = Vec::new();
    for round in 0..7 {
        let marker = format!("saved_{round} = 1");
        fs::write(&file, format!("{text}{marker}\n")).expect("write");
        let saved = Instant::now();
        while !runtime
            .app
            .proposal
            .as_ref()
            .is_some_and(|p| p.torch.contains(&marker))
        {
            runtime.pump(Duration::from_millis(1));
            assert!(saved.elapsed() < Duration::from_secs(10), "no update seen");
        }
        draw(&mut runtime, &mut terminal);
        saves.push(saved.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }

    // A 10,000-line file with a 100,000-character line: open, then frames while scrolling.
    drop(runtime);
    let huge = temp.path().join("huge");
    fs::create_dir_all(&huge).expect("mkdir");
    let mut long = String::new();
    while long.lines().count() < 10_000 {
        long.push_str(SOURCES[4]);
    }
    long.push_str(&format!("x = [{}]\n", "1, ".repeat(33_000)));
    fs::write(huge.join("huge.py"), &long).expect("write");
    let opened = Instant::now();
    let mut runtime = open(&huge, &store);
    while runtime.app.session.analysed() < 1 {
        runtime.pump(Duration::from_millis(1));
    }
    let huge_ready = opened.elapsed();
    let mut frames = Vec::new();
    let rows = runtime.app.proposal.as_ref().map_or(0, |p| p.rows.len());
    for step in 0..20 {
        runtime.app.scroll = rows * step / 20;
        let frame = Instant::now();
        draw(&mut runtime, &mut terminal);
        frames.push(frame.elapsed());
    }
    let huge_lines = long.lines().count();

    // Where the time goes: analysis, then the side-by-side view (port + re-parse + alignment).
    let analysed_at = Instant::now();
    let analysis = portui::analysis::analyse_text(Path::new("big.py"), text.clone());
    let analyse_time = analysed_at.elapsed();
    let built_at = Instant::now();
    let proposal = portui::tui::proposal::Proposal::build(&analysis, &Default::default());
    let proposal_time = built_at.elapsed();
    assert!(proposal.is_some_and(|p| p.error.is_none()));

    println!("session benchmark (release build, TestBackend 160x48)");
    println!(
        "  1,000 files: first frame {:.1} ms (target < 200 ms); all analysed {:.0} ms",
        first_frame.as_secs_f64() * 1e3,
        all_analysed.as_secs_f64() * 1e3
    );
    println!("  1,000 files: peak memory {memory:.0} MB");
    println!(
        "  {lines}-line file: save -> updated proposal, median of {} saves {:.1} ms (target < 50 ms; includes the watcher's 10 ms debounce)",
        saves.len(),
        median(saves).as_secs_f64() * 1e3
    );
    println!(
        "    of which analysis {:.1} ms, proposal (port, re-parse, alignment) {:.1} ms",
        analyse_time.as_secs_f64() * 1e3,
        proposal_time.as_secs_f64() * 1e3
    );
    println!(
        "  {huge_lines}-line file with a 100,000-character line: analysed and shown {:.0} ms; frame while scrolling, median {:.2} ms",
        huge_ready.as_secs_f64() * 1e3,
        median(frames).as_secs_f64() * 1e3
    );
}
