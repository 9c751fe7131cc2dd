//! Analysing a project: read, parse and check every file on a pool of worker threads with
//! large stacks, so no input (a 100k-term expression, a 20k-call chain) can overflow a stack
//! and abort the process. Bad files become per-file errors; the rest is analysed.

use crate::checklist::{self, Entry};
use crate::hunk::{HunkId, hunk_id};
use crate::parse::parse_module;
use crate::project::{Discovery, discover};
use crate::rules::{self, Finding};
use crate::source::SourceFile;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Files above this size are reported, not parsed: nobody hand-writes them.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Seconds one file's rule walk may take before the file becomes an error: a safety net
/// (every input should take a second or two per megabyte), so that a pathological file
/// cannot hold up a run or a session.
const DEFAULT_BUDGET_SECS: f64 = 10.0;
/// Overrides `DEFAULT_BUDGET_SECS` (seconds, fractions allowed).
pub const BUDGET_VARIABLE: &str = "PORTUI_FILE_BUDGET_SECS";

/// The per-file budget: `BUDGET_VARIABLE` when it holds a number of seconds, else the default.
fn file_budget() -> Duration {
    static BUDGET: LazyLock<Duration> = LazyLock::new(|| {
        std::env::var(BUDGET_VARIABLE)
            .ok()
            .and_then(|value| value.trim().parse::<f64>().ok())
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .unwrap_or(Duration::from_secs_f64(DEFAULT_BUDGET_SECS))
    });
    *BUDGET
}

#[derive(Debug, Clone)]
pub enum FileError {
    Unreadable(String),
    NotUtf8 { offset: usize },
    TooLarge { bytes: u64 },
    Syntax { place: Place, message: String },
    OutOfTime { budget: Duration },
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(why) => write!(f, "cannot read: {why}"),
            Self::NotUtf8 { offset } => write!(
                f,
                "not UTF-8 (invalid byte at offset {offset}); save it as UTF-8 to port it"
            ),
            Self::TooLarge { bytes } => write!(
                f,
                "too large to analyse ({bytes} bytes, limit {MAX_FILE_BYTES})"
            ),
            Self::Syntax { place, message } => write!(f, "syntax error at {place}: {message}"),
            Self::OutOfTime { budget } => write!(
                f,
                "analysis stopped after {} s (the per-file budget; set {BUDGET_VARIABLE} to allow more)",
                budget.as_secs_f64()
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FileAnalysis {
    pub rel: PathBuf,
    /// `None` when the file could not be read as text.
    pub source: Option<SourceFile>,
    pub error: Option<FileError>,
    pub findings: Vec<Finding>,
    /// The hunk each finding proposes (`None` for findings without edits).
    pub hunks: Vec<Option<HunkId>>,
    pub checklist: Vec<Entry>,
}

impl FileAnalysis {
    pub fn location(&self, offset: usize) -> (usize, usize) {
        match &self.source {
            Some(source) => source.lines.line_col(&source.text, offset),
            None => (1, 1),
        }
    }

    /// Where `offset` is as a person finds it: line and column, in its cell for a notebook.
    pub fn place(&self, offset: usize) -> Place {
        let (line, column) = self.location(offset);
        self.place_of_line(line, column)
    }

    /// The place of a 1-based line of the analysed source (and a column on it).
    pub fn place_of_line(&self, line: usize, column: usize) -> Place {
        match &self.source {
            Some(source) => Place::in_source(source, line, column),
            None => Place {
                cell: None,
                line,
                column,
            },
        }
    }
}

/// A finding's place: `cell 3:2:5` in a notebook, `2:5` in a `.py` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The notebook cell, numbered from 1 in the notebook's order.
    pub cell: Option<usize>,
    pub line: usize,
    pub column: usize,
}

impl Place {
    fn in_source(source: &SourceFile, line: usize, column: usize) -> Self {
        let cell = source.cells.as_ref().and_then(|cells| cells.locate(line));
        Place {
            cell: cell.map(|(cell, _)| cell),
            line: cell.map_or(line, |(_, line)| line),
            column,
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(cell) = self.cell {
            write!(f, "cell {cell}:")?;
        }
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A project's files, each kept as `F`: the whole analysis by default, or what a command needs
/// of it (`check` keeps its rendered findings and counts).
#[derive(Debug)]
pub struct ProjectAnalysis<F = FileAnalysis> {
    pub root: PathBuf,
    pub files: Vec<F>,
    pub walk_errors: Vec<(PathBuf, String)>,
    pub single_file: bool,
}

impl ProjectAnalysis {
    pub fn checklist(&self) -> Vec<Entry> {
        let mut merged = checklist::merge(self.files.iter().map(|f| f.checklist.as_slice()));
        for (i, location) in self.files.iter().flat_map(FileAnalysis::open_locations) {
            merged[i].locations.push(location);
        }
        merged
    }
}

impl FileAnalysis {
    /// `(checklist item index, "path:line")` of each of the file's findings
    /// (`path:cell N:line` in a notebook).
    pub fn open_locations(&self) -> Vec<(usize, String)> {
        // Built from a prefix formatted once per file.
        let prefix = format!("{}:", self.rel.display());
        self.open_items()
            .map(|(i, line)| {
                let mut location = String::with_capacity(prefix.len() + 8);
                location.push_str(&prefix);
                let place = self.place_of_line(line, 1);
                if let Some(cell) = place.cell {
                    write!(location, "cell {cell}:").expect("writing to a String cannot fail");
                }
                write!(location, "{}", place.line).expect("writing to a String cannot fail");
                (i, location)
            })
            .collect()
    }

    /// `(checklist item index, line)` of each checklist item each finding leaves open.
    pub fn open_items(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let lines = self.source.as_ref().map(|source| &source.lines);
        self.findings
            .iter()
            .filter(move |_| lines.is_some())
            .flat_map(|finding| {
                std::iter::once(&finding.checklist)
                    .chain(finding.covers)
                    .map(move |item| (finding, item))
            })
            .filter_map(move |(finding, item)| {
                let i = checklist::item_index(item)?;
                Some((i, lines?.line(finding.range.start)))
            })
    }
}

/// Run `work` on the analysis pool (its large stacks, its threads).
pub fn in_pool<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    pool().install(work)
}

/// One pool for the process: re-analysing a saved file must not spawn threads each time.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(WORKER_STACK_BYTES)
            .thread_name(|i| format!("portui-analysis-{i}"))
            .build()
            .expect("the analysis thread pool starts")
    })
}

