//! The torch source and the proposed MLX code side by side, aligned row by row. The hunk under
//! review is highlighted on both sides; a header says its rule, applicability, state and why.

use super::{Context, clip, inner, pane_block, plain_line};
use crate::decisions::Decision;
use crate::fix::Applicability;
use crate::rules::TORCH_IMPORT;
use crate::tui::app::{App, Pane};
use crate::tui::highlight::StyledLine;
use crate::tui::kept_imports::KeptImport;
use crate::tui::proposal::Proposal;
use crate::tui::session::Item;
use crate::tui::theme::Palette;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::sync::Arc;

/// How an item's state reads on screen, in words and as the gutter mark. A torch import is
/// not decided: it reads as what writing will do with it.
fn state_label(
    item: &Item,
    decision: Option<Decision>,
    proposal: &Proposal,
) -> (&'static str, &'static str) {
    if item.rule == TORCH_IMPORT {
        return match kept_import(item, proposal) {
            Some(_) => ("kept", "→"),
            None => ("on write", "→"),
        };
    }
    match (item.applicability == Applicability::Manual, decision) {
        (true, _) => ("manual", "!"),
        (false, Some(Decision::Accepted)) => ("accepted", "✓"),
        (false, Some(Decision::Rejected)) => ("rejected", "✗"),
        (false, None) => ("pending", "•"),
    }
}

/// The port's copy of the torch import `item` is, when the port keeps it.
fn kept_import<'a>(item: &Item, proposal: &'a Proposal) -> Option<&'a KeptImport> {
    proposal
        .kept_imports
        .as_ref()?
        .iter()
        .find(|kept| item.lines.contains(&kept.line))
}

