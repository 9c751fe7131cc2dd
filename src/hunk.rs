//! Hunks: the units a person accepts or rejects. One hunk per finding that carries edits;
//! its id hashes the rule, the original text it touches, its replacement and the lines
//! around it, so the id survives re-analysis when that part of the file did not change.

use crate::fix::apply_edits_within_into;
use crate::rules::Finding;
use serde::Serialize;
use similar::TextDiff;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct HunkId(pub u64);

impl HunkId {
    /// The 16 lowercase hex digits `Display` writes, without the formatting machinery.
    pub fn hex(self) -> [u8; 16] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0; 16];
        for (i, digit) in hex.iter_mut().enumerate() {
            *digit = DIGITS[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        hex
    }
}

impl std::fmt::Display for HunkId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// FNV-1a: stable across runs, platforms and compiler versions (unlike `DefaultHasher`).
pub fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |byte: u8| {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    };
    for part in parts {
        // A plain loop over the bytes, then the separator: chaining the separator onto the
        // bytes made every byte pay for the chain's bookkeeping.
        part.bytes().for_each(&mut mix);
        mix(0xff);
    }
    hash
}

/// How far the context of a hunk's id reaches on either side of its edits, at most. A
/// generated file can hold a hundred thousand findings on one line: hashing the whole line
/// for each would make analysis quadratic in the line's length.
const CONTEXT_BYTES: usize = 256;

/// A finding longer than this is identified by the text around its edits alone: in a chain
/// of 20,000 `.cuda()` calls each call's range holds the calls before it, and hashing each
/// would make analysis quadratic.
const LONG_FINDING_BYTES: usize = 4096;

/// The id of the hunk a finding proposes.
pub fn hunk_id(text: &str, finding: &Finding) -> HunkId {
    let mut span = finding_span(finding);
    if span.len() > LONG_FINDING_BYTES {
        span = edits_span(finding).unwrap_or(span);
    }
    let context = context_around(text, span);
    // One buffer per thread: a large project has a hundred thousand hunks.
    thread_local! {
        static REPLACEMENT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    REPLACEMENT.with_borrow_mut(|replacement| {
        replacement.clear();
        apply_edits_within_into(text, context.clone(), &finding.edits, replacement);
        HunkId(fnv1a(&[finding.rule, &text[context], replacement]))
    })
}

/// The lines around `span`, cut at `CONTEXT_BYTES` on either side (on a character boundary).
fn context_around(text: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut reach_back = span.start.saturating_sub(CONTEXT_BYTES);
    while !text.is_char_boundary(reach_back) {
        reach_back -= 1;
    }
    let mut reach_forward = (span.end + CONTEXT_BYTES).min(text.len());
    while !text.is_char_boundary(reach_forward) {
        reach_forward += 1;
    }
    let start = text[reach_back..span.start]
        .rfind('\n')
        .map_or(reach_back, |i| reach_back + i + 1);
    let end = text[span.end..reach_forward]
        .find('\n')
        .map_or(reach_forward, |n| span.end + n);
    start..end
}

/// Identical lines with identical rewrites (`k = k.view(...)` twice) would share an id, and
/// so a decision: the n-th repeat gets the id mixed with n, which stays stable as long as
/// the repeats keep their order.
pub fn distinct(ids: Vec<Option<HunkId>>) -> Vec<Option<HunkId>> {
    let mut seen: rustc_hash::FxHashMap<HunkId, u64> = rustc_hash::FxHashMap::default();
    ids.into_iter()
        .map(|id| {
            id.map(|id| {
                let count = seen.entry(id).or_insert(0);
                *count += 1;
                if *count == 1 {
                    id
                } else {
                    HunkId(fnv1a(&[&id.to_string(), &count.to_string()]))
                }
            })
        })
        .collect()
}

/// First edit start to last edit end (`None` without edits).
fn edits_span(finding: &Finding) -> Option<std::ops::Range<usize>> {
    let start = finding.edits.iter().map(|e| e.range.start).min()?;
    let end = finding.edits.iter().map(|e| e.range.end).max()?;
    Some(start..end)
}

/// The byte span a finding's edits cover (its own range when it has none).
pub fn finding_span(finding: &Finding) -> std::ops::Range<usize> {
    let start = finding
        .edits
        .iter()
        .map(|e| e.range.start)
        .min()
        .unwrap_or(finding.range.start);
    let end = finding
        .edits
        .iter()
        .map(|e| e.range.end)
        .max()
        .unwrap_or(finding.range.end);
    start.min(finding.range.start)..end.max(finding.range.end)
}

/// How long one file's diff may look for the shortest edit script.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

/// A unified diff of two texts with the given path labels (display only: edits are the truth).
pub fn unified_diff(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        // Myers takes time in the lines times the changes: when every line of a 5 MB file
        // changes that is minutes. Past the deadline the rest is shown as one replacement,
        // still a correct diff, if not the shortest.
        .deadline(std::time::Instant::now() + DIFF_DEADLINE)
        .diff_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_hunks_get_distinct_stable_ids() {
        let ids = vec![Some(HunkId(7)), None, Some(HunkId(7)), Some(HunkId(9))];
        let first = distinct(ids.clone());
        assert_eq!(first, distinct(ids));
        assert_eq!(first[0], Some(HunkId(7)));
        assert_ne!(first[0], first[2]);
        assert_eq!(first[3], Some(HunkId(9)));
    }
}