/// Analyse every Python file under `path`, reporting progress through `on_file`.
pub fn analyse_path(path: &Path, on_file: impl Fn() + Sync) -> std::io::Result<ProjectAnalysis> {
    analyse_path_into(path, on_file, |analysis| analysis)
}

/// Analyse every Python file under `path` and keep what `keep` makes of each file, made on the
/// worker that analysed it, so the rest of the file's analysis is freed there and then.
pub fn analyse_path_into<F: Send>(
    path: &Path,
    on_file: impl Fn() + Sync,
    keep: impl Fn(FileAnalysis) -> F + Sync,
) -> std::io::Result<ProjectAnalysis<F>> {
    let Discovery {
        root,
        files,
        sizes,
        errors,
        single_file,
    } = discover(path)?;
    let analysed = largest_first(&sizes, |i| {
        let kept = keep(analyse_file(
            Some(&root),
            &files[i],
            read(&root.join(&files[i])),
        ));
        on_file();
        kept
    });
    Ok(ProjectAnalysis {
        root,
        files: analysed,
        walk_errors: errors,
        single_file,
    })
}

/// `work(i)` for every index of `sizes`, on every thread of the pool, taking the largest item
/// left each time; the results in index order. In name order a project's largest files can
/// come last (transformers' `trainer.py` and `testing_utils.py`), and one thread then worked
/// alone for the last ~90 ms of `check` on transformers.
fn largest_first<T: Send>(sizes: &[u64], work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let next = AtomicUsize::new(0);
    let done = std::sync::Mutex::new(Vec::with_capacity(sizes.len()));
    pool().scope(|scope| {
        for _ in 0..pool().current_num_threads() {
            scope.spawn(|_| {
                let mut mine = Vec::new();
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    mine.push((i, work(i)));
                }
                done.lock()
                    .expect("no worker panics holding it")
                    .extend(mine);
            });
        }
    });
    let mut done = done.into_inner().expect("no worker panicked holding it");
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// Read and analyse one project file (the session streams a project in file by file).
pub fn analyse_one(root: &Path, rel: &Path) -> FileAnalysis {
    pool().install(|| analyse_file(Some(root), rel, read(&root.join(rel))))
}

