//! What `portui rules` prints: the rules, or with `--api` the API table (every entry: the
//! torch name, what becomes of it in MLX, its status and why) and its counts per namespace.

use super::Format;
use crate::api::{Action, Entry, namespace, table};
use crate::rules::RULES;
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn rules(format: Format) -> String {
    match format {
        Format::Text => {
            let mut out = format!(
                "{:<20} {:<5} {:<20} {}\n",
                "RULE", "STEP", "CHECKLIST", "WHAT"
            );
            for rule in RULES {
                let meta = rule.meta();
                let _ = writeln!(
                    out,
                    "{:<20} {:<5} {:<20} {}",
                    meta.id, meta.step, meta.checklist, meta.summary
                );
            }
            out
        }
        Format::Json => {
            let list: Vec<serde_json::Value> = RULES
                .iter()
                .map(|rule| {
                    let meta = rule.meta();
                    serde_json::json!({"id": meta.id, "step": meta.step, "checklist": meta.checklist, "summary": meta.summary})
                })
                .collect();
            serde_json::to_string_pretty(&list).expect("rules serialise") + "\n"
        }
    }
}

/// Entries per namespace and status (`safe`, `review`, `rule`, `manual`).
pub fn api_counts() -> BTreeMap<&'static str, BTreeMap<&'static str, usize>> {
    let mut counts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for entry in &table().entries {
        *counts
            .entry(namespace(&entry.torch))
            .or_default()
            .entry(entry.status())
            .or_default() += 1;
    }
    counts
}

pub fn api(format: Format) -> String {
    let entries = &table().entries;
    match format {
        Format::Text => {
            let mut out = format!("{:<44} {:<7} {:<52} {}\n", "TORCH", "STATUS", "MLX", "WHY");
            for entry in entries {
                let _ = writeln!(
                    out,
                    "{:<44} {:<7} {:<52} {}",
                    entry.torch,
                    entry.status(),
                    entry.mlx_form(),
                    why(entry)
                );
            }
            let _ = writeln!(
                out,
                "\n{:<24} {:>6} {:>6} {:>6} {:>6} {:>6}",
                "NAMESPACE", "SAFE", "REVIEW", "RULE", "MANUAL", "ALL"
            );
            let mut totals = [0usize; 5];
            for (ns, by_status) in api_counts() {
                let row = ["safe", "review", "rule", "manual"]
                    .map(|s| by_status.get(s).copied().unwrap_or(0));
                let all: usize = row.iter().sum();
                let _ = writeln!(
                    out,
                    "{ns:<24} {:>6} {:>6} {:>6} {:>6} {all:>6}",
                    row[0], row[1], row[2], row[3]
                );
                for (total, n) in totals.iter_mut().zip(row.iter().chain([&all])) {
                    *total += n;
                }
            }
            let _ = writeln!(
                out,
                "{:<24} {:>6} {:>6} {:>6} {:>6} {:>6}",
                "all", totals[0], totals[1], totals[2], totals[3], totals[4]
            );
            out
        }
        Format::Json => {
            let list: Vec<serde_json::Value> = entries
                .iter()
                .map(|entry| {
                    serde_json::json!({
                        "torch": entry.torch,
                        "namespace": namespace(&entry.torch),
                        "status": entry.status(),
                        "mlx": entry.mlx_form(),
                        "rule": match &entry.action { Action::Rule(rule) => Some(rule.as_str()), _ => None },
                        "why": entry.why,
                        "note": entry.note,
                        "closest": entry.closest,
                        "tests": entry.tests,
                        "derived_from": entry.derived_from,
                        "origin": entry.origin,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list).expect("the table serialises") + "\n"
        }
    }
}

fn why(entry: &Entry) -> String {
    let mut why = entry.why.clone().unwrap_or_default();
    if let Some(derived) = &entry.derived_from {
        if !why.is_empty() {
            why.push(' ');
        }
        let _ = write!(why, "(from {derived})");
    }
    why
}
