//! Edits are the truth: every rewrite is a list of byte-range replacements on the ORIGINAL
//! text. A replacement may splice original sub-ranges back in (`Piece::Source`, a "hole"), so
//! a rule that reorders arguments (`x.masked_fill(m, v)` → `mx.where(m, v, x)`) keeps the
//! edits other rules made inside `m`, `v` and `x`: nested fixes stay independently
//! acceptable, and no rule ever regenerates code from the AST.

mod select;

pub use select::{EditsByPosition, select_compatible};
use serde::Serialize;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Semantics preserved; fine to accept in bulk (`apply --safe-only`).
    Safe,
    /// Usually right, but a person should look (reordered arguments, a guessed type).
    Review,
    /// No automatic rewrite: the finding says what to do.
    Manual,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Review => "review",
            Self::Manual => "manual",
        }
    }
}

/// Part of a replacement: literal text, or an original range rendered with the accepted
/// edits inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Piece {
    Text(String),
    Source(Range<usize>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: Range<usize>,
    pub pieces: Vec<Piece>,
}

impl Edit {
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Self {
            range,
            pieces: vec![Piece::Text(text.into())],
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Self::replace(at..at, text)
    }

    pub fn delete(range: Range<usize>) -> Self {
        Self::replace(range, "")
    }

    /// A replacement built from pieces; adjacent texts are merged so equal edits compare equal.
    pub fn template(range: Range<usize>, pieces: Vec<Piece>) -> Self {
        let mut merged: Vec<Piece> = Vec::with_capacity(pieces.len());
        for piece in pieces {
            match (merged.last_mut(), piece) {
                (Some(Piece::Text(last)), Piece::Text(next)) => last.push_str(&next),
                (_, Piece::Text(next)) if next.is_empty() => {}
                (_, piece) => merged.push(piece),
            }
        }
        Self {
            range,
            pieces: merged,
        }
    }

