//! Bounded, seeded mutation fuzzing: real torch files (the fixtures and the conformance
//! snippets), mutated the ways an editor, a merge or a bad download mutates code, ported
//! with `apply --accept-all`. For every case:
//!
//! - portui does not panic (nor crash: the binary runs under a watchdog);
//! - the original is untouched, byte for byte;
//! - every port written parses;
//! - porting the port proposes no rewrite for the rules the first port applied
//!   (idempotence), except the rewrites in `MAY_REFIRE`.
//!
//! `PORTUI_FUZZ_CASES` sets the number of cases (default 2,000, about 20 s in a debug
//! build) and `PORTUI_FUZZ_SEED` the seed (default 15); a failure names the seed and case,
//! so `PORTUI_FUZZ_SEED=... PORTUI_FUZZ_CASES=...` reproduces it.

use portui::analysis::analyse_text;
use portui::parse::parse_module;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEFAULT_CASES: usize = 2000;
const DEFAULT_SEED: u64 = 15;
/// Cases ported by one run of the binary: one project per batch keeps the runs few.
const BATCH: usize = 50;
const WATCHDOG: Duration = Duration::from_secs(120);

/// Rewrites that may be proposed again on their own output: (rule, a fragment of the
/// finding's message). Each needs its reason here.
///
/// - A Tensor method on a receiver not known to be a tensor, in a port that still imports
///   torch (a mutation left a torch use the rules cannot port): some MLX spellings are
///   torch spellings too (`x.max(1)` is MLX's reduction and torch's `(values, indices)`), so
///   on such a receiver the rule cannot tell which one it reads.
const MAY_REFIRE: &[(&str, &str)] = &[("api", "receiver not known to be a tensor")];

/// Torch code a mutation may insert: the constructs the rules rewrite.
const SNIPPETS: &[&str] = &[
    "x = torch.ones(3).cuda()\n",
    "y = x.view(-1, 4).contiguous()\n",
    "with torch.no_grad():\n    z = model(x)\n",
    "loss.backward()\n",
    "optimizer.zero_grad()\n",
    "self.w = nn.Parameter(torch.zeros(4, 4))\n",
    "out = F.softmax(x, dim=-1).float()\n",
    "mask = x.masked_fill(m == 0, float('-inf'))\n",
    "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n",
    "t = torch.zeros(*shape, device=device, dtype=torch.int64)\n",
    "import torch.nn as nn\n",
    "def forward(self, x):\n    return x\n",
];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn seeds() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["fixtures", "tests/conformance"] {
        collect_python(&root.join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("seed files are UTF-8");
            (path.strip_prefix(root).unwrap().display().to_string(), text)
        })
        .collect()
}

fn collect_python(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_python(&path, files);
        } else if path.extension().is_some_and(|e| e == "py") {
            files.push(path);
        }
    }
}

