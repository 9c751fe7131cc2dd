//! The benchmark pane. It shows only what a run really measured: before a run, how the
//! benchmark is configured (or how to configure it); during one, its phase and progress; after,
//! the device, latency (with a sparkline of every timed iteration), memory, torch's latency,
//! the parity verdict and the change since the previous run; or what failed and what to do.

use super::{Context, inner, pane_block};
use crate::bench::event::{BenchResult, FailureKind, ParityStatus, human_bytes};
use crate::tui::app::{App, Pane};
use crate::tui::bench::BenchStatus;
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Sparkline, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, context: &Context) {
    let palette = &context.palette;
    let bench = &app.bench;
    let key = app.keymap.keys_for(Action::Bench);
    frame.render_widget(pane_block(Pane::Bench, "", app, palette), area);
    let body = inner(area);
    let text = |lines: Vec<Line<'static>>| Paragraph::new(lines).wrap(Wrap { trim: false });
    let dim = Style::default().fg(palette.dim);
    let bad = Style::default().fg(palette.rejected);
    match &bench.status {
        BenchStatus::Unconfigured => frame.render_widget(
            text(vec![
                Line::styled("Not configured. Add [bench] to portui.toml at the project root:", dim),
                Line::raw("[bench]"),
                Line::raw("file = \"model.py\""),
                Line::raw("model = \"GPT(GPTConfig(n_layer=2))\""),
                Line::raw("inputs = [{ shape = [2, 16], dtype = \"int64\", high = 100 }]"),
                Line::styled("`portui bench --init PATH` writes a template.", dim),
            ]),
            body,
        ),
        BenchStatus::Invalid(why) => frame.render_widget(
            text(vec![Line::styled(why.clone(), bad)]),
            body,
        ),
        BenchStatus::Ready { model } => frame.render_widget(
            text(vec![
                Line::raw(format!("model {model}")),
                Line::styled(
                    format!("{key}: write the accepted hunks, run the port and compare with torch. Nothing runs until you ask."),
                    dim,
                ),
            ]),
            body,
        ),
        BenchStatus::Cancelled => frame.render_widget(
            text(vec![Line::styled(format!("Cancelled. {key} runs it again."), dim)]),
            body,
        ),
        BenchStatus::Running { model, progress } => {
            let [head, gauge, rest] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Length(1),
                Constraint::Min(0),
            ])
            .areas(body);
            frame.render_widget(Paragraph::new(format!("running {model}")), head);
            let (label, ratio) = match progress {
                Some(p) if p.total > 0 => (
                    format!("{} {}/{}", p.phase, p.done, p.total),
                    f64::from(p.done) / f64::from(p.total),
                ),
                Some(p) => (p.phase.clone(), 0.0),
                None => ("starting Python".to_string(), 0.0),
            };
            frame.render_widget(
                Gauge::default()
                    .ratio(ratio.clamp(0.0, 1.0))
                    .label(label)
                    .gauge_style(Style::default().fg(palette.pending).bg(palette.background)),
                gauge,
            );
            frame.render_widget(
                Paragraph::new(Line::styled(format!("{key} cancels"), dim)),
                rest,
            );
        }
        BenchStatus::Finished(result) => {
            let [numbers, spark] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(body);
            frame.render_widget(
                text(finished_lines(result, bench.previous.as_deref(), context)),
                numbers,
            );
            let samples: Vec<u64> = result
                .latency_ms
                .samples
                .iter()
                .map(|ms| (ms * 1000.0).round() as u64)
                .collect();
            frame.render_widget(
                Sparkline::default()
                    .data(&samples)
                    .style(Style::default().fg(palette.accepted)),
                spark,
            );
        }
        BenchStatus::Failed { failure, origin } => {
            let mut lines = vec![Line::styled(
                format!("failed ({}): {}", kind_name(failure.kind), failure.message),
                bad,
            )];
            if let Some(frame) = failure.port_frame() {
                let file = frame.file.strip_prefix(&app.output).unwrap_or(&frame.file);
                lines.push(Line::raw(format!(
                    "port {}:{}: {}",
                    file.display(),
                    frame.line,
                    frame.text.as_deref().unwrap_or("").trim()
                )));
            }
            if let Some((file, line)) = origin {
                let hunk = app
                    .hunk_at(file, *line)
                    .map_or(String::new(), |rule| format!(", written by the {rule} hunk"));
                lines.push(Line::raw(format!(
                    "from {}:{line}{hunk} (enter: go there)",
                    file.display()
                )));
            }
            if let Some(hint) = &failure.hint {
                lines.push(Line::styled(format!("next: {hint}"), dim));
            }
            frame.render_widget(text(lines), body);
        }
    }
}

fn finished_lines(
    result: &BenchResult,
    previous: Option<&BenchResult>,
    context: &Context,
) -> Vec<Line<'static>> {
    let palette = &context.palette;
    let latency = &result.latency_ms;
    let mut lines = vec![
        Line::raw(result.mlx.describe()),
        Line::from(vec![
            Span::styled(
                format!("{:.2} ms", latency.median),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                " median · p10 {:.2} · p90 {:.2}",
                latency.p10, latency.p90
            )),
        ]),
        Line::raw(format!(
            "{:.0} items/s · peak {}",
            result.throughput,
            human_bytes(result.peak_memory_bytes)
        )),
    ];
    if let Some(torch) = &result.torch
        && let (Some(torch_latency), Some(device)) = (&torch.latency_ms, &torch.device)
    {
        let ratio = result
            .speedup
            .as_ref()
            .map_or(String::new(), |s| format!(" · {}", s.short()));
        lines.push(Line::raw(format!(
            "torch {:.2} ms ({device}){ratio}",
            torch_latency.median
        )));
    }
    let parity = &result.parity;
    let (verdict, color) = match parity.status {
        ParityStatus::Held => (
            format!(
                "parity held · max abs {:.1e} ≤ {:e}",
                parity.max_abs().unwrap_or(0.0),
                parity.tolerance
            ),
            palette.accepted,
        ),
        ParityStatus::Skipped => (
            format!(
                "parity not checked: {}",
                parity.reason.as_deref().unwrap_or("torch did not run")
            ),
            palette.pending,
        ),
        ParityStatus::Failed => (
            match parity.max_abs() {
                Some(max_abs) => format!(
                    "parity FAILED · max abs {max_abs:.1e} > {:e}",
                    parity.tolerance
                ),
                None => format!(
                    "parity FAILED: {}",
                    parity.reason.as_deref().unwrap_or("outputs differ")
                ),
            },
            palette.rejected,
        ),
    };
    lines.push(Line::styled(
        verdict,
        Style::default().fg(color).add_modifier(Modifier::BOLD),
    ));
    if let Some(previous) = previous {
        let before = previous.latency_ms.median;
        let change = (latency.median - before) / before * 100.0;
        lines.push(Line::styled(
            format!(
                "vs previous run: {before:.2} → {:.2} ms ({change:+.1}%)",
                latency.median
            ),
            Style::default().fg(palette.dim),
        ));
    }
    lines
}

fn kind_name(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Config => "configuration",
        FailureKind::MissingOutput => "no port written",
        FailureKind::NoPython => "no Python",
        FailureKind::MlxMissing => "mlx missing",
        FailureKind::Import => "import",
        FailureKind::Build => "model build",
        FailureKind::Weights => "weights",
        FailureKind::Inputs => "inputs",
        FailureKind::Run => "forward pass",
        FailureKind::Crashed => "crashed",
    }
}
