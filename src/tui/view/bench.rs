//! The benchmark pane. It shows only what a run really measured; before any run it says how
//! the benchmark is configured, or how to configure it.

use super::{Context, inner, pane_block};
use crate::tui::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Paragraph, Wrap};

/// What the pane knows about the benchmark.
#[derive(Debug, Clone, PartialEq)]
pub enum BenchView {
    /// `portui.toml` has no `[bench]` section (or no `portui.toml`).
    Unconfigured,
    /// `portui.toml` could not be read.
    Invalid(String),
    /// Configured, never run in this session.
    Ready { model: String },
}

impl BenchView {
    /// Read `<root>/portui.toml` (never runs anything).
    pub fn from_project(root: &std::path::Path) -> Self {
        let path = root.join("portui.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(_) => return Self::Unconfigured,
        };
        match text.parse::<toml::Table>() {
            Ok(table) => match table.get("bench").and_then(|b| b.get("model")) {
                Some(model) => Self::Ready {
                    model: model.as_str().unwrap_or_default().to_string(),
                },
                None => Self::Unconfigured,
            },
            Err(e) => Self::Invalid(format!("{}: {e}", path.display())),
        }
    }
}

const HOW_TO_CONFIGURE: &str = "Not configured. Add to portui.toml at the project root:\n\
[bench]\n\
file = \"model.py\"\n\
model = \"GPT(GPTConfig(n_layer=2))\"\n\
inputs = [{ shape = [2, 16], dtype = \"int64\", low = 0, high = 100 }]\n\
See the README (Benchmark).";

pub fn draw(frame: &mut Frame, area: Rect, app: &App, context: &Context) {
    let palette = &context.palette;
    frame.render_widget(pane_block(Pane::Bench, "", app, palette), area);
    let (text, color) = match context.bench {
        BenchView::Unconfigured => (HOW_TO_CONFIGURE.to_string(), palette.dim),
        BenchView::Invalid(why) => (why.clone(), palette.rejected),
        BenchView::Ready { model } => (
            format!("Configured: {model}\nNot run yet. Nothing runs until you ask."),
            palette.foreground,
        ),
    };
    frame.render_widget(
        Paragraph::new(text)
            .style(Style::default().fg(color))
            .wrap(Wrap { trim: false }),
        inner(area),
    );
}
