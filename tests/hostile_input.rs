//! Hostile input: a project full of files that are broken, huge, deep or not files at all.
//!
//! portui must never crash on what it finds in a project. For every hostile file it must
//! either analyse it or name it with a message that says what is wrong, and it must go on with
//! the rest of the project. These tests run the built binary (so aborts, stack overflows and
//! panics show up as what a user would see: a signal or exit 101) under a watchdog, so a hang
//! fails the test instead of the whole suite.
//!
//! Layout: every hostile case is one function that writes its file(s) into a project and says
//! what `check --format json` must report for it. Each case has its own test (the case next to
//! one good torch file), and the `whole_tree_*` tests put every case into one project.

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Generous: the slowest case (5 MB of torch code) takes seconds in a debug build.
const WATCHDOG: Duration = Duration::from_secs(120);

const GOOD: &str = "good.py";
const GOOD_SOURCE: &str = "import torch\nx = torch.fft.rfft(torch.ones(4))\n";

// ---------------------------------------------------------------------------------------------
// Running portui
// ---------------------------------------------------------------------------------------------

struct Run {
    what: String,
    status: Option<ExitStatus>,
    stdout: Vec<u8>,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn describe_status(&self) -> String {
        use std::os::unix::process::ExitStatusExt;
        match self.status {
            None => format!(
                "was killed by the watchdog after {:?} (hang?)",
                self.elapsed
            ),
            Some(status) => match (status.code(), status.signal()) {
                (Some(101), _) => "exited 101 (a Rust panic)".to_string(),
                (Some(code), _) => format!("exited {code}"),
                (None, Some(6)) => {
                    "was killed by SIGABRT (abort: a stack overflow or a panic while panicking)"
                        .to_string()
                }
                (None, Some(11)) => "was killed by SIGSEGV".to_string(),
                (None, Some(signal)) => format!("was killed by signal {signal}"),
                (None, None) => "ended with an unknown status".to_string(),
            },
        }
    }

    /// The process ended by itself, in time, with `expected`, and printed no panic.
    fn assert_exits(&self, expected: i32) {
        // The head holds the panic message and the top of the backtrace.
        let stderr_head: String = self.stderr.chars().take(3000).collect();
        assert!(
            self.status.is_some_and(|s| s.code() == Some(expected)),
            "`{}` {}; expected exit {expected}\n--- stderr (head) ---\n{stderr_head}",
            self.what,
            self.describe_status()
        );
        for crash in ["panicked", "overflowed its stack", "fatal runtime error"] {
            assert!(
                !self.stderr.contains(crash),
                "`{}` printed `{crash}` on stderr:\n{stderr_head}",
                self.what
            );
        }
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            let head: String = self.stdout_text().chars().take(500).collect();
            panic!(
                "`{}` did not print JSON ({e}); stdout starts:\n{head}",
                self.what
            )
        })
    }
}

/// Run the built portui with `args` under the watchdog, reading both pipes concurrently so a
/// large report cannot block the child.
fn portui(args: &[&std::ffi::OsStr]) -> Run {
    portui_with_env(args, &[])
}

fn portui_with_env(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> Run {
    let what = format!(
        "portui {}",
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        // A debug build on a loaded machine can pass the default 10 s per file on the largest
        // cases: here the watchdog is the limit, unless a test sets a budget of its own.
        .env("PORTUI_FILE_BUDGET_SECS", WATCHDOG.as_secs().to_string())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("portui starts");
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for portui") {
            break Some(status);
        }
        if start.elapsed() > WATCHDOG {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    Run {
        what,
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned(),
        elapsed,
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).ok();
        bytes
    })
}

