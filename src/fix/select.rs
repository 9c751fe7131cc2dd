//! Choosing the fixes that can be applied together, in time linear in their number: each
//! edit is checked only against the accepted edits near it, found by position.

use super::{Edit, Fix};
use std::collections::BTreeMap;
use std::ops::Range;

/// An edit at most this long is found by its start; longer ones (a deleted
/// statement, a rewritten call spanning lines) are few and are checked one by one.
const SHORT_EDIT_BYTES: usize = 4096;

/// Edits, found by position.
#[derive(Default)]
pub struct EditsByPosition<'a> {
    short_by_start: BTreeMap<usize, Vec<&'a Edit>>,
    /// The longest of the short edits: how far before a range one can start and reach it.
    longest_short: usize,
    long: Vec<&'a Edit>,
}

impl<'a> EditsByPosition<'a> {
    pub fn add(&mut self, edit: &'a Edit) {
        if edit.range.len() <= SHORT_EDIT_BYTES {
            self.longest_short = self.longest_short.max(edit.range.len());
            self.short_by_start
                .entry(edit.range.start)
                .or_default()
                .push(edit);
        } else {
            self.long.push(edit);
        }
    }

    /// Every edit that touches `range` (ends of ranges included), and maybe a few
    /// that do not: all the edits that can conflict with an edit of `range` or contain it.
    pub fn near(&self, range: &Range<usize>) -> impl Iterator<Item = &'a Edit> + '_ {
        self.short_by_start
            .range(range.start.saturating_sub(self.longest_short)..=range.end)
            .flat_map(|(_, edits)| edits.iter().copied())
            .chain(self.long.iter().copied())
    }

    fn compatible(&self, fix: &Fix) -> bool {
        fix.edits
            .iter()
            .all(|edit| self.near(&edit.range).all(|other| edit.compatible(other)))
            && fix
                .edits
                .iter()
                .enumerate()
                .all(|(i, a)| fix.edits[i + 1..].iter().all(|b| a.compatible(b)))
    }

    /// Whether every edit of `fix` is already accepted, as it is: two rules proposing the
    /// same rewrite (`torch.Size` in an annotation) compose into one edit.
    fn contain(&self, fix: &Fix) -> bool {
        fix.edits
            .iter()
            .all(|edit| self.near(&edit.range).any(|other| other == edit))
    }

    /// Whether every edit of `fix` lies inside text that an accepted edit replaces (outside
    /// its holes): the accepted rewrite deliberately drops that text, so this is not a
    /// conflict worth reporting.
    fn subsume(&self, fix: &Fix) -> bool {
        fix.edits.iter().all(|edit| {
            self.near(&edit.range).any(|outer| {
                outer.range.start <= edit.range.start
                    && edit.range.end <= outer.range.end
                    && !outer.hosts(&edit.range)
                    && outer.range != edit.range
            })
        })
    }
}

/// Pick the fixes that can be applied together. Deterministic: fixes are considered in the
/// order given (callers sort by position, then rule order); a fix whose edits are all
/// accepted already is kept (its rewrite happens; apply each distinct edit once); a fix that
/// conflicts with an earlier one is returned in the second list so the conflict can be
/// reported, unless the accepted edits drop all of its text on purpose.
pub fn select_compatible<'a>(fixes: impl IntoIterator<Item = &'a Fix>) -> (Vec<usize>, Vec<usize>) {
    let mut accepted = EditsByPosition::default();
    let (mut kept, mut conflicting) = (Vec::new(), Vec::new());
    for (index, fix) in fixes.into_iter().enumerate() {
        if !fix.edits.is_empty() && accepted.contain(fix) {
            kept.push(index);
        } else if accepted.compatible(fix) {
            fix.edits.iter().for_each(|edit| accepted.add(edit));
            kept.push(index);
        } else {
            conflicting.push((index, fix));
        }
    }
    let conflicting = conflicting
        .into_iter()
        .filter(|(_, fix)| !accepted.subsume(fix))
        .map(|(index, _)| index)
        .collect();
    (kept, conflicting)
}
