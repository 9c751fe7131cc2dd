//! What `check` prints. Each file's findings are rendered on the worker that analysed it, and
//! only that rendering and the file's counts are kept: a large project's sources, syntax trees
//! and findings are never all in memory at once. The JSON shape is a public contract: fields
//! are only added.

use crate::analysis::{FileAnalysis, FileError, ProjectAnalysis};
use crate::checklist::{self, Entry, Status};
use crate::fix::Applicability;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Torch API uses found, and how many of them have a rewrite.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Rate {
    pub converted: usize,
    pub torch_uses: usize,
}

impl Rate {
    fn of(file: &FileAnalysis) -> Self {
        // An import is not an API use: it goes when the uses go.
        let counted = file.findings.iter().filter(|f| f.rule != "torch-import");
        let (mut converted, mut torch_uses) = (0, 0);
        for finding in counted {
            torch_uses += 1;
            if finding.applicability != Applicability::Manual {
                converted += 1;
            }
        }
        Self {
            converted,
            torch_uses,
        }
    }

    fn add(self, other: Self) -> Self {
        Self {
            converted: self.converted + other.converted,
            torch_uses: self.torch_uses + other.torch_uses,
        }
    }

    pub fn ratio(&self) -> f64 {
        if self.torch_uses == 0 {
            1.0
        } else {
            self.converted as f64 / self.torch_uses as f64
        }
    }
}

/// What `check` keeps of one analysed file.
#[derive(Debug)]
pub struct CheckedFile {
    rel: PathBuf,
    error: Option<FileError>,
    findings: usize,
    hunks: usize,
    /// The findings as printed: text lines, or JSON objects each preceded by `,\n`.
    rendered: Vec<u8>,
    checklist: Vec<Entry>,
    /// For each checklist item, its open locations in this file as JSON strings, each
    /// preceded by a comma (JSON only: the text report does not list them).
    locations: Vec<Vec<u8>>,
    rate: Rate,
}

impl CheckedFile {
    pub fn of(file: &FileAnalysis, format: Format) -> Self {
        Self {
            rel: file.rel.clone(),
            error: file.error.clone(),
            findings: file.findings.len(),
            hunks: file.hunks.iter().flatten().count(),
            rendered: match format {
                Format::Text => render_text(file),
                Format::Json => render_json(file),
            },
            checklist: file.checklist.clone(),
            locations: match format {
                Format::Text => Vec::new(),
                Format::Json => json_locations(file),
            },
            rate: Rate::of(file),
        }
    }
}

fn json_locations(file: &FileAnalysis) -> Vec<Vec<u8>> {
    // `,"path:` once per file (a colon needs no escaping); each location adds `line"`.
    let mut prefix = vec![b','];
    json_str(&mut prefix, &file.rel.display().to_string());
    prefix.pop();
    prefix.push(b':');
    let mut locations = vec![Vec::new(); checklist::ITEMS.len()];
    let mut numbers = itoa::Buffer::new();
    for (i, line) in file.open_items() {
        locations[i].extend_from_slice(&prefix);
        let place = file.place_of_line(line, 1);
        if let Some(cell) = place.cell {
            locations[i].extend_from_slice(b"cell ");
            locations[i].extend_from_slice(numbers.format(cell).as_bytes());
            locations[i].push(b':');
        }
        locations[i].extend_from_slice(numbers.format(place.line).as_bytes());
        locations[i].push(b'"');
    }
    locations
}

fn render_text(file: &FileAnalysis) -> Vec<u8> {
    let mut out = Vec::new();
    let path = file.rel.display();
    for finding in &file.findings {
        let place = file.place(finding.range.start);
        writeln!(
            out,
            "{path}:{place}: {} [{}] {}",
            finding.rule,
            finding.applicability.as_str(),
            finding.message
        )
        .expect("writing to a Vec cannot fail");
    }
    out
}

