//! Jupyter notebooks (`.ipynb`, nbformat 4) as one Python source: every code cell, in order,
//! after a marker line naming its cell (`# ── cell 3 ──`), so the rules, hunks, diffs and the
//! session work on a notebook as on a `.py` file, and the marker lines show the cells' edges.
//! Cells are numbered from 1 in the notebook's order, markdown and raw cells included, so
//! `cell 3` is the third cell a person sees.
//!
//! IPython syntax (`%matplotlib inline`, `!pip install x`, `files = !ls`, `%%time`, a
//! `%%bash` cell) is not Python: it is masked, at the same length, into comments (or `0#...`
//! for an assigned shell command) so the source parses and every offset stays exact; writing
//! the notebook back puts the original lines back.

use serde_json::Value;
use std::path::Path;

/// Cell magics whose body is Python: only their first line is masked. Any other cell magic
/// (`%%bash`, `%%writefile`, `%%html`...) makes the whole cell not Python.
const PYTHON_CELL_MAGICS: &[&str] = &[
    "time", "timeit", "capture", "prun", "debug", "py", "python", "python3",
];

pub fn is_notebook(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "ipynb")
}

fn marker(cell: usize) -> String {
    format!("# ── cell {cell} ──")
}

/// The cell a marker line names.
fn marker_cell(line: &str) -> Option<usize> {
    line.strip_prefix("# ── cell ")?
        .strip_suffix(" ──")?
        .parse()
        .ok()
}

/// The notebook's code cells as one source (see the module doc).
pub fn to_source(json: &str) -> Result<String, String> {
    let notebook: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    if notebook["nbformat"].as_u64() != Some(4) {
        return Err("not an nbformat 4 notebook".into());
    }
    let cells = notebook["cells"].as_array().ok_or("no `cells` list")?;
    let mut text = String::new();
    for (index, cell) in cells.iter().enumerate() {
        if cell["cell_type"] != "code" {
            continue;
        }
        text.push_str(&marker(index + 1));
        text.push('\n');
        let source = cell_source(cell);
        text.push_str(&mask(&source));
        if !source.is_empty() && !source.ends_with('\n') {
            text.push('\n');
        }
    }
    Ok(text)
}

