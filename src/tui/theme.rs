//! Colour themes: syntect `.tmTheme` files. portui's own (`themes/`) are embedded in the
//! binary; more can be dropped into the config directory and chosen by file name.

use crate::tui::config::ColorDepth;
use ratatui::style::{Color, Modifier, Style};
use syntect::highlighting::{FontStyle, Theme, ThemeSet};

pub const DEFAULT_THEME: &str = "portui-dark";

const EMBEDDED: &[(&str, &str)] = &[
    (
        "portui-dark",
        include_str!("../../themes/portui-dark.tmTheme"),
    ),
    (
        "portui-light",
        include_str!("../../themes/portui-light.tmTheme"),
    ),
];

/// Names the user can pick: the embedded themes and every `.tmTheme` in `user_dir`.
pub fn available(user_dir: Option<&std::path::Path>) -> Vec<String> {
    let mut names: Vec<String> = EMBEDDED.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(entries) = user_dir.and_then(|d| std::fs::read_dir(d).ok()) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "tmTheme")
                && let Some(stem) = path.file_stem()
            {
                names.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    names
}

/// Load theme `name`: a user theme in `user_dir` wins over an embedded one of the same name.
pub fn load(name: &str, user_dir: Option<&std::path::Path>) -> Result<Theme, String> {
    if let Some(path) = user_dir.map(|d| d.join(format!("{name}.tmTheme")))
        && path.exists()
    {
        return ThemeSet::get_theme(&path).map_err(|e| format!("{}: {e}", path.display()));
    }
    let (_, text) = EMBEDDED.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        format!(
            "unknown theme `{name}`; available: {}",
            available(user_dir).join(", ")
        )
    })?;
    ThemeSet::load_from_reader(&mut std::io::Cursor::new(text))
        .map_err(|e| format!("theme {name}: {e}"))
}

/// The UI's colours, taken from the syntax theme so panes and code agree.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub depth: ColorDepth,
    pub background: Color,
    pub foreground: Color,
    pub selection: Color,
    pub added: Color,
    pub removed: Color,
    pub accepted: Color,
    pub rejected: Color,
    pub pending: Color,
    pub dim: Color,
}

impl Palette {
    pub fn of(theme: &Theme, depth: ColorDepth) -> Self {
        let settings = &theme.settings;
        let background = settings
            .background
            .unwrap_or(syntect::highlighting::Color::BLACK);
        let light =
            u32::from(background.r) + u32::from(background.g) + u32::from(background.b) > 3 * 128;
        // The state colours have a variant for light and one for dark backgrounds.
        let shade = |on_light: (u8, u8, u8), on_dark: (u8, u8, u8)| {
            let (r, g, b) = if light { on_light } else { on_dark };
            convert(syntect::highlighting::Color { r, g, b, a: 255 }, depth)
        };
        Self {
            depth,
            background: convert(background, depth),
            foreground: convert(
                settings
                    .foreground
                    .unwrap_or(syntect::highlighting::Color::WHITE),
                depth,
            ),
            selection: settings
                .selection
                .map_or(Color::DarkGray, |c| convert(c, depth)),
            added: shade((230, 255, 237), (35, 60, 40)),
            removed: shade((255, 238, 240), (70, 35, 40)),
            accepted: shade((26, 127, 55), (120, 200, 120)),
            rejected: shade((207, 34, 46), (230, 100, 100)),
            pending: shade((154, 103, 0), (229, 192, 123)),
            dim: shade((110, 119, 129), (127, 132, 142)),
        }
    }

    pub fn syntax(&self, style: syntect::highlighting::Style) -> Style {
        let mut out = Style::default().fg(convert(style.foreground, self.depth));
        if style.font_style.contains(FontStyle::BOLD) {
            out = out.add_modifier(Modifier::BOLD);
        }
        if style.font_style.contains(FontStyle::ITALIC) {
            out = out.add_modifier(Modifier::ITALIC);
        }
        if style.font_style.contains(FontStyle::UNDERLINE) {
            out = out.add_modifier(Modifier::UNDERLINED);
        }
        out
    }
}

/// True colour as is; otherwise the nearest of the xterm 256 colours.
pub fn convert(color: syntect::highlighting::Color, depth: ColorDepth) -> Color {
    match depth {
        ColorDepth::Truecolor => Color::Rgb(color.r, color.g, color.b),
        ColorDepth::Ansi256 => {
            Color::Indexed(ansi_colours::ansi256_from_rgb((color.r, color.g, color.b)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_themes_load_and_map_to_both_colour_depths() {
        for name in ["portui-dark", "portui-light"] {
            let theme = load(name, None).unwrap();
            assert!(matches!(
                Palette::of(&theme, ColorDepth::Truecolor).background,
                Color::Rgb(..)
            ));
            assert!(matches!(
                Palette::of(&theme, ColorDepth::Ansi256).background,
                Color::Indexed(_)
            ));
        }
        assert!(load("nope", None).unwrap_err().contains("portui-light"));
    }

    #[test]
    fn a_user_theme_in_the_config_directory_is_found_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let light = EMBEDDED[1].1.replace("#FFFFFF", "#FAFAFA");
        std::fs::write(dir.path().join("mine.tmTheme"), light).unwrap();
        assert!(available(Some(dir.path())).contains(&"mine".to_string()));
        let theme = load("mine", Some(dir.path())).unwrap();
        let background = theme.settings.background.unwrap();
        assert_eq!(
            (background.r, background.g, background.b),
            (0xFA, 0xFA, 0xFA)
        );
    }
}
