//! The interactive session (`portui PATH`): review every proposed hunk side by side with the
//! torch source, decide, undo, write. State and update live in `app`, drawing in `view`, the
//! world outside the terminal in `runtime`, the terminal itself in `terminal`.

pub mod app;
pub mod bench;
pub mod config;
pub mod highlight;
pub mod kept_imports;
pub mod keymap;
pub mod proposal;
pub mod runtime;
pub mod session;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod watch;
