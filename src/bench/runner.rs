//! Running the harness without blocking the caller. `Runner::spawn` starts it; a background
//! thread turns its JSON lines into `BenchEvent`s on a channel the UI polls each frame with
//! `try_recv`; `cancel` (or dropping the runner) kills it.
//!
//! The harness gets a stdin pipe nobody writes to: when portui goes away, however abruptly,
//! the pipe closes and the harness and its phases stop (see `exit_when_parent_goes` in
//! harness.py). That is also how `cancel` reaches the phase a kill of the harness alone would
//! orphan.

use super::config::{self, BenchConfig};
use super::event::{BenchEvent, BenchFailure, BenchResult, Exit, FailureKind, Progress};
use super::python::{self, Interpreter};
use super::trace;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

const HARNESS: &str = include_str!("harness.py");
/// How much of the harness's stderr a failure keeps (the end is what explains a crash).
const LOG_TAIL_BYTES: usize = 16 * 1024;
/// How long the last events wait for the rest of stderr once the harness has exited.
const STDERR_GRACE: std::time::Duration = std::time::Duration::from_secs(2);
/// Inputs are drawn from this seed, so two runs compare like with like.
const SEED: u64 = 0;

/// Everything a run needs, checked before anything starts.
#[derive(Debug, Clone)]
pub struct BenchRequest {
    /// The torch original (where `portui.toml` is).
    pub project_root: PathBuf,
    /// The apply output tree the port is imported from.
    pub output_root: PathBuf,
    pub config: BenchConfig,
    pub python: Interpreter,
}

impl BenchRequest {
    /// Read `[bench]` from the project at `project` (a directory or one `.py` file), check that
    /// the port exists in `output` (default: the sibling `<name>_mlx` that `apply` writes) and
    /// choose the interpreter (`python` is the `--python` override).
    pub fn prepare(
        project: &Path,
        output: Option<&Path>,
        python: Option<&Path>,
    ) -> Result<Self, Box<BenchFailure>> {
        let project_root = if project.is_file() {
            project.parent().unwrap_or(Path::new(".")).to_path_buf()
        } else {
            project.to_path_buf()
        };
        let project_root = std::path::absolute(&project_root).unwrap_or(project_root);
        let config = config::load(&project_root).map_err(|e| {
            failure(
                FailureKind::Config,
                e.to_string(),
                "fix portui.toml ([bench]: file, model, inputs, warmup, iters, tolerance, python)",
            )
        })?;
        let output_root = output.map_or_else(
            || crate::project::default_output(project),
            Path::to_path_buf,
        );
        let output_root = std::path::absolute(&output_root).unwrap_or(output_root);
        let ported = output_root.join(&config.file);
        if !ported.is_file() {
            return Err(failure(
                FailureKind::MissingOutput,
                format!("no port at {}", ported.display()),
                format!(
                    "write the port first: `portui apply {} --accept-all{}`, or write it from the session",
                    project.display(),
                    output.map_or(String::new(), |out| format!(" --out {}", out.display()))
                ),
            ));
        }
        let python = python::resolve(python, config.python.as_deref(), &project_root);
        Ok(Self {
            project_root,
            output_root,
            config,
            python,
        })
    }

    /// The request as the harness reads it.
    fn harness_json(&self, work_dir: &Path) -> String {
        let inputs: Vec<serde_json::Value> = self
            .config
            .inputs
            .iter()
            .map(|i| {
                serde_json::json!({"shape": i.shape, "dtype": i.dtype.name(), "low": i.low, "high": i.high})
            })
            .collect();
        serde_json::json!({
            "torch_dir": self.project_root,
            "mlx_dir": self.output_root,
            "file": self.config.file,
            "model": self.config.model,
            "inputs": inputs,
            "warmup": self.config.warmup,
            "iters": self.config.iters,
            "tolerance": self.config.tolerance,
            "seed": SEED,
            "work_dir": work_dir,
            "lifeline": true,
        })
        .to_string()
    }
}

/// A running (or finished) benchmark.
pub struct Runner {
    events: Receiver<BenchEvent>,
    child: Arc<Mutex<Option<Child>>>,
    cancelled: Arc<AtomicBool>,
}