/// One to three mutations of `text`, chosen by `rng`.
fn mutate(rng: &mut fastrand::Rng, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.usize(1..=3) {
        let mut lines: Vec<Vec<u8>> = bytes
            .split_inclusive(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect();
        match rng.usize(0..8) {
            0 => bytes.truncate(rng.usize(0..=bytes.len())),
            1 if !lines.is_empty() => {
                lines.remove(rng.usize(0..lines.len()));
                bytes = lines.concat();
            }
            2 if lines.len() > 1 => {
                let (a, b) = (rng.usize(0..lines.len()), rng.usize(0..lines.len()));
                lines.swap(a, b);
                bytes = lines.concat();
            }
            3 if !lines.is_empty() => {
                let i = rng.usize(0..lines.len());
                lines.insert(i, lines[i].clone());
                bytes = lines.concat();
            }
            4 if !bytes.is_empty() => {
                let i = rng.usize(0..bytes.len());
                bytes[i] ^= 1 << rng.u32(0..8);
            }
            5 => {
                let inserted = *rng.choice(b"()[]{}:,.=\"'#\\\t\r\n 0x_".iter()).unwrap();
                bytes.insert(rng.usize(0..=bytes.len()), inserted);
            }
            6 => {
                let at = line_start(&lines, rng.usize(0..=lines.len()));
                let snippet = rng.choice(SNIPPETS).unwrap();
                let indent = if rng.bool() { "    " } else { "" };
                let indented: String = snippet.lines().map(|l| format!("{indent}{l}\n")).collect();
                bytes.splice(at..at, indented.into_bytes());
            }
            _ if !lines.is_empty() => {
                let i = rng.usize(0..lines.len());
                let change: &[u8] = rng.choice([&b"    "[..], b"\t", b" "]).unwrap();
                if rng.bool() {
                    lines[i].splice(0..0, change.iter().copied());
                } else {
                    let strip = lines[i].iter().take_while(|b| **b == b' ').count().min(4);
                    lines[i].drain(..strip);
                }
                bytes = lines.concat();
            }
            _ => {}
        }
    }
    bytes
}

fn line_start(lines: &[Vec<u8>], line: usize) -> usize {
    lines[..line].iter().map(Vec::len).sum()
}

/// The findings with a rewrite in `text`, as (rule, message); none when it does not analyse.
fn rewrites(text: &str) -> Vec<(&'static str, String)> {
    let analysis = analyse_text(Path::new("case.py"), text.to_string());
    analysis
        .findings
        .into_iter()
        .filter(|f| !f.edits.is_empty())
        .map(|f| (f.rule, f.message))
        .collect()
}

fn may_refire(rule: &str, message: &str) -> bool {
    MAY_REFIRE
        .iter()
        .any(|(r, fragment)| *r == rule && message.contains(fragment))
}

fn apply_all(project: &Path, out: &Path) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portui"))
        .args(["apply", "--accept-all", "--out"])
        .arg(out)
        .arg(project)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("portui starts");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for portui") {
            break status;
        }
        assert!(start.elapsed() < WATCHDOG, "apply on {project:?} hung");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).ok();
    // 0: all ported; 1: files or leftovers named; anything else is a crash.
    assert!(
        matches!(status.code(), Some(0 | 1)) && !stderr.contains("panicked"),
        "apply on {project:?} ended with {status}:\n{stderr}"
    );
}

#[test]
fn mutated_torch_files_port_to_code_that_parses_and_ports_to_itself() {
    let cases = env_number("PORTUI_FUZZ_CASES", DEFAULT_CASES as u64) as usize;
    let seed = env_number("PORTUI_FUZZ_SEED", DEFAULT_SEED);
    let seeds = seeds();
    assert!(seeds.len() > 50, "the seed files were not found");
    let mut failures = Vec::new();
    for batch_start in (0..cases).step_by(BATCH) {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project");
        std::fs::create_dir(&project).unwrap();
        let batch: Vec<(String, String, Vec<u8>)> = (batch_start..cases.min(batch_start + BATCH))
            .map(|case| {
                let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(1_000_003) + case as u64);
                let (name, text) = rng.choice(&seeds).unwrap();
                let file = format!("case_{case}.py");
                let mutated = mutate(&mut rng, text);
                std::fs::write(project.join(&file), &mutated).unwrap();
                (
                    file,
                    format!("case {case} (seed {seed}, from {name})"),
                    mutated,
                )
            })
            .collect();
        let out = dir.path().join("out");
        apply_all(&project, &out);
        for (file, what, mutated) in &batch {
            if std::fs::read(project.join(file)).unwrap() != *mutated {
                failures.push(format!("{what}: the original was changed"));
            }
            let Ok(port) = std::fs::read_to_string(out.join(file)) else {
                continue;
            };
            if let Err(error) = parse_module(&port) {
                failures.push(format!(
                    "{what}: the port does not parse ({} at byte {})",
                    error.message, error.offset
                ));
                continue;
            }
            let original = String::from_utf8_lossy(mutated);
            let applied: BTreeSet<&str> = rewrites(&original)
                .into_iter()
                .map(|(rule, _)| rule)
                .collect();
            let again: Vec<String> = rewrites(&port)
                .into_iter()
                .filter(|(rule, message)| applied.contains(rule) && !may_refire(rule, message))
                .map(|(rule, message)| format!("{rule}: {message}"))
                .collect();
            if !again.is_empty() {
                failures.push(format!(
                    "{what}: the port of the port rewrites again with {again:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
