//! Syntax highlighting off the UI thread. The UI asks for the lines it is about to show; a
//! worker highlights each document from its start up to there (syntect's state carries from
//! line to line), keeps where it stopped, and caches every styled line. Until a line is ready
//! the UI draws it plain, so scrolling a 10,000-line file never waits on highlighting.

use crate::tui::theme::Palette;
use ratatui::style::Style;
use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use syntect::highlighting::{HighlightIterator, HighlightState, Highlighter as Styler, Theme};
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

/// Styled byte ranges of one line.
pub type StyledLine = Vec<(Style, Range<usize>)>;

/// Documents kept highlighted; older ones are dropped first.
const CACHED_DOCUMENTS: usize = 64;
/// Lines highlighted past the requested one, so scrolling on rarely waits.
const LOOKAHEAD: usize = 200;

#[derive(Default)]
struct Cache {
    documents: HashMap<u64, Vec<StyledLine>>,
    order: VecDeque<u64>,
}

struct Request {
    document: u64,
    text: Arc<str>,
    upto: usize,
}

pub struct Highlighter {
    cache: Arc<Mutex<Cache>>,
    requests: Sender<Request>,
}

impl Highlighter {
    /// Start the worker; `ready` is called whenever newly highlighted lines can be drawn.
    pub fn start(theme: Theme, palette: Palette, ready: impl Fn() + Send + 'static) -> Self {
        let cache = Arc::new(Mutex::new(Cache::default()));
        let (requests, incoming) = channel();
        let worker_cache = Arc::clone(&cache);
        std::thread::Builder::new()
            .name("portui-highlight".into())
            .spawn(move || work(&incoming, &worker_cache, &theme, palette, &ready))
            .expect("the highlighting thread starts");
        Self { cache, requests }
    }

    /// Styled lines `lines` of `document` (`None` for lines not highlighted yet, after asking
    /// the worker for them).
    pub fn lines(
        &self,
        document: u64,
        text: &Arc<str>,
        lines: Range<usize>,
    ) -> Vec<Option<StyledLine>> {
        let cache = self.cache.lock().expect("highlight cache lock");
        let done = cache.documents.get(&document);
        let out: Vec<Option<StyledLine>> = lines
            .clone()
            .map(|line| done.and_then(|d| d.get(line).cloned()))
            .collect();
        drop(cache);
        if out.iter().any(Option::is_none) {
            // The worker ignores requests it has already satisfied.
            let _ = self.requests.send(Request {
                document,
                text: Arc::clone(text),
                upto: lines.end,
            });
        }
        out
    }
}

/// Where the worker stopped in one document.
struct Progress {
    parse: ParseState,
    highlight: HighlightState,
    offset: usize,
}

fn work(
    incoming: &Receiver<Request>,
    cache: &Mutex<Cache>,
    theme: &Theme,
    palette: Palette,
    ready: &dyn Fn(),
) {
    let syntaxes = SyntaxSet::load_defaults_newlines();
    let python = syntaxes
        .find_syntax_by_extension("py")
        .unwrap_or_else(|| syntaxes.find_syntax_plain_text());
    let styler = Styler::new(theme);
    let mut progress: HashMap<u64, Progress> = HashMap::new();
    while let Ok(mut request) = incoming.recv() {
        // Only the newest request per document matters: the UI has scrolled on since.
        while let Ok(newer) = incoming.try_recv() {
            request = newer;
        }
        let done = cache
            .lock()
            .expect("highlight cache lock")
            .documents
            .get(&request.document)
            .map_or(0, Vec::len);
        let line_count = request.text.lines().count();
        if done >= request.upto.min(line_count) {
            continue;
        }
        let state = progress
            .entry(request.document)
            .or_insert_with(|| Progress {
                parse: ParseState::new(python),
                highlight: HighlightState::new(&styler, ScopeStack::new()),
                offset: 0,
            });
        let mut styled = Vec::new();
        let target = (request.upto + LOOKAHEAD).min(line_count) - done;
        let text = &request.text;
        while styled.len() < target && state.offset < text.len() {
            let end = text[state.offset..]
                .find('\n')
                .map_or(text.len(), |i| state.offset + i + 1);
            let line = &text[state.offset..end];
            let ops = state.parse.parse_line(line, &syntaxes).unwrap_or_default();
            let mut at = 0;
            let mut spans = StyledLine::new();
            for (style, piece) in HighlightIterator::new(&mut state.highlight, &ops, line, &styler)
            {
                let piece = piece.trim_end_matches(['\n', '\r']);
                spans.push((palette.syntax(style), at..at + piece.len()));
                at += piece.len();
            }
            styled.push(spans);
            state.offset = end;
        }
        let mut cache = cache.lock().expect("highlight cache lock");
        if !cache.documents.contains_key(&request.document) {
            cache.order.push_back(request.document);
            if cache.order.len() > CACHED_DOCUMENTS
                && let Some(oldest) = cache.order.pop_front()
            {
                cache.documents.remove(&oldest);
                progress.remove(&oldest);
            }
        }
        cache
            .documents
            .entry(request.document)
            .or_default()
            .extend(styled);
        drop(cache);
        ready();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::config::ColorDepth;

    #[test]
    fn lines_arrive_styled_after_a_request() {
        let theme = crate::tui::theme::load("portui-dark", None).unwrap();
        let palette = Palette::of(&theme, ColorDepth::Truecolor);
        let (tx, rx) = channel();
        let highlighter = Highlighter::start(theme, palette, move || {
            let _ = tx.send(());
        });
        let text: Arc<str> = "import torch\n# a comment\nx = 1\n".into();
        assert!(
            highlighter
                .lines(1, &text, 0..3)
                .iter()
                .all(Option::is_none)
        );
        rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
        let lines = highlighter.lines(1, &text, 0..3);
        let comment = lines[1].as_ref().unwrap();
        assert_eq!(comment.iter().map(|(_, r)| r.len()).sum::<usize>(), 11);
        let keyword_style = lines[0].as_ref().unwrap()[0].0;
        assert_ne!(keyword_style, comment[0].0, "keyword and comment differ");
    }
}