impl Runner {
    /// Start the harness. Never blocks and never fails: a harness that cannot start is
    /// reported as an `Error` event (then `Exited`) like any other failure.
    pub fn spawn(request: &BenchRequest) -> Runner {
        let (sender, events) = channel();
        let child = Arc::new(Mutex::new(None));
        let cancelled = Arc::new(AtomicBool::new(false));
        match start(request) {
            Ok((process, work_dir)) => {
                *child.lock().expect("not poisoned") = Some(process);
                let (child, cancelled, request) =
                    (child.clone(), cancelled.clone(), request.clone());
                std::thread::Builder::new()
                    .name("portui-bench".into())
                    .spawn(move || {
                        read_events(&request, &work_dir, &child, &cancelled, &sender);
                    })
                    .expect("the benchmark reader thread starts");
            }
            Err(failure) => {
                let _ = sender.send(BenchEvent::Error(failure));
                let _ = sender.send(BenchEvent::Exited(Exit {
                    status: None,
                    cancelled: false,
                }));
            }
        }
        Runner {
            events,
            child,
            cancelled,
        }
    }

    /// The next event if one is ready (the UI calls this each frame). `None` also after the
    /// run is over and every event was taken.
    pub fn try_recv(&self) -> Option<BenchEvent> {
        self.events.try_recv().ok()
    }

    /// The next event, waiting for it (headless use); `None` once the run is over.
    pub fn recv(&self) -> Option<BenchEvent> {
        self.events.recv().ok()
    }

    /// Stop the run: the harness is killed, its phase follows (its lifeline closes). The
    /// events end with `Exited { cancelled: true }` and no result.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if let Some(child) = self.child.lock().expect("not poisoned").as_mut() {
            let _ = child.kill();
        }
    }
}

impl Drop for Runner {
    /// A runner nobody listens to must not keep a model running.
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Write the harness to a fresh work directory and start it there.
fn start(request: &BenchRequest) -> Result<(Child, PathBuf), Box<BenchFailure>> {
    let work_dir = fresh_work_dir().map_err(|e| {
        failure(
            FailureKind::Crashed,
            format!("cannot create a temporary directory: {e}"),
            "check that the temporary directory ($TMPDIR) is writable",
        )
    })?;
    let script = work_dir.join("portui_bench_harness.py");
    let (loader_name, loader) = super::PROJECT_MODULE_LOADER;
    let written = std::fs::write(work_dir.join(loader_name), loader)
        .and_then(|()| std::fs::write(&script, HARNESS));
    written.map_err(|e| {
        failure(
            FailureKind::Crashed,
            format!("cannot write the harness into {}: {e}", work_dir.display()),
            "check that the temporary directory ($TMPDIR) is writable",
        )
    })?;
    let python = &request.python;
    Command::new(&python.program)
        .arg(&script)
        .arg(request.harness_json(&work_dir))
        .current_dir(&request.project_root)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map(|child| (child, work_dir.clone()))
        .map_err(|error| {
            let _ = std::fs::remove_dir_all(&work_dir);
            let what = format!("{} (from {})", python.program.display(), python.source);
            if error.kind() == std::io::ErrorKind::NotFound {
                failure(
                    FailureKind::NoPython,
                    format!("no Python found: {what} does not exist"),
                    "install Python 3 and run `portui bench --setup` (a managed venv with mlx), or pass --python PATH",
                )
            } else {
                failure(
                    FailureKind::NoPython,
                    format!("cannot start {what}: {error}"),
                    "pass --python with a working Python 3 interpreter",
                )
            }
        })
}

fn fresh_work_dir() -> std::io::Result<PathBuf> {
    use std::sync::atomic::AtomicUsize;
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "portui-bench-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?; // a leftover from a crashed portui with a recycled pid
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The reader thread: progress goes out as it comes; the final event waits for the exit so it
/// can carry the stderr tail and, for a harness that died silently, become a crash report.
/// The work directory (harness, torch's arrays) is removed once the harness is gone.
fn read_events(
    request: &BenchRequest,
    work_dir: &Path,
    child: &Mutex<Option<Child>>,
    cancelled: &AtomicBool,
    sender: &Sender<BenchEvent>,
) {
    let (stdout, mut stderr) = {
        let mut guard = child.lock().expect("not poisoned");
        let process = guard.as_mut().expect("started");
        (process.stdout.take(), process.stderr.take())
    };
    // stderr is drained on its own thread: a model that prints a lot must not fill the pipe
    // and stall the harness while we wait on stdout. Only its tail is kept.
    let log = Arc::new(Mutex::new(Vec::new()));
    let (drained, stderr_done) = channel();
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Some(n) = stderr.as_mut().and_then(|e| e.read(&mut chunk).ok()) {
            if n == 0 {
                break;
            }
            let mut log = sink.lock().expect("not poisoned");
            log.extend_from_slice(&chunk[..n]);
            let excess = log.len().saturating_sub(LOG_TAIL_BYTES);
            log.drain(..excess);
        }
        let _ = drained.send(());
    });
    let mut last = None;
    for line in stdout
        .map(BufReader::new)
        .into_iter()
        .flat_map(BufRead::lines)
    {
        let Ok(line) = line else { break };
        match parse_event(&line, request) {
            Some(BenchEvent::Progress(progress)) => {
                let _ = sender.send(BenchEvent::Progress(progress));
            }
            Some(event) => last = Some(event),
            None => {} // not ours (cannot happen: the phases point fd 1 at stderr)
        }
    }
    let status = wait(child);
    // A phase that outlives the harness would hold stderr open; its lifeline ends it within
    // moments, and if not, that must not hold the run's last events back.
    let _ = stderr_done.recv_timeout(STDERR_GRACE);
    let log = String::from_utf8_lossy(&log.lock().expect("not poisoned")).into_owned();
    let was_cancelled = cancelled.load(Ordering::SeqCst);
    let last = match last {
        Some(BenchEvent::Error(mut failure)) => {
            failure.log = log;
            Some(BenchEvent::Error(failure))
        }
        Some(event) => Some(event),
        None if was_cancelled => None,
        None => Some(BenchEvent::Error(Box::new(BenchFailure {
            log,
            ..BenchFailure::new(
                FailureKind::Crashed,
                format!(
                    "the harness exited ({}) without a result",
                    status.map_or("killed by a signal".into(), |c| format!("status {c}"))
                ),
                format!(
                    "check that {} is Python 3.9+ (the log below may say more)",
                    request.python.program.display()
                ),
            )
        }))),
    };
    // Before the last events: a headless caller exits as soon as it has them.
    let _ = std::fs::remove_dir_all(work_dir);
    if let Some(event) = last {
        let _ = sender.send(event);
    }
    let _ = sender.send(BenchEvent::Exited(Exit {
        status,
        cancelled: was_cancelled,
    }));
}

