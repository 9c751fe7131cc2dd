//! The bottom line: the search prompt while typing, else the keys that apply to the focused
//! pane (from the keymap, so remapped keys show as remapped), with the last notice before them.
//! A notice that would crowd the keys out (over half the line, like a write's report) takes up
//! to `NOTICE_ROWS` rows of its own above them.

use super::Context;
use crate::tui::app::{App, Pane};
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

const NOTICE_ROWS: u16 = 3;

/// Rows the status line needs at `width`: one, or the notice's rows plus one for the keys.
pub fn height(app: &App, width: u16) -> u16 {
    match &app.message {
        Some(message)
            if app.search.is_none() && message.chars().count() > usize::from(width) / 2 =>
        {
            let rows = message.chars().count().div_ceil(usize::from(width.max(1)));
            u16::try_from(rows).unwrap_or(NOTICE_ROWS).min(NOTICE_ROWS) + 1
        }
        _ => 1,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, context: &Context) {
    let palette = &context.palette;
    if let Some(query) = &app.search {
        let line = Line::from(vec![
            Span::styled("/", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(query.clone()),
            Span::styled("█", Style::default().fg(palette.pending)),
            Span::styled(
                "  enter: find (empty repeats the last search)  esc: cancel",
                Style::default().fg(palette.dim),
            ),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let actions: &[(Action, &str)] = match app.focus {
        Pane::Files => &[(Action::Next, "file"), (Action::Select, "review")],
        Pane::Checklist => &[(Action::Next, "item"), (Action::Select, "next open")],
        Pane::Bench => &[
            (Action::Bench, "run / cancel"),
            (Action::Select, "go to the failing line"),
        ],
        Pane::Code => &[
            (Action::Accept, "accept"),
            (Action::Reject, "reject"),
            (Action::Toggle, "toggle"),
            (Action::NextUndecided, "undecided"),
            (Action::AcceptRule, "rule"),
            (Action::Undo, "undo"),
            (Action::RuleDoc, "doc"),
        ],
    };
    let common: &[(Action, &str)] = &[
        (Action::SwitchPane, "pane"),
        (Action::Search, "search"),
        (Action::Write, "write"),
        (Action::Help, "help"),
        (Action::Quit, "quit"),
    ];
    let mut spans = Vec::new();
    let mut area = area;
    if let Some(message) = &app.message {
        let notice = Style::default().fg(palette.pending);
        if area.height > 1 {
            let [notice_area, keys_area] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
            frame.render_widget(
                Paragraph::new(message.as_str())
                    .style(notice)
                    .wrap(Wrap { trim: false }),
                notice_area,
            );
            area = keys_area;
        } else {
            spans.push(Span::styled(format!("{message}  "), notice));
        }
    }
    for (action, name) in actions.iter().chain(common) {
        let keys = app.keymap.keys_for(*action);
        if keys.is_empty() {
            continue;
        }
        spans.push(Span::styled(
            keys,
            Style::default().add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(
            format!(" {name}  "),
            Style::default().fg(palette.dim),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