/// Each finding as `serde_json` would write it (key order, compact), preceded by `,\n`. Written
/// by hand: with 150,000 findings on a large project, serde's per-byte escaping of strings
/// that need none was a tenth of `check`'s own work.
fn render_json(file: &FileAnalysis) -> Vec<u8> {
    let mut path = Vec::new();
    json_str(&mut path, &file.rel.display().to_string());
    let mut out = Vec::with_capacity(file.findings.len() * 256);
    let mut numbers = itoa::Buffer::new();
    for (finding, hunk) in file.findings.iter().zip(&file.hunks) {
        let place = file.place(finding.range.start);
        out.extend_from_slice(b",\n{\"rule\":");
        json_str(&mut out, finding.rule);
        out.extend_from_slice(b",\"path\":");
        out.extend_from_slice(&path);
        // Only notebooks have cells; a `.py` file's findings keep their shape.
        if let Some(cell) = place.cell {
            out.extend_from_slice(b",\"cell\":");
            out.extend_from_slice(numbers.format(cell).as_bytes());
        }
        out.extend_from_slice(b",\"line\":");
        out.extend_from_slice(numbers.format(place.line).as_bytes());
        out.extend_from_slice(b",\"column\":");
        out.extend_from_slice(numbers.format(place.column).as_bytes());
        out.extend_from_slice(b",\"message\":");
        json_str(&mut out, &finding.message);
        out.extend_from_slice(b",\"applicability\":");
        json_str(&mut out, finding.applicability.as_str());
        out.extend_from_slice(b",\"checklist\":");
        json_str(&mut out, finding.checklist);
        out.extend_from_slice(b",\"hunk\":");
        match hunk {
            Some(hunk) => {
                out.push(b'"');
                out.extend_from_slice(&hunk.hex());
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
    out
}

/// `text` as a JSON string: copied as it is when nothing in it needs escaping (the usual
/// case), escaped by `serde_json` otherwise.
fn json_str(out: &mut Vec<u8>, text: &str) {
    if !needs_escaping(text.as_bytes()) {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(out, text).expect("strings serialise");
    }
}

/// Whether any byte is a control character, a quote or a backslash, tested eight bytes at a
/// time with the usual bit tricks: `(w - n·ones) & !w & highs` is nonzero exactly when some
/// byte of `w` is below `n` (a borrow can only mark bytes above a true one).
fn needs_escaping(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let some_byte_below =
        |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS != 0;
    let special = |word: u64| {
        some_byte_below(word, 0x20)
            || some_byte_below(word ^ (ONES * u64::from(b'"')), 1)
            || some_byte_below(word ^ (ONES * u64::from(b'\\')), 1)
    };
    let mut words = bytes.chunks_exact(8);
    if words
        .by_ref()
        .any(|chunk| special(u64::from_le_bytes(chunk.try_into().expect("eight bytes"))))
    {
        return true;
    }
    words
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Whether anything is left to do: open findings, open checklist items or unreadable files.
pub fn anything_open(project: &ProjectAnalysis<CheckedFile>) -> bool {
    !project.walk_errors.is_empty()
        || project.files.iter().any(|f| {
            f.findings > 0
                || f.error.is_some()
                || f.checklist.iter().any(|e| e.status == Status::Open)
        })
}

/// The project's checklist (without locations: the JSON report adds them from each file).
fn project_checklist(project: &ProjectAnalysis<CheckedFile>) -> Vec<Entry> {
    checklist::merge(project.files.iter().map(|f| f.checklist.as_slice()))
}

/// The checklist as `serde_json` would write it, each item's locations written straight from
/// the files' JSON fragments in file order (a large project has 100,000 of them).
fn write_checklist_json(
    project: &ProjectAnalysis<CheckedFile>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut numbers = itoa::Buffer::new();
    out.write_all(b"[")?;
    for (i, entry) in project_checklist(project).iter().enumerate() {
        head.clear();
        if i > 0 {
            head.push(b',');
        }
        head.extend_from_slice(b"{\"id\":");
        json_str(&mut head, entry.id);
        head.extend_from_slice(b",\"title\":");
        json_str(&mut head, entry.title);
        head.extend_from_slice(b",\"status\":");
        json_str(&mut head, entry.status.as_str());
        head.extend_from_slice(b",\"open\":");
        head.extend_from_slice(numbers.format(entry.open).as_bytes());
        head.extend_from_slice(b",\"locations\":[");
        out.write_all(&head)?;
        let mut first = true;
        for locations in project.files.iter().filter_map(|f| f.locations.get(i)) {
            if locations.is_empty() {
                continue;
            }
            // Each location starts with a comma; the first one's is dropped.
            out.write_all(if first { &locations[1..] } else { locations })?;
            first = false;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"]")
}

fn rate(project: &ProjectAnalysis<CheckedFile>) -> Rate {
    project
        .files
        .iter()
        .map(|f| f.rate)
        .fold(Rate::default(), Rate::add)
}

/// `check`'s report, in `format`, to `out`.
pub fn write_check(
    project: &ProjectAnalysis<CheckedFile>,
    format: Format,
    out: impl Write,
) -> std::io::Result<()> {
    // Large writes pass straight through; a large buffer gathers the many small ones.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    match format {
        Format::Text => write_text(project, &mut out)?,
        Format::Json => write_json(project, &mut out)?,
    }
    out.flush()
}

fn write_text(project: &ProjectAnalysis<CheckedFile>, out: &mut impl Write) -> std::io::Result<()> {
    for file in &project.files {
        out.write_all(&file.rendered)?;
    }
    let errors = parse_errors(project);
    if !errors.is_empty() {
        writeln!(
            out,
            "\nfiles that could not be analysed ({}):",
            errors.len()
        )?;
        for error in &errors {
            writeln!(out, "  {}: {}", error.path, error.message)?;
        }
    }
    writeln!(out, "\nchecklist (project):")?;
    for entry in project_checklist(project) {
        let status = match entry.status {
            Status::Open => format!("open {}", entry.open),
            other => other.as_str().to_string(),
        };
        writeln!(out, "  [{status:>7}] {}", entry.title)?;
    }
    let rate = rate(project);
    writeln!(
        out,
        "\n{} files, {} findings; conversion rate {:.1}% ({} of {} torch API uses have a rewrite, {} need manual work)",
        project.files.len(),
        project.files.iter().map(|f| f.findings).sum::<usize>(),
        rate.ratio() * 100.0,
        rate.converted,
        rate.torch_uses,
        rate.torch_uses - rate.converted
    )
}

/// One object, one finding per line.
fn write_json(project: &ProjectAnalysis<CheckedFile>, out: &mut impl Write) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct FileJson {
        path: String,
        findings: usize,
        hunks: usize,
        error: Option<String>,
    }
    let files: Vec<FileJson> = project
        .files
        .iter()
        .map(|file| FileJson {
            path: file.rel.display().to_string(),
            findings: file.findings,
            hunks: file.hunks,
            error: file.error.as_ref().map(|e| e.to_string()),
        })
        .collect();
    out.write_all(b"{\n")?;
    json_field(out, "files", &files)?;
    out.write_all(b"\"findings\": [")?;
    // Each rendered finding starts with ",\n"; the first one's comma is dropped.
    let mut first = true;
    for rendered in project.files.iter().map(|f| &f.rendered) {
        if rendered.is_empty() {
            continue;
        }
        out.write_all(if first { &rendered[1..] } else { rendered })?;
        first = false;
    }
    out.write_all(b"\n],\n")?;
    let rate = rate(project);
    out.write_all(b"\"checklist\": ")?;
    write_checklist_json(project, out)?;
    out.write_all(b",\n")?;
    json_field(out, "parse_errors", &parse_errors(project))?;
    json_field(out, "conversion_rate", &rate.ratio())?;
    json_field(out, "torch_uses", &rate.torch_uses)?;
    write!(out, "\"converted\": {}\n}}\n", rate.converted)
}

#[derive(Serialize)]
struct ParseError {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    cell: Option<usize>,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

fn parse_errors(project: &ProjectAnalysis<CheckedFile>) -> Vec<ParseError> {
    let mut errors: Vec<ParseError> = project
        .files
        .iter()
        .filter_map(|file| {
            let error = file.error.as_ref()?;
            let place = match error {
                FileError::Syntax { place, .. } => Some(*place),
                _ => None,
            };
            Some(ParseError {
                path: file.rel.display().to_string(),
                cell: place.and_then(|p| p.cell),
                line: place.map(|p| p.line),
                column: place.map(|p| p.column),
                message: error.to_string(),
            })
        })
        .collect();
    errors.extend(project.walk_errors.iter().map(|(path, why)| ParseError {
        path: path.display().to_string(),
        cell: None,
        line: None,
        column: None,
        message: why.clone(),
    }));
    errors
}

/// `"name": value,` and a newline.
fn json_field(out: &mut impl Write, name: &str, value: &impl Serialize) -> std::io::Result<()> {
    write!(out, "\"{name}\": ")?;
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b",\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunk::HunkId;
    use std::path::Path;

    #[test]
    fn json_strings_are_written_as_serde_json_writes_them() {
        for text in [
            "plain",
            "",
            "a \"quote\"",
            "back\\slash",
            "tab\there\n",
            "\u{1}",
            "é → ü",
            "\u{7f}",
            "eight ch",
            "sixteen chars...\u{1f}",
            "longer text with a quote\" late",
            "longer text with a backslash late\\",
            "ends with a control char\u{0}",
            "\u{1f}\u{20}\u{21}\u{5b}\u{5d}\u{7e}\u{80}\u{ff}",
        ] {
            let mut out = Vec::new();
            json_str(&mut out, text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
    }

    #[test]
    fn escaping_is_needed_exactly_for_controls_quotes_and_backslashes() {
        for byte in 0..=255u8 {
            for position in 0..17 {
                let mut bytes = vec![b'a'; 17];
                bytes[position] = byte;
                let expected = byte < 0x20 || byte == b'"' || byte == b'\\';
                assert_eq!(
                    needs_escaping(&bytes),
                    expected,
                    "byte {byte:#x} at {position}"
                );
            }
        }
    }

    /// The findings and the checklist written by hand are, byte for byte, what serde_json
    /// writes for the same data (a path with a quote and a space forces real escaping).
    #[test]
    fn hand_written_json_is_what_serde_writes() {
        #[derive(Serialize)]
        struct FindingJson<'a> {
            rule: &'a str,
            path: String,
            line: usize,
            column: usize,
            message: &'a str,
            applicability: Applicability,
            checklist: &'a str,
            hunk: Option<String>,
        }
        let text = include_str!("../../fixtures/gpt/model.py");
        let file = crate::analysis::analyse_text(Path::new("a \"b\"/model.py"), text.into());
        assert!(file.findings.len() > 50 && file.hunks.iter().any(Option::is_none));
        let mut expected = Vec::new();
        for (finding, hunk) in file.findings.iter().zip(&file.hunks) {
            let (line, column) = file.location(finding.range.start);
            expected.extend_from_slice(b",\n");
            let json = FindingJson {
                rule: finding.rule,
                path: file.rel.display().to_string(),
                line,
                column,
                message: &finding.message,
                applicability: finding.applicability,
                checklist: finding.checklist,
                hunk: hunk.map(|h| h.to_string()),
            };
            serde_json::to_writer(&mut expected, &json).unwrap();
        }
        assert_eq!(
            String::from_utf8(render_json(&file)).unwrap(),
            String::from_utf8(expected).unwrap()
        );

        let checked = ProjectAnalysis {
            root: PathBuf::new(),
            files: vec![CheckedFile::of(&file, Format::Json)],
            walk_errors: Vec::new(),
            single_file: true,
        };
        let whole = ProjectAnalysis {
            root: PathBuf::new(),
            files: vec![file],
            walk_errors: Vec::new(),
            single_file: true,
        };
        let mut written = Vec::new();
        write_checklist_json(&checked, &mut written).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            serde_json::to_string(&whole.checklist()).unwrap()
        );
    }

    #[test]
    fn hunk_hex_is_what_display_writes() {
        for id in [0, 1, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
            let id = HunkId(id);
            assert_eq!(std::str::from_utf8(&id.hex()).unwrap(), id.to_string());
        }
    }
}
