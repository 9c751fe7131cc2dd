//! The interactive shell: the terminal, the one event loop, the editor hand-off. The terminal
//! is restored on every way out: quit, an error, a panic, SIGTERM/SIGHUP/SIGINT.

use crate::tui::app::Effect;
use crate::tui::config::Config;
use crate::tui::highlight::Highlighter;
use crate::tui::runtime::{Event, Options, Runtime};
use crate::tui::theme::{self, Palette};
use crate::tui::view::{self, Context};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::io::{IsTerminal, Stdout};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

type Term = Terminal<CrosstermBackend<Stdout>>;

/// Open the session on `path` and run it until the user quits.
pub fn run(path: &Path, theme_name: Option<&str>, config: Config) -> Result<(), String> {
    let name = theme_name
        .map(str::to_string)
        .or_else(|| config.theme.clone())
        .unwrap_or_else(|| theme::DEFAULT_THEME.to_string());
    let theme = theme::load(&name, config.dir.as_deref())?;
    let palette = Palette::of(&theme, config.colors);
    let mut runtime = Runtime::open(
        path,
        Options {
            keymap: config.keymap.clone(),
            store: None,
            output: None,
            watch: true,
        },
    )?;
    let redraw = runtime.sender();
    let highlighter = Highlighter::start(theme, palette, move || {
        let _ = redraw.send(Event::Redraw);
    });
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| format!("cannot handle signals: {e}"))?;
    }
    install_panic_hook();
    let mut terminal = enter().map_err(|e| format!("cannot open the terminal: {e}"))?;
    let finished = Arc::new(AtomicBool::new(false));
    watchdog(Arc::clone(&stop), Arc::clone(&finished));
    let outcome = event_loop(&mut terminal, &mut runtime, &highlighter, palette, &stop);
    finished.store(true, Ordering::Relaxed);
    // Decisions are saved on every way out, even after an error.
    runtime.perform(vec![Effect::SaveDecisions]);
    leave();
    outcome
}

fn event_loop(
    terminal: &mut Term,
    runtime: &mut Runtime,
    highlighter: &Highlighter,
    palette: Palette,
    stop: &AtomicBool,
) -> Result<(), String> {
    let mut dirty = true;
    while !runtime.app.quit && !stop.load(Ordering::Relaxed) {
        if dirty {
            let context = Context {
                palette,
                highlighter: Some(highlighter),
            };
            terminal
                .draw(|frame| view::draw(frame, &mut runtime.app, &context))
                .map_err(|e| format!("cannot draw: {e}"))?;
            dirty = false;
        }
        if event::poll(Duration::from_millis(30)).map_err(|e| e.to_string())? {
            let effects = match event::read().map_err(|e| e.to_string())? {
                event::Event::Key(key) if key.kind == event::KeyEventKind::Press => {
                    runtime.app.on_key(key)
                }
                event::Event::Mouse(mouse) => {
                    runtime.app.on_mouse(mouse);
                    Vec::new()
                }
                _ => Vec::new(),
            };
            for effect in runtime.perform(effects) {
                if let Effect::Edit { path, line } = effect {
                    edit(terminal, runtime, &path, line);
                }
            }
            dirty = true;
        }
        dirty |= runtime.pump(Duration::ZERO);
    }
    Ok(())
}

/// The way out when the loop cannot take it: crossterm's input poll never returns once the
/// terminal has hung up (a closed window reads as endless end-of-file), so it would not see a
/// signal either. Decisions are saved after every change already, so exiting here loses at
/// most the position.
fn watchdog(stop: Arc<AtomicBool>, finished: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if finished.load(Ordering::Relaxed) {
                return;
            }
            let hung_up = !std::io::stdin().is_terminal();
            if stop.load(Ordering::Relaxed) || hung_up {
                // Give the loop a moment to finish cleanly first.
                std::thread::sleep(Duration::from_secs(1));
                if finished.load(Ordering::Relaxed) {
                    return;
                }
                leave();
                std::process::exit(if hung_up { 1 } else { 143 });
            }
        }
    });
}

/// Hand the terminal to `$VISUAL`/`$EDITOR` at `line`, then take it back and re-analyse.
fn edit(terminal: &mut Term, runtime: &mut Runtime, path: &Path, line: usize) {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi").to_string();
    leave();
    let status = std::process::Command::new(&program)
        .args(words)
        .arg(format!("+{line}"))
        .arg(path)
        .status();
    let restored = enter();
    match (status, restored) {
        (_, Err(e)) => runtime.app.message = Some(format!("cannot reopen the terminal: {e}")),
        (Err(e), _) => {
            runtime.app.popup = Some(crate::tui::app::Popup::Error(format!(
                "cannot run the editor `{program}`: {e}\nSet $EDITOR to the editor you use."
            )));
        }
        (Ok(_), Ok(new_terminal)) => {
            *terminal = new_terminal;
            if let Some(rel) = path
                .strip_prefix(&runtime.app.session.root)
                .ok()
                .map(PathBuf::from)
            {
                runtime.perform(vec![Effect::Analyse(rel)]);
            }
        }
    }
    let _ = terminal.clear();
}

fn enter() -> std::io::Result<Term> {
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    Terminal::new(CrosstermBackend::new(std::io::stdout()))
}

fn leave() {
    let _ = execute!(std::io::stdout(), DisableMouseCapture, LeaveAlternateScreen);
    let _ = disable_raw_mode();
}

/// A panic restores the terminal before its message is printed, so the message is readable.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        previous(info);
    }));
}
