//! The API table's entries, each tested by running torch and portui's port of it: every test
//! call of every rewrite (and rule) entry becomes generated torch functions (as written, with
//! keywords, with negative axes, at three shapes), portui ports them with every hunk
//! accepted, and `tests/py/api_cases.py` runs both sides on the same inputs. An entry passes
//! when its calls run in torch at some shape and the port agrees wherever torch ran.
//!
//! `PORTUI_API_FILTER=torch.acos,torch.Tensor.add` limits the run to entries whose name
//! contains one of the given strings (for working on the table);
//! `PORTUI_API_KEEP=DIR` keeps the generated torch and MLX modules there.

mod common;

use portui::api::{Action, Entry, ParamKind, table};
use portui::fix::Applicability;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::Path;

/// Pool names (tests/py/api_cases.py) and their rank at each family (A: 2-D, B: 3-D, C: 1-D).
const POOL: &[(&str, [usize; 3])] = &[
    ("x", [2, 3, 1]),
    ("y", [2, 3, 1]),
    ("z", [2, 3, 1]),
    ("p", [2, 3, 1]),
    ("u", [2, 3, 1]),
    ("b", [2, 3, 1]),
    ("c", [2, 3, 1]),
    ("i", [2, 3, 1]),
    ("n", [2, 3, 1]),
    ("v", [1, 1, 1]),
    ("w", [2, 2, 2]),
    ("m", [2, 3, 2]),
    ("s", [2, 3, 2]),
    ("k", [1, 1, 1]),
    ("t", [0, 0, 0]),
    ("img", [4, 4, 4]),
    ("seq", [3, 3, 3]),
    ("tok", [2, 2, 2]),
    ("lab", [1, 1, 1]),
    ("prob", [2, 2, 2]),
    ("fmap", [4, 4, 4]),
    ("vol", [5, 5, 5]),
];
const FAMILIES: [&str; 3] = ["A", "B", "C"];
const CASES_PER_MODULE: usize = 400;

struct Case {
    entry: usize,
    name: String,
    /// What it runs, for the report: `x.add_(y)` (pos, A).
    label: String,
    module: String,
    body: String,
    params: Vec<&'static str>,
    family: &'static str,
    layer_inputs: Option<Vec<String>>,
}