fn check_json(project: &Path) -> Run {
    portui(&[
        "check".as_ref(),
        project.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
}

fn check_text(project: &Path) -> Run {
    portui(&["check".as_ref(), project.as_os_str()])
}

fn diff(project: &Path) -> Run {
    portui(&["diff".as_ref(), project.as_os_str()])
}

fn apply_all(project: &Path, out: &Path) -> Run {
    portui(&[
        "apply".as_ref(),
        project.as_os_str(),
        "--accept-all".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

// ---------------------------------------------------------------------------------------------
// Projects and what the report must say about each file
// ---------------------------------------------------------------------------------------------

/// What `check --format json` must say about one path of the project.
enum Outcome {
    /// Named in `parse_errors` (or `files[].error`) with a message that contains, for each
    /// group, one of its words (case-insensitive), and at `line` when given.
    Error {
        says: &'static [&'static [&'static str]],
        line: Option<usize>,
    },
    /// Analysed without error, with a finding on `line` when given (proof that the analysis
    /// reached past the hostile construct), else with at least `min_findings`.
    Analysed {
        min_findings: usize,
        finding_on_line: Option<usize>,
    },
    /// Nothing at or under this path is listed (a symlink loop that must not be followed).
    NotListed,
}

struct Expect {
    path: String,
    outcome: Outcome,
}

impl Expect {
    fn error(path: &str, says: &'static [&'static [&'static str]], line: Option<usize>) -> Self {
        Self {
            path: path.into(),
            outcome: Outcome::Error { says, line },
        }
    }

    fn analysed(path: &str, min_findings: usize, finding_on_line: Option<usize>) -> Self {
        Self {
            path: path.into(),
            outcome: Outcome::Analysed {
                min_findings,
                finding_on_line,
            },
        }
    }

    /// Whether apply must write this path into the output tree.
    fn written_by_apply(&self) -> Option<bool> {
        match self.outcome {
            Outcome::Error { .. } => Some(false),
            Outcome::Analysed { .. } => Some(true),
            Outcome::NotListed => None,
        }
    }
}

/// A hostile case: writes its file(s) under the project root and says what to expect.
type Case = fn(&Path) -> Vec<Expect>;

const CASES: &[(&str, Case)] = &[
    ("syntax error", syntax_error),
    ("latin-1 file", latin1),
    ("NUL bytes", nul_bytes),
    ("empty file", empty),
    ("5 MB file", five_megabytes),
    ("100k-term expression", long_expression),
    ("20k-call chain", long_call_chain),
    ("sum of 100k torch calls", torch_call_sum),
    ("20k .cuda() chain", cuda_chain),
    ("5,000 nested parentheses", nested_parentheses),
    ("5,000 nested lists", nested_lists),
    ("100 nested ifs", nested_ifs),
    ("directory symlink loop", directory_symlink_loop),
    ("file symlink loop", file_symlink_loop),
    ("unreadable file", unreadable),
];

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A temporary project holding `good.py` and the given cases.
fn project(cases: &[Case]) -> (tempfile::TempDir, PathBuf, Vec<Expect>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    std::fs::create_dir(&root).unwrap();
    write(&root, GOOD, GOOD_SOURCE);
    let mut expected = vec![Expect::analysed(GOOD, 3, Some(2))];
    for case in cases {
        expected.extend(case(&root));
    }
    (dir, root, expected)
}

fn syntax_error(root: &Path) -> Vec<Expect> {
    write(
        root,
        "syntax_error.py",
        "import torch\nx = torch.ones(1)\ndef broken(:\n    return x\n",
    );
    vec![Expect::error(
        "syntax_error.py",
        &[&["syntax error"]],
        Some(3),
    )]
}

fn latin1(root: &Path) -> Vec<Expect> {
    // "café" in latin-1: 0xE9 is not valid UTF-8.
    write(
        root,
        "latin1.py",
        b"import torch\n# caf\xe9\nx = torch.ones(1)\n",
    );
    vec![Expect::error("latin1.py", &[&["not utf-8", "utf-8"]], None)]
}

fn nul_bytes(root: &Path) -> Vec<Expect> {
    write(
        root,
        "nul_bytes.py",
        b"import torch\nx = torch.ones(1)\x00\n",
    );
    // CPython: "source code cannot contain null bytes". The message must name the byte in
    // words (a raw NUL is invisible in a terminal and truncates C strings).
    vec![Expect::error(
        "nul_bytes.py",
        &[&["nul", "\\0", "\\x00", "0x00", "u+0000"]],
        Some(2),
    )]
}

fn empty(root: &Path) -> Vec<Expect> {
    // An empty file is valid Python (think `__init__.py`): analysed, nothing to report.
    write(root, "empty.py", "");
    vec![Expect::analysed("empty.py", 0, None)]
}

fn five_megabytes(root: &Path) -> Vec<Expect> {
    let mut text = String::from("import torch\n");
    let mut lines = 1;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(&format!(
            "spectrum_{lines} = torch.fft.rfft(signal_{}, n=2048, dim=-1, norm=\"ortho\")  # one per line\n",
            lines % 97
        ));
        lines += 1;
    }
    write(root, "five_megabytes.py", &text);
    vec![Expect::analysed("five_megabytes.py", lines, Some(lines))]
}

/// `deep` followed by a torch use on the next line: a finding there proves the analysis
/// walked the whole construct and went on.
fn deep_file(root: &Path, rel: &str, deep: &str) -> Vec<Expect> {
    let text = format!("import torch\n{deep}\nafter = torch.zeros(1)\n");
    let last_line = text.lines().count();
    write(root, rel, text);
    vec![Expect::analysed(rel, 2, Some(last_line))]
}

fn long_expression_source() -> String {
    format!("x = {}", vec!["1"; 100_000].join(" + "))
}

fn long_call_chain_source() -> String {
    format!("y = torch.ones(3)\nz = y{}", ".abs()".repeat(20_000))
}

/// Every term is a finding: a cost per finding that grows with the findings on the line
/// (a quadratic hunk id, column or overlap check) makes this take minutes, not seconds.
const TORCH_CALL_TERMS: usize = 100_000;

fn torch_call_sum_source() -> String {
    format!(
        "x = {}",
        vec!["torch.ones(1)"; TORCH_CALL_TERMS].join(" + ")
    )
}

/// Every call is a finding whose range holds the calls before it.
const CUDA_CALLS: usize = 20_000;

fn cuda_chain_source() -> String {
    format!("x = torch.ones(1){}", ".cuda()".repeat(CUDA_CALLS))
}

fn nested_parentheses_source() -> String {
    format!(
        "x = {}torch.ones(1){}",
        "(".repeat(5_000),
        ")".repeat(5_000)
    )
}

fn nested_lists_source() -> String {
    format!(
        "x = {}torch.ones(1){}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    )
}

fn long_expression(root: &Path) -> Vec<Expect> {
    deep_file(root, "long_expression.py", &long_expression_source())
}

fn long_call_chain(root: &Path) -> Vec<Expect> {
    deep_file(root, "long_call_chain.py", &long_call_chain_source())
}

/// Every finding is reported: one per term, the import's and the one after.
fn torch_call_sum(root: &Path) -> Vec<Expect> {
    let mut expect = deep_file(root, "torch_call_sum.py", &torch_call_sum_source());
    expect[0] = Expect::analysed("torch_call_sum.py", TORCH_CALL_TERMS + 2, Some(3));
    expect
}

/// Every finding is reported: one per `.cuda()`, `torch.ones`, the import's and the one after.
fn cuda_chain(root: &Path) -> Vec<Expect> {
    let mut expect = deep_file(root, "cuda_chain.py", &cuda_chain_source());
    expect[0] = Expect::analysed("cuda_chain.py", CUDA_CALLS + 3, Some(3));
    expect
}

fn nested_parentheses(root: &Path) -> Vec<Expect> {
    deep_file(root, "nested_parentheses.py", &nested_parentheses_source())
}

fn nested_lists(root: &Path) -> Vec<Expect> {
    deep_file(root, "nested_lists.py", &nested_lists_source())
}

fn nested_ifs(root: &Path) -> Vec<Expect> {
    // 100 levels of indentation (CPython's tokenizer stops at 100; ruff's parser has no limit).
    let mut text = String::from("import torch\n");
    for depth in 0..100 {
        text.push_str(&format!("{}if flag_{depth}:\n", "    ".repeat(depth)));
    }
    text.push_str(&format!("{}deepest = torch.ones(1)\n", "    ".repeat(100)));
    let last_line = text.lines().count();
    write(root, "nested_ifs.py", text);
    vec![Expect::analysed("nested_ifs.py", 2, Some(last_line))]
}

fn directory_symlink_loop(root: &Path) -> Vec<Expect> {
    // pkg/loop -> .. : following it would walk project/pkg/loop/pkg/loop/... forever.
    write(root, "pkg/model.py", "import torch\nw = torch.ones(2)\n");
    std::os::unix::fs::symlink("..", root.join("pkg/loop")).unwrap();
    vec![
        Expect::analysed("pkg/model.py", 2, Some(2)),
        Expect {
            path: "pkg/loop".into(),
            outcome: Outcome::NotListed,
        },
    ]
}

fn file_symlink_loop(root: &Path) -> Vec<Expect> {
    // A `.py` symlink to itself: reading it fails with ELOOP.
    std::os::unix::fs::symlink("self_loop.py", root.join("self_loop.py")).unwrap();
    vec![Expect::error(
        "self_loop.py",
        &[&["cannot read"], &["symbolic links", "loop"]],
        None,
    )]
}

fn unreadable(root: &Path) -> Vec<Expect> {
    use std::os::unix::fs::PermissionsExt;
    let path = root.join("unreadable.py");
    std::fs::write(&path, "import torch\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_err() {
        return vec![Expect::error(
            "unreadable.py",
            &[&["cannot read"], &["permission denied"]],
            None,
        )];
    }
    // We can still read a mode-000 file, so we run as root (or with CAP_DAC_OVERRIDE), as the
    // tests do here and in CI: permissions cannot make a file unreadable. A dangling symlink
    // is a `.py` path that the walk lists and that still fails to read (ENOENT), which
    // exercises the same "cannot read" path in portui.
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("missing.py", root.join("broken.py")).unwrap();
    vec![Expect::error(
        "broken.py",
        &[&["cannot read"], &["no such file"]],
        None,
    )]
}

// ---------------------------------------------------------------------------------------------
// Checking a report against the expectations
// ---------------------------------------------------------------------------------------------

fn file_entry<'a>(report: &'a Value, path: &str) -> Option<&'a Value> {
    report["files"]
        .as_array()?
        .iter()
        .find(|f| f["path"] == path)
}

/// The error reported for `path`: (message, line) from `parse_errors`, else `files[].error`.
fn reported_error(report: &Value, path: &str) -> Option<(String, Option<u64>)> {
    let from_parse_errors = report["parse_errors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["path"] == path)
        .map(|e| {
            (
                e["message"].as_str().unwrap_or_default().to_string(),
                e["line"].as_u64(),
            )
        });
    from_parse_errors.or_else(|| {
        let message = file_entry(report, path)?["error"].as_str()?.to_string();
        Some((message, None))
    })
}

fn finding_lines(report: &Value, path: &str) -> Vec<u64> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["path"] == path)
        .filter_map(|f| f["line"].as_u64())
        .collect()
}

fn assert_outcome(report: &Value, expect: &Expect) {
    let path = expect.path.as_str();
    match &expect.outcome {
        Outcome::Error { says, line } => {
            let (message, reported_line) = reported_error(report, path)
                .unwrap_or_else(|| panic!("{path}: not in parse_errors nor files[].error"));
            assert!(
                !message
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{path}: the error message contains raw control characters: {message:?}"
            );
            let lower = message.to_lowercase();
            for group in *says {
                assert!(
                    group
                        .iter()
                        .any(|word| lower.contains(&word.to_lowercase())),
                    "{path}: the error message {message:?} should say one of {group:?}"
                );
            }
            if let Some(line) = line {
                assert_eq!(
                    reported_line,
                    Some(*line as u64),
                    "{path}: error line (message {message:?})"
                );
            }
        }
        Outcome::Analysed {
            min_findings,
            finding_on_line,
        } => {
            let entry = file_entry(report, path).unwrap_or_else(|| panic!("{path}: not in files"));
            assert!(
                entry["error"].is_null(),
                "{path}: expected it analysed, got error {}",
                entry["error"]
            );
            assert!(
                reported_error(report, path).is_none(),
                "{path}: listed in parse_errors"
            );
            let count = entry["findings"].as_u64().unwrap_or(0) as usize;
            assert!(
                count >= *min_findings,
                "{path}: {count} findings, expected at least {min_findings}"
            );
            if let Some(line) = finding_on_line {
                assert!(
                    finding_lines(report, path).contains(&(*line as u64)),
                    "{path}: no finding on line {line}: the analysis did not get past the hostile construct"
                );
            }
        }
        Outcome::NotListed => {
            let prefix = format!("{path}/");
            let listed: Vec<&str> = report["files"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["path"].as_str())
                .filter(|p| *p == path || p.starts_with(&prefix))
                .collect();
            assert!(
                listed.is_empty(),
                "{path}: followed (the walk listed {listed:?})"
            );
        }
    }
}

/// `check --format json` on a project of `good.py` and `cases`: exits 1 in time without a
/// crash and reports every path as expected.
fn assert_check_reports(cases: &[Case]) {
    let (_dir, root, expected) = project(cases);
    let run = check_json(&root);
    run.assert_exits(1);
    let report = run.json();
    for expect in &expected {
        assert_outcome(&report, expect);
    }
}

/// Files the output tree holds, relative to it.
fn tree_files(out: &Path) -> Vec<String> {
    fn walk(dir: &Path, out: &Path, files: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&path, out, files);
            } else {
                files.push(path.strip_prefix(out).unwrap().display().to_string());
            }
        }
    }
    let mut files = Vec::new();
    walk(out, out, &mut files);
    files.sort();
    files
}

fn all_cases() -> Vec<Case> {
    CASES.iter().map(|(_, case)| *case).collect()
}

// ---------------------------------------------------------------------------------------------
// One hostile file next to good.py: `check` reports it as expected
// ---------------------------------------------------------------------------------------------

#[test]
fn good_file_alone_is_analysed() {
    assert_check_reports(&[]);
}

#[test]
fn syntax_error_is_reported_with_its_line() {
    assert_check_reports(&[syntax_error]);
}

#[test]
fn latin1_file_is_reported_as_not_utf8() {
    assert_check_reports(&[latin1]);
}

#[test]
fn nul_bytes_are_reported_by_name_and_line() {
    assert_check_reports(&[nul_bytes]);
}

#[test]
fn empty_file_is_analysed_without_error() {
    assert_check_reports(&[empty]);
}

#[test]
fn five_megabyte_file_is_analysed() {
    assert_check_reports(&[five_megabytes]);
}

#[test]
fn hundred_thousand_term_expression_is_analysed() {
    assert_check_reports(&[long_expression]);
}

#[test]
fn twenty_thousand_call_chain_is_analysed() {
    assert_check_reports(&[long_call_chain]);
}

#[test]
fn sum_of_a_hundred_thousand_torch_calls_is_analysed_with_every_finding() {
    assert_check_reports(&[torch_call_sum]);
}

#[test]
fn twenty_thousand_cuda_calls_are_analysed_with_every_finding() {
    assert_check_reports(&[cuda_chain]);
}

/// The per-file budget: past it, a file is an error that says so, and the run goes on.
#[test]
fn a_file_over_the_time_budget_becomes_an_error_and_the_run_goes_on() {
    let (_dir, root, _) = project(&[torch_call_sum]);
    let args = [
        "check".as_ref(),
        root.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ];
    let run = portui_with_env(&args, &[("PORTUI_FILE_BUDGET_SECS", "0")]);
    run.assert_exits(1);
    let report = run.json();
    for path in [GOOD, "torch_call_sum.py"] {
        assert_outcome(
            &report,
            &Expect::error(
                path,
                &[
                    &["analysis stopped after 0 s"],
                    &["PORTUI_FILE_BUDGET_SECS"],
                ],
                None,
            ),
        );
    }
}

#[test]
fn five_thousand_nested_parentheses_are_analysed() {
    assert_check_reports(&[nested_parentheses]);
}

#[test]
fn five_thousand_nested_lists_are_analysed() {
    assert_check_reports(&[nested_lists]);
}

#[test]
fn hundred_nested_ifs_are_analysed() {
    assert_check_reports(&[nested_ifs]);
}

#[test]
fn directory_symlink_loop_is_not_followed() {
    assert_check_reports(&[directory_symlink_loop]);
}

#[test]
fn file_symlink_loop_is_reported_as_unreadable() {
    assert_check_reports(&[file_symlink_loop]);
}

#[test]
fn unreadable_file_is_reported() {
    assert_check_reports(&[unreadable]);
}

// ---------------------------------------------------------------------------------------------
// Every case in one project
// ---------------------------------------------------------------------------------------------

#[test]
fn whole_tree_check_json_reports_every_file() {
    assert_check_reports(&all_cases());
}

#[test]
fn whole_tree_check_text_names_every_bad_file() {
    let (_dir, root, expected) = project(&all_cases());
    let run = check_text(&root);
    run.assert_exits(1);
    let text = run.stdout_text();
    for expect in expected
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Error { .. }))
    {
        assert!(
            text.contains(&expect.path),
            "the text report does not name {}",
            expect.path
        );
    }
}