fn wait(child: &Mutex<Option<Child>>) -> Option<i32> {
    // Poll rather than block in wait() with the lock held, so `cancel` can still take it.
    loop {
        let mut guard = child.lock().expect("not poisoned");
        let process = guard.as_mut().expect("started");
        match process.try_wait() {
            Ok(Some(status)) => return status.code(),
            Ok(None) => {}
            Err(_) => return None,
        }
        drop(guard);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// One line of the harness's stdout as an event; error frames in the output tree are mapped
/// back to the original's lines.
fn parse_event(line: &str, request: &BenchRequest) -> Option<BenchEvent> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    match value.get("event")?.as_str()? {
        "progress" => serde_json::from_value::<Progress>(value)
            .ok()
            .map(BenchEvent::Progress),
        "result" => Some(match serde_json::from_value::<BenchResult>(value.clone()) {
            Ok(result) => BenchEvent::Result(Box::new(result)),
            Err(error) => unreadable(&value, &error),
        }),
        "error" => Some(
            match serde_json::from_value::<BenchFailure>(value.clone()) {
                Ok(mut failure) => {
                    for frame in &mut failure.frames {
                        frame.original = trace::original_line(
                            &request.project_root,
                            &request.output_root,
                            &frame.file,
                            frame.line,
                        );
                    }
                    if let Some(hint) = super::torch_uses::hint(&failure, request) {
                        failure.hint = Some(hint);
                    }
                    BenchEvent::Error(Box::new(failure))
                }
                Err(error) => unreadable(&value, &error),
            },
        ),
        _ => None,
    }
}

fn failure(
    kind: FailureKind,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> Box<BenchFailure> {
    Box::new(BenchFailure::new(kind, message, hint))
}

/// A harness message that does not fit the types: a portui bug, reported rather than dropped.
fn unreadable(value: &serde_json::Value, error: &serde_json::Error) -> BenchEvent {
    BenchEvent::Error(Box::new(BenchFailure::new(
        FailureKind::Crashed,
        format!("portui cannot read the harness's report ({error}): {value}"),
        "this is a bug in portui; please report it with this message",
    )))
}
