//! Which rules the walk calls at a node. Most rules look at one or two kinds of node (calls,
//! assignments); asking all of them at every node was most of the walk's own cost on large
//! projects. Rules name their kinds with `Rule::kinds`; a rule that names none sees every node.

use super::{RULES, Rule};
use crate::parse::ast::{AnyNodeRef, NodeKind};
use std::sync::LazyLock;

pub struct Dispatch {
    /// Indexed by `NodeKind as usize`: indices into `RULES`, in `RULES` order.
    by_kind: Vec<Vec<usize>>,
    /// The rules that name no kinds: all a node of a kind no rule names concerns.
    everywhere: Vec<usize>,
    /// The rules for a call whose callee is not a torch name: those for calls, less the
    /// rules that act on torch callees only.
    other_calls: Vec<usize>,
}

/// The dispatch the walk uses: each rule at the kinds it names.
pub static BY_KIND: LazyLock<Dispatch> = LazyLock::new(|| Dispatch::new(RULES, true));

impl Dispatch {
    /// With `by_kind` false, every rule is called at every node (what naming kinds and
    /// `torch_callees_only` must not change).
    pub fn new(rules: &[&dyn Rule], by_kind: bool) -> Self {
        let by_kind_on = by_kind;
        let kinds = |rule: &dyn Rule| if by_kind { rule.kinds() } else { None };
        let everywhere: Vec<usize> = (0..rules.len())
            .filter(|&i| kinds(rules[i]).is_none())
            .collect();
        let named = rules.iter().filter_map(|rule| kinds(*rule)).flatten();
        let slots = named.map(|&kind| kind as usize + 1).max().unwrap_or(0);
        let by_kind: Vec<Vec<usize>> = (0..slots)
            .map(|slot| {
                (0..rules.len())
                    .filter(|&i| {
                        kinds(rules[i]).is_none_or(|own| own.iter().any(|&k| k as usize == slot))
                    })
                    .collect()
            })
            .collect();
        let calls: &Vec<usize> = by_kind
            .get(NodeKind::ExprCall as usize)
            .unwrap_or(&everywhere);
        let other_calls = calls
            .iter()
            .copied()
            .filter(|&i| !(by_kind_on && rules[i].torch_callees_only()))
            .collect();
        Self {
            by_kind,
            everywhere,
            other_calls,
        }
    }

    /// The indices (into `RULES`) of the rules to call at a call whose callee is not a torch
    /// name, in `RULES` order.
    pub fn other_calls(&self) -> &[usize] {
        &self.other_calls
    }

    /// The indices (into `RULES`) of the rules to call at `node`, in `RULES` order.
    pub fn rules<'n>(&self, node: impl Into<AnyNodeRef<'n>>) -> &[usize] {
        let kind = node.into().kind();
        self.by_kind.get(kind as usize).unwrap_or(&self.everywhere)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;
    use std::path::Path;

    fn python_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable test folder") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                python_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "py") {
                out.push(path);
            }
        }
    }

    /// A rule that names too few kinds loses findings: every fixture and conformance snippet
    /// (each rule has some) gets the same findings with and without the dispatch by kind.
    #[test]
    fn naming_kinds_changes_no_finding() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        python_files(&root.join("fixtures"), &mut files);
        python_files(&root.join("tests/conformance"), &mut files);
        assert!(files.len() > 50, "test corpus not found");
        let everywhere = Dispatch::new(RULES, false);
        let mut findings = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable");
            let Ok(module) = parse_module(&text) else {
                continue;
            };
            let by_kind = super::super::check_with(
                &text,
                &module,
                &BY_KIND,
                super::super::Deadline::none(),
                &|_, _| false,
            )
            .expect("without a deadline the walk finishes");
            findings += by_kind.len();
            assert_eq!(
                by_kind,
                super::super::check_with(
                    &text,
                    &module,
                    &everywhere,
                    super::super::Deadline::none(),
                    &|_, _| false,
                )
                .expect("without a deadline the walk finishes"),
                "{}",
                file.display()
            );
        }
        assert!(findings > 500, "too few findings to tell: {findings}");
    }
}