#[test]
fn every_table_entry_matches_torch() {
    let table = table();
    let filter: Vec<String> = std::env::var("PORTUI_API_FILTER")
        .map(|f| f.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let selected: Vec<usize> = (0..table.entries.len())
        .filter(|&i| !matches!(table.entries[i].action, Action::Manual))
        // Only a channels-last module selects these: the rule's conformance cases test them.
        .filter(|&i| !table.entries[i].needs_channels_last_module())
        // Files and downloads: their `tested-by` check runs them (src/api/mod.rs makes sure
        // it exists).
        .filter(|&i| table.entries[i].tested_by.is_none())
        .filter(|&i| {
            filter.is_empty()
                || filter
                    .iter()
                    .any(|f| table.entries[i].torch.contains(f.as_str()))
        })
        .collect();
    assert!(!selected.is_empty(), "no entries selected");
    let mut failures: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut cases = Vec::new();
    for &index in &selected {
        match cases_of(index, &table.entries[index]) {
            Ok(entry_cases) => cases.extend(entry_cases),
            Err(why) => failures.entry(index).or_default().push(why),
        }
    }
    assign_modules(&mut cases);

    let work = tempfile::tempdir().expect("temp dir");
    let keep = std::env::var_os("PORTUI_API_KEEP").map(std::path::PathBuf::from);
    let root = keep.clone().unwrap_or_else(|| work.path().to_path_buf());
    let torch_dir = root.join("cases");
    let mlx_dir = root.join("cases_mlx");
    let _ = std::fs::remove_dir_all(&torch_dir);
    let _ = std::fs::remove_dir_all(&mlx_dir);

    // First pass: a case whose call portui leaves to a person has no port to run.
    write_modules(&torch_dir, &cases);
    let analysis = common::analyse(&torch_dir);
    let mut left: HashMap<String, String> = HashMap::new();
    for file in &analysis.files {
        let Some(source) = &file.source else { continue };
        let module = file
            .rel
            .file_stem()
            .expect("a module")
            .to_string_lossy()
            .to_string();
        let mut leave = |finding: &portui::rules::Finding, why: String| {
            let (line, _) = source.lines.line_col(&source.text, finding.range.start);
            if let Some(case) = case_at(&source.text, line) {
                left.entry(format!("{module}.{case}")).or_insert(why);
            }
        };
        for finding in file
            .findings
            .iter()
            .filter(|f| f.applicability == Applicability::Manual && f.rule != "torch-import")
        {
            leave(finding, format!("{}: {}", finding.rule, finding.message));
        }
        if let Ok(ported) = portui::port::port(&source.text, &file.findings, |_| true) {
            for &conflict in &ported.conflicts {
                let finding = &file.findings[conflict];
                leave(
                    finding,
                    format!(
                        "{} overlaps another rewrite and is left out: {}",
                        finding.rule, finding.message
                    ),
                );
            }
        }
    }
    cases.retain(
        |case| match left.get(&format!("{}.{}", case.module, case.name)) {
            Some(why) => {
                failures
                    .entry(case.entry)
                    .or_default()
                    .push(format!("{}: no rewrite ({why})", case.label));
                false
            }
            None => true,
        },
    );

    // Second pass: port what is left and run both sides.
    let _ = std::fs::remove_dir_all(&torch_dir);
    write_modules(&torch_dir, &cases);
    let analysis = common::analyse(&torch_dir);
    let report = portui::write::apply(
        &analysis,
        &portui::write::Selection::AcceptAll,
        &portui::write::Target::Tree(mlx_dir.clone()),
    )
    .expect("the port is written");
    let refused: HashMap<String, String> = report
        .refused
        .iter()
        .chain(&report.conflicts)
        .map(|(path, why)| {
            (
                path.file_stem()
                    .expect("a module")
                    .to_string_lossy()
                    .to_string(),
                why.clone(),
            )
        })
        .collect();
    cases.retain(|case| match refused.get(&case.module) {
        Some(why) => {
            failures.entry(case.entry).or_default().push(format!(
                "{}: module {} not ported: {why}",
                case.label, case.module
            ));
            false
        }
        None => true,
    });
    let manifest: Vec<serde_json::Value> = cases
        .iter()
        .map(|case| {
            let entry = &table.entries[case.entry];
            serde_json::json!({
                "name": case.name,
                "module": case.module,
                "family": case.family,
                "kind": if case.layer_inputs.is_some() { "layer" } else { "call" },
                "inputs": case.layer_inputs.clone().unwrap_or_default(),
                "compare": match entry.compare {
                    portui::api::Compare::Shape => "shape",
                    portui::api::Compare::Abs => "abs",
                    portui::api::Compare::Moments => "moments",
                    portui::api::Compare::Values => "values",
                },
                "tolerance": entry.tolerance,
                "layout": if entry.channels_last { "channels-last" } else { "" },
            })
        })
        .collect();
    let manifest_path = root.join("manifest.json");
    std::fs::write(
        &manifest_path,
        serde_json::to_string(&manifest).expect("json"),
    )
    .expect("manifest written");
    let script = common::repo().join("tests/py/api_cases.py");
    let (_, stdout, stderr) = common::run_python(&[
        script.as_os_str(),
        "--manifest".as_ref(),
        manifest_path.as_os_str(),
        "--torch".as_ref(),
        torch_dir.as_os_str(),
        "--mlx".as_ref(),
        mlx_dir.as_os_str(),
    ]);
    let results: serde_json::Value =
        serde_json::from_str(stdout.trim().lines().last().unwrap_or("{}"))
            .unwrap_or_else(|e| panic!("api_cases.py printed no result ({e}):\n{}", tail(&stderr)));
    if let Some(error) = results.get("error") {
        panic!("api_cases.py failed: {error}\n{}", tail(&stderr));
    }
    let mut ran: HashMap<usize, usize> = HashMap::new();
    for case in &cases {
        let result = &results[&case.name];
        match result["status"].as_str() {
            Some("ok") => *ran.entry(case.entry).or_default() += 1,
            Some("skip") => {}
            _ => failures.entry(case.entry).or_default().push(format!(
                "{}: {}",
                case.label,
                result["error"].as_str().unwrap_or("no result")
            )),
        }
    }
    for &index in &selected {
        if !ran.contains_key(&index) && !failures.contains_key(&index) {
            failures
                .entry(index)
                .or_default()
                .push("no test call ran in torch at any shape (fix the test)".into());
        }
    }
    let passed = selected.len() - failures.len();
    eprintln!(
        "api table: {passed} of {} entries match torch",
        selected.len()
    );
    if !failures.is_empty() {
        let mut text = String::new();
        for (index, why) in &failures {
            let entry = &table.entries[*index];
            let _ = writeln!(
                text,
                "{} ({}{}):",
                entry.torch,
                entry.origin,
                entry
                    .derived_from
                    .as_ref()
                    .map(|d| format!(", from {d}"))
                    .unwrap_or_default()
            );
            for line in why.iter().take(4) {
                let _ = writeln!(text, "    {line}");
            }
        }
        panic!(
            "{} of {} API table entries fail:\n{text}",
            failures.len(),
            selected.len()
        );
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// The case function a line belongs to (generated modules hold only case functions).
fn case_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().take(line).collect();
    lines.into_iter().rev().find_map(|l| {
        l.strip_prefix("def ")
            .map(|rest| rest.split('(').next().unwrap_or_default().to_string())
    })
}

/// One test call's arguments: positional sources, then keyword (name, source) pairs; and
/// what the test takes of the result (`(torch.float32).eps`: `.eps`), if anything.
#[derive(Clone)]
struct Args {
    positional: Vec<String>,
    keywords: Vec<(String, String)>,
    suffix: String,
}

fn parse_args(test: &str) -> Result<Args, String> {
    let source = format!("f{test}\n");
    let module = portui::parse::parse_module(&source)
        .map_err(|e| format!("test `{test}` does not parse: {}", e.message))?;
    let portui::parse::ast::Stmt::Expr(stmt) = &module.body[0] else {
        return Err(format!("test `{test}` is not an argument list"));
    };
    // `(args).attr`, `(args)[0]`, `(args).method()`: the call is the innermost value of the
    // chain.
    let mut expr = stmt.value.as_ref();
    loop {
        match expr {
            portui::parse::ast::Expr::Attribute(a) => expr = a.value.as_ref(),
            portui::parse::ast::Expr::Subscript(s) => expr = s.value.as_ref(),
            portui::parse::ast::Expr::Call(c)
                if matches!(c.func.as_ref(), portui::parse::ast::Expr::Attribute(_)) =>
            {
                expr = c.func.as_ref()
            }
            _ => break,
        }
    }
    let portui::parse::ast::Expr::Call(call) = expr else {
        return Err(format!("test `{test}` is not an argument list"));
    };
    let text = |range: std::ops::Range<usize>| source[range].to_string();
    let suffix = source
        [portui::parse::span(call).end..portui::parse::span(stmt.value.as_ref()).end]
        .to_string();
    Ok(Args {
        suffix,
        positional: call
            .arguments
            .args
            .iter()
            .map(|a| text(portui::parse::span(a)))
            .collect(),
        keywords: call
            .arguments
            .keywords
            .iter()
            .map(|k| {
                (
                    k.arg.as_ref().map(|a| a.to_string()).unwrap_or_default(),
                    text(portui::parse::span(&k.value)),
                )
            })
            .collect(),
    })
}

/// The calls a test generates: as written, with keywords, with negative axes; each at the
/// three families.
fn cases_of(index: usize, entry: &Entry) -> Result<Vec<Case>, String> {
    if entry.tests.is_empty() {
        return Err("no test call".into());
    }
    // Layer classes (`torch.nn.Linear`, `einops.layers.torch.Rearrange`,
    // `torchvision.ops.misc.FrozenBatchNorm2d`), not other classes (`torch.HalfTensor`, a
    // `torch.nn.Parameter`, which is a tensor, or an empty `torch.nn.Module`, never called).
    let layer = (entry.torch.starts_with("torch.nn.")
        || entry.torch.starts_with("einops.layers.")
        || entry.torch.starts_with("torchvision.ops."))
        && entry.short_name().starts_with(char::is_uppercase)
        && !matches!(entry.short_name(), "Parameter" | "Module");
    let mut out = Vec::new();
    for test in &entry.tests {
        let (arguments, inputs) = match test.rsplit_once("->") {
            Some((arguments, inputs)) if layer => (
                arguments.trim(),
                Some(
                    inputs
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .collect::<Vec<_>>(),
                ),
            ),
            _ if layer => {
                return Err(format!(
                    "test `{test}`: a layer's test is `(constructor arguments) -> inputs`"
                ));
            }
            _ => (test.trim(), None),
        };
        let args = parse_args(arguments)?;
        let mut forms = vec![("pos", args.clone())];
        if let Some(keywords) = keyword_form(entry, &args) {
            forms.push(("kw", keywords));
        }
        for (family, family_name) in FAMILIES.iter().enumerate() {
            let mut family_forms = forms.clone();
            if let Some(negative) = negative_form(entry, &args, family) {
                family_forms.push(("neg", negative));
            }
            for (form, form_args) in family_forms {
                let call = format!("{}{}", call_text(entry, &form_args)?, form_args.suffix);
                let body = match (&inputs, entry.is_inplace()) {
                    (None, true) if !form_args.suffix.is_empty() => {
                        return Err(format!(
                            "test `{test}`: an in-place call's test takes the changed argument, not part of the result"
                        ));
                    }
                    (None, true) if entry.is_inplace() && !entry.is_method() => {
                        function_inplace_body(&form_args.positional, &call)?
                    }
                    (None, true) => inplace_body(entry, &form_args, &call)?,
                    _ => format!("    return {call}\n"),
                };
                let params = pool_names(&body);
                let name = format!("case_{index}_{}", out.len());
                out.push(Case {
                    entry: index,
                    label: format!("`{call}` ({form}, {family_name})"),
                    name,
                    module: String::new(),
                    body,
                    params: if inputs.is_some() { Vec::new() } else { params },
                    family: family_name,
                    layer_inputs: inputs.clone(),
                });
            }
        }
        // `value: F`: the torch function named as a value (`conv = F.conv2d`) becomes F, and a
        // call through it must mean the same.
        if entry.value.is_some() && inputs.is_none() && !entry.is_inplace() && !entry.is_method() {
            let call = format!("{}{}", call_text(entry, &args)?, args.suffix);
            let callee_len = call.find('(').ok_or("a call has parentheses")?;
            let body = format!(
                "    value = {}\n    return value{}\n",
                &call[..callee_len],
                &call[callee_len..]
            );
            out.push(Case {
                entry: index,
                label: format!("`{call}` (as a value, {})", FAMILIES[0]),
                name: format!("case_{index}_{}", out.len()),
                module: String::new(),
                params: pool_names(&body),
                body,
                family: FAMILIES[0],
                layer_inputs: None,
            });
        }
    }
    Ok(out)
}

fn call_text(entry: &Entry, args: &Args) -> Result<String, String> {
    let (callee, rest) = if entry.is_method() {
        let receiver = args
            .positional
            .first()
            .ok_or("a method's test needs a receiver")?;
        let identifier = receiver.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !receiver.starts_with(|c: char| c.is_ascii_digit());
        let receiver = if identifier {
            receiver.clone()
        } else {
            format!("({receiver})")
        };
        (
            format!("{receiver}.{}", entry.short_name()),
            &args.positional[1..],
        )
    } else if entry.torch.starts_with("torch.") {
        (entry.torch.clone(), &args.positional[..])
    } else {
        // A torch-only package's name is imported by name (`from einops.layers.torch import
        // Rearrange`), as real code does: see `write_modules`.
        (entry.short_name().to_string(), &args.positional[..])
    };
    let mut list: Vec<String> = rest.to_vec();
    list.extend(args.keywords.iter().map(|(k, v)| format!("{k}={v}")));
    Ok(format!("{callee}({})", list.join(", ")))
}

/// `x.add_(y)` runs on a fresh copy of the pool and the receiver is the result; so does a
/// function that changes its first argument in place (`torch._foreach_abs_([x, y])`), with
/// that argument as the result.
fn inplace_body(entry: &Entry, args: &Args, call: &str) -> Result<String, String> {
    let receiver = args
        .positional
        .first()
        .ok_or("an in-place method's test needs a receiver")?;
    if POOL.iter().any(|(name, _)| name == receiver) {
        Ok(format!("    {call}\n    return {receiver}\n"))
    } else {
        let call = if entry.is_method() {
            call.replacen(&format!("({receiver})"), "r", 1)
        } else {
            let mut renamed = args.clone();
            renamed.positional[0] = "r".into();
            call_text(entry, &renamed)?
        };
        Ok(format!("    r = {receiver}\n    {call}\n    return r\n"))
    }
}

/// `F.relu_(x)`, `nn.init.zeros_(x[0])`: the call modifies its first argument (or the pool
/// array it is a view of) in place; the result is that array.
fn function_inplace_body(positional: &[String], call: &str) -> Result<String, String> {
    let first = positional
        .first()
        .ok_or("an in-place function's test needs an argument")?;
    let root: String = first
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if !POOL.iter().any(|(name, _)| *name == root) {
        return Err(format!(
            "an in-place function's first argument `{first}` is not a pool array or a view of one"
        ));
    }
    Ok(format!("    {call}\n    return {root}\n"))
}

/// Positional arguments after the first (after the receiver, for a method) passed by name
/// instead; `None` when there are none, or one fills varargs.
fn keyword_form(entry: &Entry, args: &Args) -> Option<Args> {
    // A method's `self` is its receiver; torch's `_foreach_*` functions name their first
    // parameter `self` too, and it is an argument there.
    let params: Vec<_> = entry
        .params
        .iter()
        .filter(|p| !(entry.is_method() && p.name == "self"))
        .collect();
    let offset = usize::from(entry.is_method());
    let keep = offset + usize::from(!entry.is_method());
    if args.positional.len() <= keep {
        return None;
    }
    let mut keywords = Vec::new();
    for (i, value) in args.positional.iter().enumerate().skip(keep) {
        let param = params.get(i - offset)?;
        if param.kind != ParamKind::Positional {
            return None;
        }
        keywords.push((param.name.clone(), value.clone()));
    }
    keywords.extend(args.keywords.iter().cloned());
    Some(Args {
        suffix: args.suffix.clone(),
        positional: args.positional[..keep].to_vec(),
        keywords,
    })
}

/// Non-negative literal axes made negative, where the rank of the first argument is known.
fn negative_form(entry: &Entry, args: &Args, family: usize) -> Option<Args> {
    let first = args.positional.first()?;
    let rank = POOL.iter().find(|(name, _)| name == first)?.1[family] as i64;
    // A method's `self` is its receiver; torch's `_foreach_*` functions name their first
    // parameter `self` too, and it is an argument there.
    let params: Vec<_> = entry
        .params
        .iter()
        .filter(|p| !(entry.is_method() && p.name == "self"))
        .collect();
    let offset = usize::from(entry.is_method());
    let axis_param = |name: &str| name.contains("dim") || name.contains("axis");
    let negate = |value: &str| -> Option<String> {
        if let Ok(d) = value.parse::<i64>() {
            return (d >= 0 && d < rank).then(|| (d - rank).to_string());
        }
        let inner = value.strip_prefix('(')?.strip_suffix(')')?;
        let items: Option<Vec<String>> = inner
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|d| *d >= 0 && *d < rank)
                    .map(|d| (d - rank).to_string())
            })
            .collect();
        items.map(|items| format!("({},)", items.join(", ")))
    };
    let mut changed = false;
    let mut negative = args.clone();
    for (i, value) in negative.positional.iter_mut().enumerate().skip(offset) {
        let param = params.get(i - offset)?;
        if axis_param(&param.name)
            && param.kind == ParamKind::Positional
            && let Some(flipped) = negate(value)
        {
            *value = flipped;
            changed = true;
        }
    }
    for (name, value) in &mut negative.keywords {
        if axis_param(name)
            && let Some(flipped) = negate(value)
        {
            *value = flipped;
            changed = true;
        }
    }
    changed.then_some(negative)
}

