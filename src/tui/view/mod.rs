//! Drawing the session: a pure function of the state (plus the highlight cache). Layout:
//! files and the side-by-side code on top, the checklist and the benchmark below, the status
//! bar (or the search prompt) at the bottom, popups over everything.

mod bench;
mod checklist;
mod code;
mod files;
mod popup;
mod status;

use crate::tui::app::{App, Pane};
use crate::tui::highlight::Highlighter;
use crate::tui::theme::Palette;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

/// What drawing needs besides the state.
pub struct Context<'a> {
    pub palette: Palette,
    /// `None` draws code plain (the snapshot tests, or before the highlighter starts).
    pub highlighter: Option<&'a Highlighter>,
}

pub fn draw(frame: &mut Frame, app: &mut App, context: &Context) {
    let area = frame.area();
    frame.render_widget(
        Block::default().style(
            Style::default()
                .bg(context.palette.background)
                .fg(context.palette.foreground),
        ),
        area,
    );
    let [main, status_area] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(status::height(app, area.width)),
    ])
    .areas(area);
    let bottom_height = (main.height / 3).clamp(5, 14);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(bottom_height)]).areas(main);
    let files_width = (top.width / 4).clamp(20, 40);
    let [files_area, code_area] =
        Layout::horizontal([Constraint::Length(files_width), Constraint::Min(10)]).areas(top);
    let [checklist_area, bench_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(bottom);
    app.areas = crate::tui::app::Areas {
        files: files_area,
        code: code_area,
        checklist: checklist_area,
        bench: bench_area,
    };
    files::draw(frame, files_area, app, context);
    code::draw(frame, code_area, app, context);
    checklist::draw(frame, checklist_area, app, context);
    bench::draw(frame, bench_area, app, context);
    status::draw(frame, status_area, app, context);
    popup::draw(frame, area, app, context);
}

/// A pane's frame; the focused one says so in its title (`▶ Files`) and is drawn bold.
fn pane_block<'a>(pane: Pane, extra: &str, app: &App, palette: &Palette) -> Block<'a> {
    let focused = app.focus == pane;
    let marker = if focused { "▶ " } else { "" };
    let title = if extra.is_empty() {
        format!(" {marker}{} ", pane.title())
    } else {
        format!(" {marker}{} — {extra} ", pane.title())
    };
    let border = if focused {
        Style::default()
            .fg(palette.pending)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(palette.dim)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Span::styled(title, border))
}

/// Cut `text` to `width` characters (very long lines cost nothing to draw).
fn clip(text: &str, width: usize) -> &str {
    match text.char_indices().nth(width) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn plain_line<'a>(text: String, style: Style) -> Line<'a> {
    Line::from(Span::styled(text, style))
}

/// The part of `area` inside a block's borders.
fn inner(area: Rect) -> Rect {
    Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}