/// Analyse text already in memory, outside any project: classes imported from other files
/// are not looked up.
pub fn analyse_text(rel: &Path, text: String) -> FileAnalysis {
    pool().install(|| analyse_file(None, rel, Ok(text)))
}

/// A project file's text as portui analyses it: a notebook's is its code cells' source
/// (`notebook::to_source`).
pub fn read(path: &Path) -> Result<String, FileError> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| FileError::Unreadable(e.to_string());
    // One open serves the size check and the read, instead of a path lookup for each.
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > MAX_FILE_BYTES {
        return Err(FileError::TooLarge { bytes: size });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    let text = String::from_utf8(bytes).map_err(|e| FileError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })?;
    if crate::notebook::is_notebook(path) {
        return crate::notebook::to_source(&text)
            .map_err(|why| FileError::Unreadable(format!("not a notebook: {why}")));
    }
    Ok(text)
}

/// `root`: the project the file belongs to, whose other files the layouts of imported classes
/// are read from (`crate::layouts`).
fn analyse_file(root: Option<&Path>, rel: &Path, text: Result<String, FileError>) -> FileAnalysis {
    let mut analysis = FileAnalysis {
        rel: rel.to_path_buf(),
        source: None,
        error: None,
        findings: Vec::new(),
        hunks: Vec::new(),
        checklist: Vec::new(),
    };
    let text = match text {
        Ok(text) => text,
        Err(error) => {
            analysis.error = Some(error);
            return analysis;
        }
    };
    let source = SourceFile::new(rel, text);
    match parse_module(&source.text) {
        Ok(module) => {
            let budget = file_budget();
            let importer = root.map(|root| crate::layouts::Importer::new(root, rel));
            let imported = |import: &crate::semantic::ImportRef, question| {
                importer
                    .as_ref()
                    .is_some_and(|importer| importer.imported_is(import, question))
            };
            match rules::check_until(&source.text, &module, Instant::now() + budget, &imported) {
                Ok(findings) => analysis.findings = findings,
                Err(rules::OutOfTime) => analysis.error = Some(FileError::OutOfTime { budget }),
            }
            drop(module); // dropped here, on the large stack, like it was built
        }
        Err(error) => {
            let (line, column) = source.lines.line_col(&source.text, error.offset);
            analysis.error = Some(FileError::Syntax {
                place: Place::in_source(&source, line, column),
                message: error.message,
            });
        }
    }
    analysis.hunks = crate::hunk::distinct(
        analysis
            .findings
            .iter()
            .map(|f| (!f.edits.is_empty()).then(|| hunk_id(&source.text, f)))
            .collect(),
    );
    analysis.checklist = checklist::for_file(&source.text, &analysis.findings);
    analysis.source = Some(source);
    analysis
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items are taken largest first on several threads, but every result comes back once, in
    /// index order: reports list files by name whatever order they were analysed in.
    #[test]
    fn largest_first_returns_every_result_in_index_order() {
        let sizes: Vec<u64> = (0..500).map(|i| (i * 7919) % 1000).collect();
        let calls = AtomicUsize::new(0);
        let results = largest_first(&sizes, |i| {
            calls.fetch_add(1, Ordering::Relaxed);
            (i, sizes[i])
        });
        assert_eq!(calls.into_inner(), sizes.len());
        let expected: Vec<(usize, u64)> = sizes.iter().copied().enumerate().collect();
        assert_eq!(results, expected);
    }
}
