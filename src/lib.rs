//! portui: port a PyTorch project to Apple's MLX.
//!
//! The engine (everything up to `port`) is pure: text in, data out. The CLI, the writer and
//! the session are shells around it.

pub mod analysis;
pub mod api;
pub mod atomic;
pub mod audit;
pub mod bench;
pub mod checklist;
pub mod convert_weights;
pub mod decisions;
pub mod demo;
pub mod fix;
pub mod hunk;
pub mod layouts;
pub mod notebook;
pub mod parse;
pub mod port;
pub mod project;
pub mod report;
pub mod rules;
pub mod semantic;
pub mod source;
pub mod tensors;
pub mod tui;
pub mod weights;
pub mod write;