/// nbformat stores a cell's source as a string or a list of lines.
fn cell_source(cell: &Value) -> String {
    match &cell["source"] {
        Value::String(text) => text.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

/// IPython syntax masked into Python of the same length, line by line.
pub fn mask(cell: &str) -> String {
    let first = cell.lines().next().unwrap_or("").trim_start();
    let whole_cell = first.strip_prefix("%%").is_some_and(|magic| {
        let name = magic.split_whitespace().next().unwrap_or("");
        !PYTHON_CELL_MAGICS.contains(&name)
    });
    cell.split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| {
            if whole_cell || (i == 0 && first.starts_with("%%")) {
                comment_out(line)
            } else {
                mask_line(line)
            }
        })
        .collect()
}

fn mask_line(line: &str) -> String {
    let code = line.trim_start();
    let indent = line.len() - code.len();
    if code.starts_with(['%', '!', '?']) {
        return comment_out(line);
    }
    // `name = !cmd` / `name = %magic`: the value becomes `0`, the rest a comment.
    if let Some((target, value)) = code.split_once('=')
        && is_name(target.trim())
        && !value.starts_with('=')
    {
        let value_start = indent + target.len() + 1 + (value.len() - value.trim_start().len());
        let magic = &line[value_start..];
        if magic.starts_with(['%', '!']) && magic.trim_end().len() >= 2 {
            let mut masked = line.to_string();
            masked.replace_range(value_start..value_start + 2, "0#");
            return masked;
        }
    }
    line.to_string()
}

fn is_name(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// The line's first character becomes `#` (a wide character: `#` and spaces to its length).
fn comment_out(line: &str) -> String {
    let code = line.trim_start();
    let Some(first) = code.chars().next().filter(|c| *c != '\n' && *c != '\r') else {
        return line.to_string();
    };
    let indent = line.len() - code.len();
    format!(
        "{}#{}{}",
        &line[..indent],
        " ".repeat(first.len_utf8() - 1),
        &code[first.len_utf8()..]
    )
}

/// Where each cell starts in a notebook's source: `(marker line, cell)`, 1-based lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellMap {
    markers: Vec<(usize, usize)>,
}

impl CellMap {
    pub fn of(source: &str) -> Self {
        let markers = source
            .lines()
            .enumerate()
            .filter_map(|(i, line)| marker_cell(line).map(|cell| (i + 1, cell)))
            .collect();
        Self { markers }
    }

    /// `(cell, line within the cell)` of a 1-based line of the source; `None` on a marker
    /// line or before the first cell.
    pub fn locate(&self, line: usize) -> Option<(usize, usize)> {
        let at = self.markers.partition_point(|&(start, _)| start < line);
        let (start, cell) = *self.markers.get(at.checked_sub(1)?)?;
        Some((cell, line - start))
    }
}

/// The notebook `original` (its JSON) with its code cells replaced by the cells of `ported`
/// (a port of `to_source(original)`). Cells whose code changed lose their outputs and
/// execution count; every other cell, and the metadata, stay as they were. Written as nbformat
/// writes (sorted keys, one-space indent), so an untouched notebook is byte-identical.
pub fn write_back(original: &str, ported: &str) -> Result<String, String> {
    let mut notebook: Value =
        serde_json::from_str(original).map_err(|e| format!("not JSON: {e}"))?;
    let mut ported_cells = split(ported);
    let cells = notebook["cells"].as_array_mut().ok_or("no `cells` list")?;
    for (index, cell) in cells.iter_mut().enumerate() {
        if cell["cell_type"] != "code" {
            continue;
        }
        let old = cell_source(cell);
        let new = ported_cells
            .remove(&(index + 1))
            .ok_or_else(|| format!("the port lost the marker of cell {}", index + 1))?;
        let mut new = unmask(&old, &new);
        if !old.ends_with('\n') && new.ends_with('\n') {
            new.pop();
        }
        if new == old {
            continue;
        }
        cell["source"] = Value::Array(
            new.split_inclusive('\n')
                .map(|l| Value::String(l.into()))
                .collect(),
        );
        cell["outputs"] = Value::Array(Vec::new());
        cell["execution_count"] = Value::Null;
    }
    if let Some(cell) = ported_cells.keys().next() {
        return Err(format!("the port has a cell {cell} the notebook lacks"));
    }
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&notebook, &mut serializer).map_err(|e| e.to_string())?;
    let mut text = String::from_utf8(out).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// Each cell's text in a notebook source; text before the first marker (an import a rewrite
/// put at the very top) belongs to the first cell.
fn split(source: &str) -> std::collections::BTreeMap<usize, String> {
    let mut cells = std::collections::BTreeMap::new();
    let mut before = String::new();
    let mut current: Option<(usize, String)> = None;
    for line in source.split_inclusive('\n') {
        if let Some(cell) = marker_cell(line.trim_end_matches(['\n', '\r'])) {
            let text = match current.take() {
                Some((previous, text)) => {
                    cells.insert(previous, text);
                    String::new()
                }
                None => std::mem::take(&mut before),
            };
            current = Some((cell, text));
        } else {
            match &mut current {
                Some((_, text)) => text.push_str(line),
                None => before.push_str(line),
            }
        }
    }
    if let Some((cell, text)) = current {
        cells.insert(cell, text);
    }
    cells
}

/// `ported` (a cell's masked, ported text) with the IPython lines of `original` back: each
/// masked line is found again, in order, and replaced by its original.
fn unmask(original: &str, ported: &str) -> String {
    let mut masked_lines = original
        .split_inclusive('\n')
        .zip(mask(original).split_inclusive('\n'))
        .filter(|(before, after)| before != after)
        .map(|(before, after)| (before.to_string(), after.to_string()))
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    let mut out = String::with_capacity(ported.len());
    for line in ported.split_inclusive('\n') {
        match masked_lines.peek() {
            Some((before, after)) if same_line(after, line) => {
                out.push_str(before.trim_end_matches('\n'));
                if line.ends_with('\n') {
                    out.push('\n');
                }
                masked_lines.next();
            }
            _ => out.push_str(line),
        }
    }
    out
}

fn same_line(a: &str, b: &str) -> bool {
    a.trim_end_matches('\n') == b.trim_end_matches('\n')
}

#[cfg(test)]
mod tests;