#[test]
fn whole_tree_diff_does_not_crash() {
    let (_dir, root, _) = project(&all_cases());
    diff(&root).assert_exits(0);
}

#[test]
fn whole_tree_apply_writes_good_files_and_no_bad_ones() {
    let (dir, root, expected) = project(&all_cases());
    let out = dir.path().join("out");
    // Exit 1: some files could not be ported (they are named, see the next test).
    apply_all(&root, &out).assert_exits(1);
    let written = tree_files(&out);
    for expect in &expected {
        match expect.written_by_apply() {
            Some(true) => assert!(
                written.contains(&expect.path),
                "{} was not written; tree: {written:?}",
                expect.path
            ),
            Some(false) => assert!(
                !written.contains(&expect.path),
                "{} (bad) was written",
                expect.path
            ),
            None => assert!(
                !written
                    .iter()
                    .any(|w| w.starts_with(&format!("{}/", expect.path))),
                "apply followed {}: {written:?}",
                expect.path
            ),
        }
    }
    // The good file is ported whole (torch.fft.rfft has been in the API table for a while).
    let ported = std::fs::read_to_string(out.join(GOOD)).unwrap();
    assert!(ported.contains("mx.fft.rfft(mx.ones(4))"), "{ported}");
}

#[test]
fn whole_tree_apply_names_every_file_it_did_not_write() {
    // A port tree that silently lacks a file is a broken port nobody was told about.
    let (dir, root, expected) = project(&all_cases());
    let out = dir.path().join("out");
    let run = apply_all(&root, &out);
    run.assert_exits(1);
    let stdout = run.stdout_text();
    for expect in expected
        .iter()
        .filter(|e| e.written_by_apply() == Some(false))
    {
        assert!(
            stdout.contains(&expect.path),
            "apply's output does not say that {} was not written:\n{stdout}",
            expect.path
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Deep code in a file that has a rewrite: diff and apply re-parse and walk the ported text
// ---------------------------------------------------------------------------------------------

/// A module whose `forward` is renamed (a safe rewrite, so `port` re-parses the file), then
/// `deep`. diff and apply must not crash, and must carry the rewrite.
fn assert_diff_and_apply_port(deep: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    let source = format!(
        "import torch\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x\n\n{deep}\n"
    );
    write(&root, "model.py", &source);
    let diff_run = diff(&root);
    diff_run.assert_exits(0);
    assert!(
        diff_run
            .stdout_text()
            .contains("+    def __call__(self, x):"),
        "the diff lacks the forward rewrite"
    );
    let out = dir.path().join("out");
    apply_all(&root, &out).assert_exits(0);
    let ported = std::fs::read_to_string(out.join("model.py")).expect("model.py written");
    assert!(
        ported.contains("def __call__(self, x):"),
        "the port lacks the forward rewrite"
    );
}

#[test]
fn diff_and_apply_port_a_file_with_a_hundred_thousand_term_expression() {
    assert_diff_and_apply_port(&long_expression_source());
}

#[test]
fn diff_and_apply_port_a_file_with_a_twenty_thousand_call_chain() {
    assert_diff_and_apply_port(&long_call_chain_source());
}

#[test]
fn diff_and_apply_port_a_file_with_a_sum_of_a_hundred_thousand_torch_calls() {
    assert_diff_and_apply_port(&torch_call_sum_source());
}

#[test]
fn diff_and_apply_port_a_file_with_twenty_thousand_cuda_calls() {
    assert_diff_and_apply_port(&cuda_chain_source());
}

#[test]
fn diff_and_apply_port_a_file_with_five_thousand_nested_parentheses() {
    assert_diff_and_apply_port(&nested_parentheses_source());
}

#[test]
fn diff_and_apply_port_a_file_with_five_thousand_nested_lists() {
    assert_diff_and_apply_port(&nested_lists_source());
}

#[test]
fn every_case_expects_something() {
    // Guards the list: each case writes something and expects something.
    for (name, case) in CASES {
        let dir = tempfile::tempdir().unwrap();
        assert!(!case(dir.path()).is_empty(), "case {name} expects nothing");
    }
}
