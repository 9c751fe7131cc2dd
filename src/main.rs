use clap::{Parser, Subcommand, ValueEnum};
use portui::analysis::{ProjectAnalysis, analyse_path_into};
use portui::write::{Selection, Target};
use portui::{decisions, report, rules, write};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Analysis allocates many small AST nodes on several threads; mimalloc measured ~15% faster
/// than glibc's allocator on the transformers benchmark (tests/bench/speed.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` through `emit`.
macro_rules! outln {
    ($($arg:tt)*) => {
        emit(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Print to stdout; a closed pipe (`portui check . | head`) ends the program quietly.
fn emit(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        exit_on_write_error(error);
    }
}

/// A closed pipe ends the program quietly; any other write error is an I/O error (exit 2).
fn exit_on_write_error(error: std::io::Error) -> ! {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("portui: cannot write to stdout: {error}");
    std::process::exit(2);
}

/// Port a PyTorch project to Apple's MLX.
///
/// `portui PATH` opens the interactive review session on a project; `portui` alone opens the
/// current directory if it holds Python files, else the bundled example.
#[derive(Parser)]
#[command(
    name = "portui",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Project directory (or one `.py` file) to review.
    path: Option<PathBuf>,
    #[command(flatten)]
    session: SessionArgs,
}

#[derive(clap::Args, Clone, Default)]
struct SessionArgs {
    /// Colour theme: portui-dark, portui-light, or a `.tmTheme` in the config directory.
    #[arg(long)]
    theme: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Report findings, the porting checklist and the conversion rate.
    /// Exits 0 when nothing is open, 1 when something is, 2 on usage or I/O errors.
    Check {
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a unified diff of every proposed rewrite (nothing when nothing is proposed).
    Diff { path: PathBuf },
    /// Write the port to a mirrored tree (default: the sibling `<name>_mlx`).
    Apply {
        path: PathBuf,
        /// Output directory of the mirrored tree.
        #[arg(long, conflicts_with = "in_place")]
        out: Option<PathBuf>,
        /// Apply every proposed hunk.
        #[arg(long, conflicts_with = "safe_only")]
        accept_all: bool,
        /// Apply only hunks whose applicability is `safe`.
        #[arg(long)]
        safe_only: bool,
        /// Rewrite the project itself (refuses if any file changed since analysis; keeps
        /// backups under `.portui-backup/`).
        #[arg(long)]
        in_place: bool,
    },
    /// Name what a written port still has that MLX will not run: torch imports and uses, MLX
    /// names the pinned mlx lacks, torch.Tensor methods mx.array lacks.
    /// Exits 0 on a clean port, 1 when something is found, 2 on usage or I/O errors.
    Audit {
        /// The port: a directory (`<project>_mlx`) or one `.py` file.
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The torch project the port was written from, when it is not the sibling of a
        /// `<project>_mlx` tree (a tree written with `apply --out`).
        #[arg(long)]
        original: Option<PathBuf>,
    },
    /// List the rules; with --api, the torch API table: every entry, what becomes of it in MLX,
    /// its status (safe, review, rule, manual) and why, then the counts per namespace.
    Rules {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The API table instead of the rules.
        #[arg(long)]
        api: bool,
    },
    /// Print a rule's documentation: what, why, example, fix safety.
    Explain { rule: String },
    /// Run the port of the `[bench]` model (portui.toml), time it, and check it against torch.
    /// Exits 0 when it ran and parity held (or torch is not installed), 1 when parity failed or
    /// the port failed, 2 on usage, configuration or setup errors.
    Bench {
        /// The torch project (its port is read from the `apply` output tree).
        #[arg(required_unless_present = "setup")]
        path: Option<PathBuf>,
        /// The Python to run the harness with (default: [bench].python, $VIRTUAL_ENV, the
        /// managed venv of --setup, python3).
        #[arg(long)]
        python: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The port's directory, if not the default `<name>_mlx` of `apply`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write a commented [bench] template guessed from the project to PATH/portui.toml.
        #[arg(long, conflicts_with_all = ["setup", "out"])]
        init: bool,
        /// Create portui's managed venv with mlx (in the data directory) and use it from now on.
        #[arg(long)]
        setup: bool,
        /// With --setup: install torch and numpy too, for the parity check.
        #[arg(long, requires = "setup")]
        with_torch: bool,
    },
    /// Convert a torch checkpoint (torch.save pickle or safetensors) to a safetensors file the
    /// port loads with `model.load_weights(FILE)` (strict): the port's names and layouts.
    /// Exits 0 when written, 1 when the result would not load strictly (nothing is written),
    /// 2 on usage, configuration or I/O errors.
    ConvertWeights {
        /// The torch project; its portui.toml `[bench]` names the model to build.
        project: PathBuf,
        /// The checkpoint: a torch.save file (read through torch) or a .safetensors file.
        checkpoint: PathBuf,
        /// Where to write (default: `<port>/<checkpoint name>.safetensors`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The port's directory, if not the default `<name>_mlx` of `apply`.
        #[arg(long)]
        port: Option<PathBuf>,
        /// The Python (with mlx; and torch for a pickle) to use (default: as for `bench`).
        #[arg(long)]
        python: Option<PathBuf>,
    },
    /// Write the bundled example project (GPT, CNN, LLaMA) to a new directory and open it
    /// in the session (when stdout is not a terminal: print its check report instead).
    Demo {
        /// Parent directory for the example (default: portui's data directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[command(flatten)]
        session: SessionArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Every command runs on a thread with this stack: porting re-parses files, and the parser and
/// the AST walks recurse as deep as the input nests.
const MAIN_STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new()
        .name("portui".into())
        .stack_size(MAIN_STACK_BYTES)
        .spawn(move || match cli.command {
            Some(command) => run(command),
            None => open_session(cli.path, &cli.session),
        })
        .expect("the main thread starts");
    let outcome = worker
        .join()
        .unwrap_or_else(|_| Err("internal error (a panic); please report it".into()));
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("portui: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Check { path, format } => {
            let format = report_format(format);
            let checked = analyse_into(&path, |file| report::CheckedFile::of(&file, format))?;
            if let Err(error) = report::write_check(&checked, format, std::io::stdout().lock()) {
                exit_on_write_error(error);
            }
            let open = report::anything_open(&checked);
            // The process ends here: freeing every file's report piece by piece would cost
            // more than the exit that returns the memory at once.
            std::mem::forget(checked);
            Ok(ExitCode::from(u8::from(open)))
        }
        Command::Diff { path } => {
            let analysis = analyse(&path)?;
            emit(&report::diff(&analysis)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply {
            path,
            out,
            accept_all,
            safe_only,
            in_place,
        } => {
            // Before the decisions: a mistyped path must not read as "no saved decisions".
            if !path.exists() {
                return Err(format!(
                    "{}: no such file or directory; pass a project directory or a .py file",
                    path.display()
                ));
            }
            let selection = if accept_all {
                Selection::AcceptAll
            } else if safe_only {
                Selection::SafeOnly
            } else {
                match decisions::load(&path)? {
                    Some(saved) => Selection::Saved(saved),
                    None => {
                        return Err(format!(
                            "no saved review decisions for {}; review them in `portui {}`, or pass --accept-all or --safe-only",
                            path.display(),
                            path.display()
                        ));
                    }
                }
            };
            let target = if in_place {
                Target::InPlace
            } else {
                Target::Tree(out.unwrap_or_else(|| portui::project::default_output(&path)))
            };
            let analysis = analyse(&path)?;
            let report = write::apply(&analysis, &selection, &target)?;
            print_apply(&report);
            outln!("{}", manual_work(&analysis, &path));
            let written = match target {
                Target::Tree(out) => out,
                Target::InPlace => path,
            };
            outln!("{}", portui::audit::after_write(&written));
            Ok(if report.refused.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Audit {
            path,
            format,
            original,
        } => audit(&path, format, original),
        Command::Rules { format, api } => {
            let format = match format {
                Format::Text => report::Format::Text,
                Format::Json => report::Format::Json,
            };
            let listing = if api {
                report::rules::api(format)
            } else {
                report::rules::rules(format)
            };
            emit(&listing);
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { dir, session } => {
            let root =
                portui::demo::materialise(&dir.unwrap_or_else(portui::demo::default_parent))?;
            if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
                return session_on(&root, &session);
            }
            let format = report::Format::Text;
            let checked = analyse_into(&root, |file| report::CheckedFile::of(&file, format))?;
            if let Err(error) = report::write_check(&checked, format, std::io::stdout().lock()) {
                exit_on_write_error(error);
            }
            outln!(
                "\nthe example torch project is in {} (kept between runs: your edits there stay; delete it for a fresh copy)",
                root.display()
            );
            outln!(
                "next: {portui} diff {0}    # every proposed rewrite\n      {portui} apply {0} --accept-all    # writes {1}",
                root.display(),
                portui::project::default_output(&root).display(),
                portui = own_command()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            path,
            python,
            format,
            out,
            init,
            setup,
            with_torch,
        } => {
            if setup {
                bench_setup(python.as_deref(), with_torch)?;
                if path.is_none() {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            let path = path.expect("clap requires PATH without --setup");
            if init {
                let analysis = analyse(&path)?;
                let written = portui::bench::write_template(&analysis.root, &analysis)?;
                outln!(
                    "wrote a [bench] template to {}; edit it, then run `portui bench {}`",
                    written.display(),
                    path.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            bench(&path, out.as_deref(), python.as_deref(), format)
        }
        Command::ConvertWeights {
            project,
            checkpoint,
            out,
            port,
            python,
        } => {
            let request = portui::convert_weights::run::Request {
                project,
                checkpoint,
                out,
                port,
                python,
            };
            let outcome = portui::convert_weights::run::convert_checkpoint(&request)?;
            emit(&outcome.text);
            Ok(ExitCode::from(u8::from(outcome.written.is_none())))
        }
        Command::Explain { rule } => match rules::documentation(&rule) {
            Some(doc) => {
                outln!("{doc}");
                Ok(ExitCode::SUCCESS)
            }
            None => Err(format!("no rule named `{rule}`; `portui rules` lists them")),
        },
    }
}

/// `portui [PATH]`: the session on PATH; without one, on the current directory when it holds
/// Python files, else on a fresh copy of the bundled example.
fn open_session(path: Option<PathBuf>, args: &SessionArgs) -> Result<ExitCode, String> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(
            "the session needs a terminal; in scripts use `portui check|diff|apply PATH`".into(),
        );
    }
    let path = match path {
        Some(path) => path,
        None => {
            let here = PathBuf::from(".");
            let has_python = portui::project::discover(&here).is_ok_and(|d| !d.files.is_empty());
            if has_python {
                here
            } else {
                portui::demo::materialise(&portui::demo::default_parent())?
            }
        }
    };
    session_on(&path, args)
}

fn session_on(path: &Path, args: &SessionArgs) -> Result<ExitCode, String> {
    let config = portui::tui::config::load(portui::tui::config::config_dir().as_deref())?;
    portui::tui::terminal::run(path, args.theme.as_deref(), config)?;
    Ok(ExitCode::SUCCESS)
}

fn analyse(path: &Path) -> Result<ProjectAnalysis, String> {
    analyse_into(path, |file| file)
}

/// Analyse `path` with a progress spinner, keeping what `keep` makes of each file.
fn analyse_into<F: Send>(
    path: &Path,
    keep: impl Fn(portui::analysis::FileAnalysis) -> F + Sync,
) -> Result<ProjectAnalysis<F>, String> {
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    progress.set_message("analysing");
    let analysis = analyse_path_into(path, || progress.inc(1), keep)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    progress.finish_and_clear();
    if analysis.files.is_empty() && analysis.walk_errors.is_empty() {
        return Err(no_python_files(path));
    }
    Ok(analysis)
}

fn no_python_files(path: &Path) -> String {
    format!(
        "{}: no Python files found (hidden directories, virtualenvs, build trees and .gitignore'd files are skipped)",
        path.display()
    )
}

/// How to run this portui again: `portui` when that is what `PATH` finds, else this
/// executable's path (after `cargo run`, `portui` is not on `PATH`).
fn own_command() -> String {
    let Ok(me) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return "portui".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .filter_map(|dir| dir.join("portui").canonicalize().ok())
            .next()
            .is_some_and(|found| found == me)
    });
    if on_path {
        "portui".into()
    } else {
        me.display().to_string()
    }
}

fn report_format(format: Format) -> report::Format {
    match format {
        Format::Text => report::Format::Text,
        Format::Json => report::Format::Json,
    }
}

fn bench(
    path: &Path,
    out: Option<&Path>,
    python: Option<&Path>,
    format: Format,
) -> Result<ExitCode, String> {
    use portui::bench::{BenchRequest, Outcome, run_blocking};
    let outcome = match BenchRequest::prepare(path, out, python) {
        Ok(request) => {
            let progress = indicatif::ProgressBar::new(0);
            progress.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            let outcome = run_blocking(&request, |step| {
                progress.set_length(u64::from(step.total));
                progress.set_position(u64::from(step.done));
                progress.set_message(step.phase.clone());
            });
            progress.finish_and_clear();
            outcome
        }
        Err(failure) => Outcome::from_failure(*failure),
    };
    match format {
        Format::Text if outcome.error.is_some() => eprint!("{}", outcome.text()),
        Format::Text => emit(&outcome.text()),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&outcome).expect("the outcome serialises")
        ),
    }
    Ok(ExitCode::from(outcome.exit_code()))
}

/// `--setup`: the managed venv, each step's own output (pip's progress) passed through.
fn bench_setup(python: Option<&Path>, with_torch: bool) -> Result<(), String> {
    use portui::bench::python::{managed_venv, setup_plan};
    let venv = managed_venv().ok_or("no home directory to put portui's venv in")?;
    let base = python.unwrap_or(Path::new("python3"));
    for step in setup_plan(base, &venv, with_torch)? {
        eprintln!("portui bench --setup: {}", step.what);
        let status = step
            .command()
            .status()
            .map_err(|e| format!("{}: cannot start: {e}", step.program.display()))?;
        if !status.success() {
            return Err(format!(
                "--setup failed to {} ({status}); its output is above",
                step.what
            ));
        }
    }
    eprintln!(
        "portui bench --setup: ready; `portui bench` now uses {} unless --python or $VIRTUAL_ENV says otherwise",
        venv.display()
    );
    Ok(())
}

fn audit(path: &Path, format: Format, original: Option<PathBuf>) -> Result<ExitCode, String> {
    use portui::audit::{Originals, Roots};
    let originals = match original {
        Some(original) => {
            let port = if path.is_file() {
                path.parent()
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            } else {
                path.to_path_buf()
            };
            Originals::At(Roots { port, original })
        }
        None => Originals::Find,
    };
    let audit = portui::audit::audit_path(path, originals)?;
    // Buffered: stdout alone flushes every line, and a torch project has thousands of them.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match format {
        Format::Text => portui::audit::write_text(&audit, &mut out),
        Format::Json => portui::audit::write_json(&audit, &mut out),
    };
    if let Err(error) = written.and_then(|()| out.flush()) {
        exit_on_write_error(error);
    }
    Ok(ExitCode::from(audit.exit_code()))
}

/// How many findings have no rewrite, the first few, and where to see them all: the work the
/// port still needs from a person (torch imports are not counted: writing handles them).
fn manual_work(analysis: &ProjectAnalysis, path: &Path) -> String {
    const EXAMPLES: usize = 3;
    let manual: Vec<String> = analysis
        .files
        .iter()
        .flat_map(|file| {
            file.findings
                .iter()
                .filter(|f| {
                    f.applicability == portui::fix::Applicability::Manual
                        && f.rule != rules::TORCH_IMPORT
                })
                .map(move |f| {
                    let (line, _) = file.location(f.range.start);
                    format!("{}:{line} {}", file.rel.display(), f.rule)
                })
        })
        .collect();
    if manual.is_empty() {
        return "manual work: none (every finding has a rewrite)".into();
    }
    let mut shown = manual[..manual.len().min(EXAMPLES)].join(", ");
    if manual.len() > EXAMPLES {
        shown.push_str(", ...");
    }
    format!(
        "manual work: {} finding(s) have no rewrite ({shown}); `{} check {}` lists them",
        manual.len(),
        own_command(),
        path.display()
    )
}

fn print_apply(report: &write::ApplyReport) {
    outln!(
        "wrote {} file(s) to {} ({} hunk(s) applied, {} other file(s) copied)",
        report.written.len(),
        report.out.display(),
        report.hunks_applied,
        report.copied
    );
    if !report.shim_dirs.is_empty() {
        let places: Vec<String> = report
            .shim_dirs
            .iter()
            .map(|dir| {
                report
                    .out
                    .join(dir)
                    .join(format!("{}.py", portui::port::SHIMS_MODULE))
                    .display()
                    .to_string()
            })
            .collect();
        outln!(
            "wrote {} (helpers the port uses, beside the files that use them)",
            places.join(", ")
        );
    }
    if report.wrote_weights {
        outln!(
            "wrote {}/{} (torch → MLX parameter names)",
            report.out.display(),
            write::WEIGHTS_FILE
        );
    }
    for (_, conflict) in &report.conflicts {
        outln!("left out: {conflict}");
    }
    for (path, why) in &report.refused {
        outln!("not written: {}: {why}", path.display());
    }
}
