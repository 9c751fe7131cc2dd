//! The porting guide's checklist, live: each item's status in the selected file and in the
//! project, and how many of the open locations already have an accepted rewrite.

use super::{Context, clip, inner, pane_block};
use crate::checklist::{Entry, Status};
use crate::tui::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn status_text(entry: &Entry) -> String {
    match entry.status {
        Status::Done => "done".into(),
        Status::Open => format!("open {}", entry.open),
        Status::NotApplicable => "n/a".into(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, context: &Context) {
    let palette = &context.palette;
    frame.render_widget(
        pane_block(Pane::Checklist, "file | project", app, palette),
        area,
    );
    let body = inner(area);
    let (file, project, accepted) = app.checklists();
    let height = usize::from(body.height);
    let first = app
        .checklist_cursor
        .saturating_sub(height.saturating_sub(1));
    let width = usize::from(body.width);
    let lines: Vec<Line> = file
        .iter()
        .zip(&project)
        .zip(&accepted)
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(index, ((file_entry, project_entry), &accepted))| {
            let color = |entry: &Entry| match entry.status {
                Status::Done => palette.accepted,
                Status::Open => palette.pending,
                Status::NotApplicable => palette.dim,
            };
            let selected = app.focus == Pane::Checklist && index == app.checklist_cursor;
            let mut title_style = Style::default().fg(palette.foreground);
            if selected {
                title_style = title_style
                    .bg(palette.selection)
                    .add_modifier(Modifier::BOLD);
            }
            let mut project_text = status_text(project_entry);
            if project_entry.status == Status::Open && accepted > 0 {
                project_text.push_str(&format!(" ({accepted}✓)"));
            }
            let columns = format!("{:<8} {:<16} ", status_text(file_entry), project_text);
            let title_width = width.saturating_sub(columns.chars().count());
            Line::from(vec![
                Span::styled(
                    format!("{:<8} ", status_text(file_entry)),
                    Style::default().fg(color(file_entry)),
                ),
                Span::styled(
                    format!("{project_text:<16} "),
                    Style::default().fg(color(project_entry)),
                ),
                Span::styled(clip(file_entry.title, title_width).to_string(), title_style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}
