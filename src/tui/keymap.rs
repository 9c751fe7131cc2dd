//! What each key does. The defaults follow `git add -p`, lazygit and gitui; the user's config
//! file can rebind any action. The help overlay and the status bar are built from this table,
//! so they always show the keys that really work.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Next,
    Previous,
    NextUndecided,
    PreviousUndecided,
    Accept,
    Reject,
    Toggle,
    AcceptRest,
    AcceptSafe,
    AcceptRule,
    RejectRule,
    Undo,
    Redo,
    SwitchPane,
    Select,
    Search,
    Edit,
    Write,
    Bench,
    RuleDoc,
    Help,
    Close,
    Quit,
}

/// Every action: its config name, its default keys, and what the help overlay says.
pub const ACTIONS: &[(Action, &str, &[&str], &str)] = &[
    (
        Action::Next,
        "next",
        &["j", "down"],
        "next hunk (or item in the focused list)",
    ),
    (
        Action::Previous,
        "previous",
        &["k", "up"],
        "previous hunk (or item)",
    ),
    (
        Action::NextUndecided,
        "next-undecided",
        &["J"],
        "next undecided hunk",
    ),
    (
        Action::PreviousUndecided,
        "previous-undecided",
        &["K"],
        "previous undecided hunk",
    ),
    (Action::Accept, "accept", &["y"], "accept this hunk"),
    (Action::Reject, "reject", &["n"], "reject this hunk"),
    (
        Action::Toggle,
        "toggle",
        &["space"],
        "toggle accepted / rejected",
    ),
    (
        Action::AcceptRest,
        "accept-rest",
        &["a"],
        "accept this hunk and every later undecided one in the file",
    ),
    (
        Action::AcceptSafe,
        "accept-safe",
        &["S"],
        "accept every undecided safe hunk in the project",
    ),
    (
        Action::AcceptRule,
        "accept-rule",
        &["A"],
        "accept every hunk of this rule in the project",
    ),
    (
        Action::RejectRule,
        "reject-rule",
        &["D"],
        "reject every hunk of this rule in the project",
    ),
    (
        Action::Undo,
        "undo",
        &["u"],
        "undo the last decision (a bulk one as a whole)",
    ),
    (Action::Redo, "redo", &["ctrl-r"], "redo"),
    (
        Action::SwitchPane,
        "switch-pane",
        &["tab"],
        "focus the next pane",
    ),
    (
        Action::Select,
        "select",
        &["enter"],
        "open the file / jump to the next open checklist location",
    ),
    (
        Action::Search,
        "search",
        &["/"],
        "search hunks (rule, message, code); empty repeats",
    ),
    (
        Action::Edit,
        "edit",
        &["e"],
        "open the file at this hunk in $EDITOR",
    ),
    (
        Action::Write,
        "write",
        &["w"],
        "write the accepted hunks to the output tree",
    ),
    (
        Action::Bench,
        "bench",
        &["b"],
        "run the benchmark (write first, then run)",
    ),
    (
        Action::RuleDoc,
        "rule-doc",
        &["i"],
        "this rule's documentation",
    ),
    (Action::Help, "help", &["?"], "this help"),
    (Action::Close, "close", &["esc"], "close the popup"),
    (
        Action::Quit,
        "quit",
        &["q", "ctrl-c"],
        "quit (decisions are saved)",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub fn from_event(event: KeyEvent) -> Self {
        Self {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    /// `j`, `J`, `ctrl-r`, `space`, `tab`, `enter`, `esc`, `up`, `down`, `?`, `/`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (ctrl, name) = match text.strip_prefix("ctrl-") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let code = match name {
            "space" => KeyCode::Char(' '),
            "tab" => KeyCode::Tab,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            single if single.chars().count() == 1 => {
                KeyCode::Char(single.chars().next().expect("one character"))
            }
            _ => return Err(format!("unknown key `{text}`")),
        };
        Ok(Self { code, ctrl })
    }

    pub fn label(self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Tab => "tab".into(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Backspace => "backspace".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("ctrl-{name}")
        } else {
            name
        }
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    /// In the order they were bound, so keys show as `j/↓` every time.
    bindings: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = ACTIONS
            .iter()
            .flat_map(|(action, _, keys, _)| {
                keys.iter()
                    .map(|key| (Key::parse(key).expect("default keys parse"), *action))
            })
            .collect();
        Self { bindings }
    }
}

impl Keymap {
    /// The defaults with the user's `[keys]` table applied: `action = "key"` or a list of keys.
    /// An action named there loses its default keys.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        let mut keymap = Self::default();
        for (name, keys) in overrides {
            let action = ACTIONS
                .iter()
                .find(|(_, n, _, _)| n == name)
                .map(|(a, ..)| *a)
                .ok_or_else(|| format!("[keys]: unknown action `{name}`"))?;
            keymap.bindings.retain(|(_, bound)| *bound != action);
            for key in keys {
                let key = Key::parse(key).map_err(|e| format!("[keys] {name}: {e}"))?;
                // A key rebound here leaves the action it had.
                keymap.bindings.retain(|(bound, _)| *bound != key);
                keymap.bindings.push((key, action));
            }
        }
        Ok(keymap)
    }

    pub fn action(&self, key: Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(bound, _)| *bound == key)
            .map(|(_, action)| *action)
    }

    /// The keys bound to `action`, as shown to the user (`j/↓`).
    pub fn keys_for(&self, action: Action) -> String {
        let keys: Vec<String> = self
            .bindings
            .iter()
            .filter(|(_, bound)| *bound == action)
            .map(|(key, _)| key.label())
            .collect();
        keys.join("/")
    }

    /// `(keys, description)` for every action, in the table's order.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        ACTIONS
            .iter()
            .map(|(action, _, _, description)| (self.keys_for(*action), *description))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_replaces_the_default_keys_of_its_action() {
        let overrides = BTreeMap::from([("accept".to_string(), vec!["Y".to_string()])]);
        let keymap = Keymap::with_overrides(&overrides).unwrap();
        assert_eq!(
            keymap.action(Key::parse("Y").unwrap()),
            Some(Action::Accept)
        );
        assert_eq!(keymap.action(Key::parse("y").unwrap()), None);
        assert_eq!(keymap.keys_for(Action::Redo), "ctrl-r");
    }

    #[test]
    fn unknown_actions_and_keys_are_errors() {
        let bad_action = BTreeMap::from([("launch".to_string(), vec!["x".to_string()])]);
        assert!(Keymap::with_overrides(&bad_action).is_err());
        let bad_key = BTreeMap::from([("accept".to_string(), vec!["hyper-x".to_string()])]);
        assert!(Keymap::with_overrides(&bad_key).is_err());
    }
}
