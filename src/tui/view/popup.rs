//! Popups over the session: help (built from the keymap), a rule's documentation (the same
//! text as `portui explain`) and errors (a write that left files out among them). Notices go
//! in the status line instead: a popup stands between the user and every other key.

use super::Context;
use crate::tui::app::{App, Popup};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, context: &Context) {
    let Some(popup) = &app.popup else { return };
    let palette = &context.palette;
    let (title, lines, color): (String, Vec<Line>, _) = match popup {
        Popup::Help => {
            let help = app.keymap.help();
            let width = help
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0);
            let lines = help
                .into_iter()
                .map(|(keys, what)| {
                    Line::from(vec![
                        Span::styled(
                            format!("{keys:>width$}  "),
                            Style::default().add_modifier(Modifier::BOLD),
                        ),
                        Span::raw(what),
                    ])
                })
                .collect();
            (" Keys (esc closes) ".into(), lines, palette.foreground)
        }
        Popup::RuleDoc { rule, text } => (
            format!(" {rule} (esc closes) "),
            reflow(text).into_iter().map(Line::raw).collect(),
            palette.foreground,
        ),
        Popup::Error(message) => (
            " Error (esc closes) ".into(),
            message.lines().map(|l| Line::raw(l.to_string())).collect(),
            palette.rejected,
        ),
        Popup::ConfirmBench => (
            " Benchmark ".into(),
            vec![
                Line::raw(format!(
                    "Write the accepted hunks to {} first, then run the port?",
                    app.output.display()
                )),
                Line::raw(format!(
                    "{}: write and run    {}: run the port already on disk    {}: cancel",
                    app.keymap.keys_for(crate::tui::keymap::Action::Accept),
                    app.keymap.keys_for(crate::tui::keymap::Action::Reject),
                    app.keymap.keys_for(crate::tui::keymap::Action::Close),
                )),
            ],
            palette.pending,
        ),
    };
    let width = (area.width * 4 / 5).max(20);
    let height = (lines.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup_area] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, popup_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(color))
        .title(title)
        .style(
            Style::default()
                .bg(palette.background)
                .fg(palette.foreground),
        );
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup_area,
    );
}

/// Join the documentation's hard-wrapped lines into paragraphs, so the popup wraps them to its
/// own width; list items and indented lines keep their own line.
fn reflow(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut joinable = false;
    for line in text.lines() {
        let starts_block = line.is_empty() || line.starts_with(['-', ' ', '*', '`']);
        match out.last_mut() {
            Some(last) if joinable && !starts_block => {
                last.push(' ');
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
        joinable = !line.is_empty();
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reflow_joins_paragraph_lines_and_keeps_list_items() {
        let text = "What: one\ntwo\n\n- item\n  more\nafter";
        assert_eq!(
            super::reflow(text),
            vec!["What: one two", "", "- item", "  more after"]
        );
    }
}
