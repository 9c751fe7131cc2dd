//! The user's config file: `config.toml` in the platform config directory
//! (`~/.config/portui/` on Linux, `~/Library/Application Support/portui/` on macOS).
//! Themes (`*.tmTheme`) placed beside it can be chosen by file name.

use crate::tui::keymap::Keymap;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    theme: Option<String>,
    colors: Option<ColorDepth>,
    #[serde(default)]
    keys: BTreeMap<String, Keys>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Keys {
    One(String),
    Many(Vec<String>),
}

/// How many colours the terminal shows: detected from `COLORTERM` unless configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorDepth {
    Truecolor,
    #[serde(rename = "256")]
    Ansi256,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub theme: Option<String>,
    pub colors: ColorDepth,
    pub keymap: Keymap,
    /// Where user themes are looked up.
    pub dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            theme: None,
            colors: detect_colors(),
            keymap: Keymap::default(),
            dir: None,
        }
    }
}

pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "portui").map(|d| d.config_dir().to_path_buf())
}

/// Load `config.toml` from `dir` (a missing file means the defaults).
pub fn load(dir: Option<&Path>) -> Result<Config, String> {
    let mut config = Config {
        dir: dir.map(Path::to_path_buf),
        ..Config::default()
    };
    let Some(dir) = dir else { return Ok(config) };
    let path = dir.join("config.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(config),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let file: File = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let keys = file
        .keys
        .into_iter()
        .map(|(action, keys)| match keys {
            Keys::One(key) => (action, vec![key]),
            Keys::Many(keys) => (action, keys),
        })
        .collect();
    config.keymap =
        Keymap::with_overrides(&keys).map_err(|e| format!("{}: {e}", path.display()))?;
    config.theme = file.theme;
    if let Some(colors) = file.colors {
        config.colors = colors;
    }
    Ok(config)
}

fn detect_colors() -> ColorDepth {
    match std::env::var("COLORTERM").as_deref() {
        Ok("truecolor" | "24bit") => ColorDepth::Truecolor,
        _ => ColorDepth::Ansi256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{Action, Key};

    #[test]
    fn keys_theme_and_colours_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "theme = \"portui-light\"\ncolors = \"256\"\n[keys]\naccept = \"a\"\nreject = [\"x\", \"n\"]\n",
        )
        .unwrap();
        let config = load(Some(dir.path())).unwrap();
        assert_eq!(config.theme.as_deref(), Some("portui-light"));
        assert_eq!(config.colors, ColorDepth::Ansi256);
        assert_eq!(
            config.keymap.action(Key::parse("a").unwrap()),
            Some(Action::Accept)
        );
        assert_eq!(
            config.keymap.action(Key::parse("x").unwrap()),
            Some(Action::Reject)
        );
    }

    #[test]
    fn a_typo_is_an_error_that_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "thme = \"x\"\n").unwrap();
        let error = load(Some(dir.path())).unwrap_err();
        assert!(error.contains("config.toml"), "{error}");
    }
}