    fn holes(&self) -> impl Iterator<Item = &Range<usize>> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Source(range) => Some(range),
            Piece::Text(_) => None,
        })
    }

    /// Whether `inner` lies inside one of this edit's holes (and so composes with it).
    pub(crate) fn hosts(&self, inner: &Range<usize>) -> bool {
        self.holes()
            .any(|hole| hole.start <= inner.start && inner.end <= hole.end)
    }

    /// Replaces its range with nothing.
    fn is_deletion(&self) -> bool {
        self.pieces
            .iter()
            .all(|p| matches!(p, Piece::Text(t) if t.is_empty()))
    }

    fn swallows(&self, inner: &Range<usize>) -> bool {
        self.is_deletion()
            && !self.range.is_empty()
            && self.range.start <= inner.start
            && inner.end <= self.range.end
    }

    /// Whether `inner` lies in text this edit replaces and none of its holes keeps: a rewrite
    /// that drops `, device=d` makes another rewrite removing that keyword moot, not wrong.
    fn drops(&self, inner: &Range<usize>) -> bool {
        // An insertion at a hole's edge could belong on either side: not dropped.
        let apart = |hole: &Range<usize>| match inner.is_empty() {
            true => inner.end < hole.start || hole.end < inner.start,
            false => inner.end <= hole.start || hole.end <= inner.start,
        };
        // Text sharing an end with this edit is still replaced by it (the renderer takes the
        // outer edit first); an empty range there is an insertion beside it, not inside.
        let inside = match inner.is_empty() {
            true => self.range.start < inner.start && inner.end < self.range.end,
            false => {
                self.range.start <= inner.start
                    && inner.end <= self.range.end
                    && *inner != self.range
            }
        };
        inside && self.holes().all(apart)
    }

    pub(crate) fn compatible(&self, other: &Edit) -> bool {
        // Two findings making the same edit (a device variable and the cast it drops the
        // device of): it is applied once.
        if self == other {
            return true;
        }
        let disjoint = self.range.end <= other.range.start || other.range.end <= self.range.start;
        if self.swallows(&other.range) || other.swallows(&self.range) {
            return true;
        }
        if self.drops(&other.range) || other.drops(&self.range) {
            return true;
        }
        let same_insertion_point = self.range.is_empty()
            && other.range.is_empty()
            && self.range.start == other.range.start;
        (disjoint && !same_insertion_point) || self.hosts(&other.range) || other.hosts(&self.range)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fix {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

impl Fix {
    pub fn new(applicability: Applicability, edits: Vec<Edit>) -> Self {
        Self {
            edits,
            applicability,
        }
    }

    pub fn safe(edits: Vec<Edit>) -> Self {
        Self::new(Applicability::Safe, edits)
    }

    pub fn review(edits: Vec<Edit>) -> Self {
        Self::new(Applicability::Review, edits)
    }

    /// The byte range the fix touches, first edit start to last edit end.
    pub fn span(&self) -> Range<usize> {
        let start = self.edits.iter().map(|e| e.range.start).min().unwrap_or(0);
        let end = self.edits.iter().map(|e| e.range.end).max().unwrap_or(0);
        start..end
    }
}

/// Apply mutually compatible edits to `text`. Edits nested in a hole are rendered inside it.
pub fn apply_edits(text: &str, edits: &[&Edit]) -> String {
    apply_edits_within(text, 0..text.len(), edits)
}

/// `within` of `text` with the edits inside it applied: what `apply_edits` gives for
/// `&text[within]` and the edits shifted to it, without copying the edits.
pub fn apply_edits_within(text: &str, within: Range<usize>, edits: &[&Edit]) -> String {
    let mut out = String::with_capacity(within.len() + within.len() / 8);
    apply_edits_within_into(text, within, edits.iter().copied(), &mut out);
    out
}

/// `apply_edits_within`, appended to `out` (a buffer reused across many calls).
pub fn apply_edits_within_into<'e>(
    text: &str,
    within: Range<usize>,
    edits: impl IntoIterator<Item = &'e Edit>,
    out: &mut String,
) {
    let mut sorted: Vec<&Edit> = edits.into_iter().collect();
    // By start; at one start, insertions first (they render before an edit starting there),
    // then outer edits before the edits nested in them; of two edits of one range, a
    // replacement before a deletion (`, device=d` → `)` also drops what the deletion drops).
    sorted.sort_by_key(|edit| {
        (
            edit.range.start,
            !edit.range.is_empty(),
            std::cmp::Reverse(edit.range.end),
            edit.is_deletion(),
        )
    });
    render(text, within, &sorted, &mut Vec::new(), out);
}

/// Render `within`, with the edits inside it. A hole is rendered afresh each time it appears
/// (a template may use one hole twice), with the edits nested in it; `hosts` are the edits
/// whose holes are being rendered. An insertion exactly at a host's start or end belongs
/// outside that host (it was rendered, or will be, next to it), never inside its hole.
fn render<'e>(
    text: &str,
    within: Range<usize>,
    edits: &[&'e Edit],
    hosts: &mut Vec<&'e Edit>,
    out: &mut String,
) {
    let first = edits.partition_point(|edit| edit.range.start < within.start);
    let mut cursor = within.start;
    for &edit in &edits[first..] {
        if edit.range.start > within.end {
            break;
        }
        let is_host = hosts.iter().any(|host| std::ptr::eq(*host, edit));
        let at_host_boundary = edit.range.is_empty()
            && hosts.iter().any(|host| {
                host.range.start == edit.range.start || host.range.end == edit.range.start
            });
        if edit.range.end > within.end || edit.range.start < cursor || is_host || at_host_boundary {
            continue; // outside this window, nested in an edit already rendered, or outside its host
        }
        out.push_str(&text[cursor..edit.range.start]);
        hosts.push(edit);
        for piece in &edit.pieces {
            match piece {
                Piece::Text(literal) => out.push_str(literal),
                Piece::Source(hole) => render(text, hole.clone(), edits, hosts, out),
            }
        }
        hosts.pop();
        cursor = edit.range.end;
    }
    out.push_str(&text[cursor..within.end]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(range: Range<usize>) -> Piece {
        Piece::Source(range)
    }
    fn txt(s: &str) -> Piece {
        Piece::Text(s.into())
    }

    #[test]
    fn nested_edit_is_rendered_inside_its_host_hole() {
        // x.masked_fill(m, v) with `m` renamed inside the reordering edit.
        let text = "x.masked_fill(m, v)";
        let outer = Edit::template(
            0..19,
            vec![
                txt("mx.where("),
                src(14..15),
                txt(", "),
                src(17..18),
                txt(", "),
                src(0..1),
                txt(")"),
            ],
        );
        let inner = Edit::replace(14..15, "mask");
        assert_eq!(apply_edits(text, &[&outer, &inner]), "mx.where(mask, v, x)");
        assert_eq!(apply_edits(text, &[&outer]), "mx.where(m, v, x)");
        assert_eq!(apply_edits(text, &[&inner]), "x.masked_fill(mask, v)");
    }

    #[test]
    fn overlapping_fixes_conflict_deterministically() {
        let a = Fix::safe(vec![Edit::replace(0..5, "a")]);
        let b = Fix::safe(vec![Edit::replace(3..8, "b")]);
        let c = Fix::safe(vec![Edit::replace(8..9, "c")]);
        let (kept, conflicting) = select_compatible([&a, &b, &c]);
        assert_eq!(kept, vec![0, 2]);
        assert_eq!(conflicting, vec![1]);
    }

    #[test]
    fn untouched_text_is_byte_identical() {
        let text = "a  =  1 # keep\nb = 2\n";
        let edit = Edit::replace(15..16, "c");
        assert_eq!(apply_edits(text, &[&edit]), "a  =  1 # keep\nc = 2\n");
    }

    #[test]
    fn insertions_and_deletions_compose() {
        let text = "f(a, b)";
        let edits = [
            Edit::insert(2, "("),
            Edit::insert(6, ",)"),
            Edit::delete(0..1),
        ];
        let refs: Vec<&Edit> = edits.iter().collect();
        assert_eq!(apply_edits(text, &refs), "((a, b,))");
    }

    #[test]
    fn insertion_before_a_replacement_at_the_same_offset() {
        let text = "import torch\nx = 1\n";
        let edits = [
            Edit::delete(0..13),
            Edit::insert(0, "import mlx.core as mx\n"),
        ];
        let refs: Vec<&Edit> = edits.iter().collect();
        assert_eq!(apply_edits(text, &refs), "import mlx.core as mx\nx = 1\n");
    }

    #[test]
    fn insertion_at_a_host_start_goes_before_the_host() {
        // torch.randint(x.detach().sum(), ...): randint inserts `0, ` before its first argument,
        // which starts where the detach rewrite starts.
        let text = "x.detach().sum()";
        let host = Edit::template(0..10, vec![txt("mx.stop_gradient("), src(0..1), txt(")")]);
        let before = Edit::insert(0, "0, ");
        assert_eq!(
            apply_edits(text, &[&host, &before]),
            "0, mx.stop_gradient(x).sum()"
        );
    }

    #[test]
    fn a_hole_used_twice_gets_its_nested_edits_twice() {
        let text = "f(h)";
        let twice = Edit::template(
            0..4,
            vec![txt("["), src(2..3), txt(", 2 * "), src(2..3), txt("]")],
        );
        let inner = Edit::replace(2..3, "H");
        assert_eq!(apply_edits(text, &[&twice, &inner]), "[H, 2 * H]");
    }

    #[test]
    fn a_deleted_line_swallows_edits_inside_it() {
        let text = "    x.cuda()\n    y\n";
        let dedent = Fix::safe(vec![Edit::delete(0..4), Edit::delete(13..17)]);
        let delete_line = Fix::safe(vec![Edit::delete(0..13)]);
        let (kept, conflicting) = select_compatible([&dedent, &delete_line]);
        assert_eq!((kept.len(), conflicting.len()), (2, 0));
        let edits: Vec<&Edit> = dedent.edits.iter().chain(&delete_line.edits).collect();
        assert_eq!(apply_edits(text, &edits), "y\n");
    }

    #[test]
    fn a_replacement_wins_over_a_deletion_of_the_same_range() {
        // torch.empty(b, w, device=dev): the device rule deletes `, device=dev`, the API
        // table's rewrite replaces it with the `)` closing the shape tuple.
        let text = "f(b, w, device=dev)";
        let deletion = Edit::delete(6..18);
        let replacement = Edit::replace(6..18, ")");
        for edits in [[&deletion, &replacement], [&replacement, &deletion]] {
            assert_eq!(apply_edits(text, &edits), "f(b, w))");
        }
    }

    #[test]
    fn an_edit_in_text_another_drops_is_moot() {
        // torch.arange(t, device=d): one rewrite drops `, device=d` with the call, another
        // (the device variable's) removes the keyword alone.
        let text = "f(t, device=d)";
        let call = Edit::template(0..14, vec![txt("g("), src(2..3), txt(")")]);
        let keyword = Edit::delete(3..13);
        let (kept, conflicting) = select_compatible([
            &Fix::safe(vec![keyword.clone()]),
            &Fix::safe(vec![call.clone()]),
        ]);
        assert_eq!((kept.len(), conflicting.len()), (2, 0));
        assert_eq!(apply_edits(text, &[&keyword, &call]), "g(t)");
        // An edit reaching into a hole is still a conflict.
        let straddling = Edit::delete(2..5);
        assert!(!call.compatible(&straddling));
    }

    #[test]
    fn fixes_sharing_an_edit_compose_and_apply_it_once() {
        // Two bindings of one device variable each drop the device of the same cast
        // (`t.to(device=d, dtype=f)` → `t.astype(f)`), beside deleting their own statement.
        let text = "d = a\nd = b\nt.to(device=d, dtype=f)";
        let cast = Edit::template(
            12..35,
            vec![src(12..13), txt(".astype("), src(33..34), txt(")")],
        );
        let first = Fix::safe(vec![Edit::delete(0..6), cast.clone()]);
        let second = Fix::safe(vec![Edit::delete(6..12), cast.clone()]);
        let (kept, conflicting) = select_compatible([&first, &second]);
        assert_eq!((kept.len(), conflicting.len()), (2, 0));
        let edits: Vec<&Edit> = vec![&first.edits[0], &cast, &second.edits[0]];
        assert_eq!(apply_edits(text, &edits), "t.astype(f)");
    }

    #[test]
    fn doubly_nested_holes() {
        let text = "f(g(h))";
        let outer = Edit::template(0..7, vec![txt("F["), src(2..6), txt("]")]);
        let middle = Edit::template(2..6, vec![txt("G["), src(4..5), txt("]")]);
        let inner = Edit::replace(4..5, "H");
        assert_eq!(apply_edits(text, &[&inner, &outer, &middle]), "F[G[H]]");
        let (kept, _) = select_compatible([
            &Fix::safe(vec![outer]),
            &Fix::safe(vec![middle]),
            &Fix::safe(vec![inner]),
        ]);
        assert_eq!(kept, vec![0, 1, 2]);
    }
}