/// What the header says about an item: its message, or for a torch import what writing does.
fn explanation(item: &Item, proposal: &Proposal) -> String {
    if item.rule != TORCH_IMPORT || proposal.kept_imports.is_none() {
        return item.message.clone();
    }
    let Some(kept) = kept_import(item, proposal) else {
        return "writing replaces it with the MLX imports the port needs".into();
    };
    if kept.uses.is_empty() {
        return "a name it binds is still used".into();
    }
    let mut lines: Vec<usize> = kept.uses.iter().map(|(line, _)| line + 1).collect();
    lines.dedup();
    let mut names: Vec<&str> = kept.uses.iter().map(|(_, name)| name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let moved = if kept.moved {
        "; writing moves it into the functions that use it"
    } else {
        ""
    };
    format!(
        "still used on line{} {} ({}){moved}",
        if lines.len() == 1 { "" } else { "s" },
        lines
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        names.join(", ")
    )
}

/// `layers (safe) `; a torch import has no applicability: nobody applies it.
fn rule_and_applicability(item: &Item) -> String {
    if item.rule == TORCH_IMPORT {
        format!("{} ", item.rule)
    } else {
        format!("{} ({}) ", item.rule, item.applicability.as_str())
    }
}

fn state_color(palette: &Palette, label: &str) -> Color {
    match label {
        "accepted" | "on write" => palette.accepted,
        "rejected" => palette.rejected,
        "manual" => palette.dim,
        _ => palette.pending,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, context: &Context) {
    let palette = &context.palette;
    let file = app.session.files.get(app.file);
    let name = file.map_or(String::new(), |f| f.rel.display().to_string());
    frame.render_widget(pane_block(Pane::Code, &name, app, palette), area);
    let body = inner(area);
    let Some(file) = file else {
        frame.render_widget(Paragraph::new("No Python files in this project."), body);
        return;
    };
    let Some(analysis) = &file.analysis else {
        frame.render_widget(
            Paragraph::new(plain_line(
                "analysing…".into(),
                Style::default().fg(palette.dim),
            )),
            body,
        );
        return;
    };
    if let Some(error) = &analysis.error {
        let text = format!(
            "{} cannot be ported as it is: {error}\n\nFix it in your editor (e); portui re-analyses it when you save.",
            file.rel.display()
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(Style::default().fg(palette.rejected))
                .wrap(Wrap { trim: false }),
            body,
        );
        return;
    }
    let Some(proposal) = &app.proposal else {
        return;
    };

    // Header: the hunk under review and anything the reviewer must know about this file.
    let mut header: Vec<Line> = Vec::new();
    let items = &file.items;
    match app.current() {
        Some(item) => {
            let decision = app.session.decision(app.file, app.item.unwrap_or(0));
            let (label, _) = state_label(item, decision, proposal);
            let hunks = items.iter().filter(|i| i.hunk.is_some()).count();
            let position = format!(
                "finding {}/{} ({hunks} hunks) ",
                app.item.unwrap_or(0) + 1,
                items.len()
            );
            header.push(Line::from(vec![
                Span::raw(position),
                Span::styled(
                    format!("[{label}] "),
                    Style::default()
                        .fg(state_color(palette, label))
                        .add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    rule_and_applicability(item),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::raw(clip(&explanation(item, proposal), usize::from(body.width)).to_string()),
            ]));
        }
        None => header.push(plain_line(
            "nothing to port in this file".into(),
            Style::default().fg(palette.accepted),
        )),
    }
    if file.changed_on_disk {
        header.push(plain_line(
            "changed on disk: re-analysing; the proposal below is from before the save".into(),
            Style::default().fg(palette.pending),
        ));
    }
    let vanished = file.vanished.len() + app.session.unmatched_decisions(app.file);
    if vanished > 0 {
        let detail =
            file.vanished.last().cloned().unwrap_or_else(|| {
                "saved decisions no longer match a hunk (the file changed)".into()
            });
        header.push(plain_line(
            format!("{vanished} decision(s) vanished: {detail}"),
            Style::default().fg(palette.pending),
        ));
    }
    if let Some(error) = &proposal.error {
        header.push(plain_line(
            format!("no port with these decisions: {error}"),
            Style::default().fg(palette.rejected),
        ));
    }
    let header_height = header.len() as u16;
    let [header_area, code_area] =
        Layout::vertical([Constraint::Length(header_height), Constraint::Min(1)]).areas(body);
    frame.render_widget(Paragraph::new(header), header_area);

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(code_area);
    let height = usize::from(code_area.height);
    let scroll = app.scroll.min(proposal.rows.len().saturating_sub(1));
    let visible = scroll..(scroll + height).min(proposal.rows.len());
    let current_rows = app
        .current()
        .map_or(0..0, |item| proposal.rows_of(&item.lines));
    let marks = gutter_marks(app, visible.clone(), proposal);
    for (side, side_area) in [(Side::Torch, left), (Side::Mlx, right)] {
        let lines = side_lines(
            side,
            proposal,
            visible.clone(),
            &current_rows,
            &marks,
            usize::from(side_area.width),
            palette,
            context,
        );
        frame.render_widget(Paragraph::new(lines), side_area);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Torch,
    Mlx,
}

/// The state mark of each visible row that starts a finding (the selected one wins).
fn gutter_marks(
    app: &App,
    visible: std::ops::Range<usize>,
    proposal: &Proposal,
) -> Vec<Option<(&'static str, &'static str)>> {
    let mut marks = vec![None; visible.len()];
    for (index, item) in app.items().iter().enumerate() {
        let row = proposal.row_of(item.lines.start);
        if !visible.contains(&row) {
            continue;
        }
        let slot = &mut marks[row - visible.start];
        if slot.is_none() || app.item == Some(index) {
            *slot = Some(state_label(
                item,
                app.session.decision(app.file, index),
                proposal,
            ));
        }
    }
    marks
}

#[allow(clippy::too_many_arguments)]
fn side_lines<'a>(
    side: Side,
    proposal: &'a Proposal,
    visible: std::ops::Range<usize>,
    current: &std::ops::Range<usize>,
    marks: &[Option<(&'static str, &'static str)>],
    width: usize,
    palette: &Palette,
    context: &Context,
) -> Vec<Line<'a>> {
    let (text, document, document_lines): (&Arc<str>, u64, usize) = match side {
        Side::Torch => (
            &proposal.torch,
            proposal.torch_id,
            proposal.torch_lines.len(),
        ),
        Side::Mlx => (&proposal.mlx, proposal.mlx_id, proposal.mlx_lines.len()),
    };
    let digits = document_lines.max(1).to_string().len();
    let line_of = |row: usize| {
        let row = proposal.rows[row];
        match side {
            Side::Torch => row.left,
            Side::Mlx => row.right,
        }
    };
    // Ask for highlighting of exactly the lines on screen.
    let shown: Vec<usize> = visible.clone().filter_map(line_of).collect();
    let styled: Vec<Option<StyledLine>> = match (context.highlighter, shown.first(), shown.last()) {
        (Some(highlighter), Some(&first), Some(&last)) => {
            highlighter.lines(document, text, first..last + 1)
        }
        _ => Vec::new(),
    };
    let code_width = width.saturating_sub(digits + 3);
    visible
        .enumerate()
        .map(|(offset, row_index)| {
            let row = proposal.rows[row_index];
            let line = line_of(row_index);
            let mut background = if current.contains(&row_index) {
                palette.selection
            } else if row.changed {
                match side {
                    Side::Torch => palette.removed,
                    Side::Mlx => palette.added,
                }
            } else {
                palette.background
            };
            if line.is_none() && !current.contains(&row_index) {
                background = palette.background;
            }
            let base = Style::default().bg(background);
            let Some(line) = line else {
                return Line::from(Span::styled(" ".repeat(width), base));
            };
            let mark = match (side, marks[offset]) {
                (Side::Torch, Some((label, mark))) => {
                    Span::styled(mark, base.fg(state_color(palette, label)))
                }
                _ => Span::styled(" ", base),
            };
            let mut spans = vec![
                Span::styled(format!("{:>digits$} ", line + 1), base.fg(palette.dim)),
                mark,
                Span::styled(" ", base),
            ];
            let content = match side {
                Side::Torch => proposal.torch_line(line),
                Side::Mlx => proposal.mlx_line(line),
            };
            let clipped = clip(content, code_width);
            let highlighted = shown
                .iter()
                .position(|&l| l == line)
                .and_then(|i| styled.get(i))
                .and_then(Option::as_ref);
            match highlighted {
                Some(pieces) => {
                    for (style, range) in pieces {
                        let end = range.end.min(clipped.len());
                        if range.start >= end {
                            continue;
                        }
                        if let Some(piece) = clipped.get(range.start..end) {
                            spans.push(Span::styled(piece, style.bg(background)));
                        }
                    }
                }
                None => spans.push(Span::styled(clipped, base.fg(palette.foreground))),
            }
            let used = digits + 3 + clipped.chars().count();
            spans.push(Span::styled(" ".repeat(width.saturating_sub(used)), base));
            Line::from(spans)
        })
        .collect()
}
