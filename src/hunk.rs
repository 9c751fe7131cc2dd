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

/// The id of the hunk a finding proposes.
pub fn hunk_id(text: &str, finding: &Finding) -> HunkId {
    let span = finding_span(finding);
    let context_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let context_end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |n| span.end + n);
    let context = context_start..context_end;
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

/// A unified diff of two texts with the given path labels (display only: edits are the truth).
pub fn unified_diff(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
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