/// The pool names a case body reads (not attributes: `x.shape` reads `x`).
fn pool_names(body: &str) -> Vec<&'static str> {
    let mut names = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &body[start..i];
            let after_dot = start > 0 && bytes[start - 1] == b'.';
            let in_string = body[..start].matches('"').count() % 2 == 1;
            if !after_dot
                && !in_string
                && let Some((name, _)) = POOL.iter().find(|(name, _)| *name == word)
                && !names.contains(name)
            {
                names.push(*name);
            }
        } else {
            i += 1;
        }
    }
    names
}

fn assign_modules(cases: &mut [Case]) {
    for (i, case) in cases.iter_mut().enumerate() {
        case.module = format!("cases_{:03}", i / CASES_PER_MODULE);
    }
}

fn write_modules(dir: &Path, cases: &[Case]) {
    std::fs::create_dir_all(dir).expect("cases dir");
    let mut modules: BTreeMap<&str, String> = BTreeMap::new();
    let table = table();
    let mut imports: BTreeMap<&str, std::collections::BTreeSet<String>> = BTreeMap::new();
    for case in cases {
        let entry = &table.entries[case.entry];
        if !entry.torch.starts_with("torch.")
            && let Some((module, name)) = entry.torch.rsplit_once('.')
        {
            imports
                .entry(&case.module)
                .or_default()
                .insert(format!("from {module} import {name}\n"));
        }
    }
    for case in cases {
        let text = modules.entry(&case.module).or_insert_with(|| {
            let mut header = "import numpy as np\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n".to_string();
            header.extend(imports.get(case.module.as_str()).into_iter().flatten().cloned());
            header
        });
        let params: Vec<String> = case
            .params
            .iter()
            .map(|p| format!("{p}: torch.Tensor"))
            .collect();
        let _ = write!(
            text,
            "\n\n# {}\ndef {}({}):\n{}",
            case.label,
            case.name,
            params.join(", "),
            case.body
        );
    }
    for (module, text) in modules {
        std::fs::write(dir.join(format!("{module}.py")), text).expect("module written");
    }
}

/// `torch.autograd.Function` subclasses port onto portui_shims.Function: values and every
/// gradient through their hand-written backward match torch's (tests/py/autograd_function.py).
#[test]
fn the_autograd_function_shim_differentiates_as_torch_does() {
    let script = common::repo().join("tests/py/autograd_function.py");
    let shims = common::repo().join("src/port");
    let (ok, stdout, stderr) = common::run_python(&[script.as_os_str(), shims.as_os_str()]);
    assert!(ok && stdout.trim() == "ok", "{stdout}\n{stderr}");
}
