//! The bottom line: the search prompt while typing, else the last message and the keys that
//! apply to the focused pane (from the keymap, so remapped keys show as remapped).

use super::Context;
use crate::tui::app::{App, Pane};
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

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
    if let Some(message) = &app.message {
        spans.push(Span::styled(
            format!("{message}  "),
            Style::default().fg(palette.pending),
        ));
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
