//! The files pane: each file with its review progress and open checklist items; files that
//! could not be analysed say why, in place.

use super::{Context, clip, inner, pane_block, plain_line};
use crate::tui::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, context: &Context) {
    let palette = &context.palette;
    let session = &app.session;
    let analysed = session.analysed();
    let extra = if analysed < session.files.len() {
        format!("analysing {analysed}/{}", session.files.len())
    } else {
        match session.files.len() {
            1 => "1 file".to_string(),
            n => format!("{n} files"),
        }
    };
    frame.render_widget(pane_block(Pane::Files, &extra, app, palette), area);
    let body = inner(area);
    let height = usize::from(body.height);
    let width = usize::from(body.width);
    let first = app.file.saturating_sub(height.saturating_sub(1) / 2);
    let mut lines = Vec::new();
    if session.files.is_empty() {
        lines.push(plain_line(
            "no Python files here".into(),
            Style::default().fg(palette.dim),
        ));
    }
    for (index, state) in session.files.iter().enumerate().skip(first).take(height) {
        let selected = index == app.file;
        let marker = if selected { "▶ " } else { "  " };
        let (status, style) = match &state.analysis {
            None => ("analysing…".to_string(), Style::default().fg(palette.dim)),
            Some(analysis) => match &analysis.error {
                Some(error) => (format!("⚠ {error}"), Style::default().fg(palette.rejected)),
                None => {
                    let (decided, total) = session.progress(index);
                    let open: usize = analysis.checklist.iter().filter(|e| e.open > 0).count();
                    let mut text = format!("{decided}/{total}");
                    if open > 0 {
                        text.push_str(&format!(" ○{open}"));
                    }
                    let vanished = state.vanished.len() + session.unmatched_decisions(index);
                    if vanished > 0 {
                        text.push_str(&format!(" ⌫{vanished}"));
                    }
                    if state.changed_on_disk {
                        text.push_str(" changed on disk");
                    }
                    let color = if total > 0 && decided == total {
                        palette.accepted
                    } else {
                        palette.foreground
                    };
                    (text, Style::default().fg(color))
                }
            },
        };
        let name = state.rel.display().to_string();
        let mut name_style = Style::default().fg(palette.foreground);
        if selected {
            name_style = name_style
                .bg(palette.selection)
                .add_modifier(Modifier::BOLD);
        }
        // The name keeps at least half the width; the status takes what is left.
        let room = width.saturating_sub(2);
        let status = clip(&status, room / 2).to_string();
        let status_width = status.chars().count();
        let shown = clip(&name, room.saturating_sub(status_width + 1));
        let pad = room.saturating_sub(shown.chars().count() + status_width);
        lines.push(Line::from(vec![
            Span::styled(marker, name_style),
            Span::styled(format!("{shown}{}", " ".repeat(pad)), name_style),
            Span::styled(status, style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), body);
}
