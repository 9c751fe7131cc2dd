//! End to end in a real terminal (tmux): open a fixture, accept a hunk at once, accept another,
//! reject one, write, quit; then check the exit status, the written port, the saved decisions,
//! and that the terminal was restored.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (install it: apt-get install tmux)");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "e2e", key]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn copy_fixture(name: &str, to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn saved_decisions(data: &Path) -> serde_json::Value {
    let dir = data.join("portui").join("projects");
    let file: PathBuf = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .next()
        .expect("one decisions file");
    serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap()
}

#[test]
fn review_write_and_quit_in_a_real_terminal() {
    // The "editor" appends a torch line to the file it is given (`+LINE PATH`).
    let session = open_in_tmux(
        "gpt",
        "e2e",
        "EDITOR='sh editor.sh'", // portui runs in the fixture's temporary directory
        "status=$?; stty -a > stty.txt; echo $status > exited.txt; sleep 120",
    );
    let (base, project, tmux) = (&session.base, &session.project, &session.tmux);
    fs::write(
        base.join("editor.sh"),
        "printf 'edited = torch.zeros(1)\\n' >> \"$2\"\n",
    )
    .unwrap();
    let (data, config, binary) = (
        base.join("data"),
        base.join("config"),
        env!("CARGO_BIN_EXE_portui"),
    );

    // The session opens on a hunk: `y` at once accepts it (of 68: the gpt model's hunks).
    tmux.keys(&["y"]);
    tmux.wait_for("the first decision", |s| s.contains("1/68"));
    // Accept one more, reject one.
    tmux.keys(&["J", "y", "J", "n"]);
    tmux.wait_for("three decisions", |s| s.contains("3/68"));
    // `e` hands the terminal to the editor; the session resumes and re-analyses the file,
    // keeping the three decisions.
    tmux.keys(&["e"]);
    tmux.wait_for("the edited file re-analysed", |s| s.contains("3/69"));
    // The write's report is a notice in the status line: `q` right after it quits.
    tmux.keys(&["w"]);
    tmux.wait_for("the write report", |s| s.contains("wrote 2 file(s)"));
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !base.join("exited.txt").exists() {
        assert!(
            Instant::now() < deadline,
            "portui did not exit:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = fs::read_to_string(base.join("exited.txt")).unwrap();
    assert_eq!(status.trim(), "0", "portui's exit status");

    // The terminal is back: cooked mode, echo on, the alternate screen gone.
    let stty = fs::read_to_string(base.join("stty.txt")).unwrap();
    assert!(
        stty.contains(" icanon") && !stty.contains("-icanon"),
        "{stty}"
    );
    assert!(
        stty.contains(" echo ") && !stty.contains("-echo "),
        "{stty}"
    );
    assert!(!tmux.screen().contains("Torch | MLX"), "{}", tmux.screen());

    // Two accepted, one rejected, saved where `apply` finds them.
    let decisions = saved_decisions(&data);
    let model = decisions["files"]["model.py"]
        .as_object()
        .expect("model.py decisions");
    let count = |what: &str| model.values().filter(|d| d == &what).count();
    assert_eq!(
        (count("accepted"), count("rejected")),
        (2, 1),
        "{decisions}"
    );

    // The session wrote exactly what `apply` with the saved decisions writes.
    let session_port = fs::read_to_string(base.join("gpt_mlx/model.py")).unwrap();
    let original = fs::read_to_string(project.join("model.py")).unwrap();
    assert!(
        original.ends_with("edited = torch.zeros(1)\n"),
        "the editor ran"
    );
    assert!(
        session_port.ends_with("edited = torch.zeros(1)\n"),
        "written after the edit"
    );
    assert_ne!(session_port, original);
    let check = base.join("check");
    let status = Command::new(binary)
        .args([
            "apply",
            project.to_str().unwrap(),
            "--out",
            check.to_str().unwrap(),
        ])
        .env("XDG_DATA_HOME", &data)
        .env("XDG_CONFIG_HOME", &config)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        fs::read_to_string(check.join("model.py")).unwrap(),
        session_port
    );
}

/// A fixture copy open in portui inside tmux; `after` runs in the shell, in the fixture's
/// temporary directory, once portui exits.
struct Running {
    _temp: tempfile::TempDir,
    base: PathBuf,
    project: PathBuf,
    tmux: Tmux,
}

fn open_in_tmux(fixture: &str, name: &str, env: &str, after: &str) -> Running {
    let temp = tempfile::tempdir().unwrap();
    let base = temp.path().canonicalize().unwrap();
    let project = base.join(fixture);
    copy_fixture(fixture, &project);
    let script = format!(
        "cd {base} && env XDG_DATA_HOME={base}/data XDG_CONFIG_HOME={base}/config TERM=xterm-256color {env} {binary} {project}; {after}",
        binary = env!("CARGO_BIN_EXE_portui"),
        project = project.display(),
        base = base.display(),
    );
    let tmux = Tmux {
        socket: format!("portui-{name}-{}", std::process::id()),
    };
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        &script,
    ]);
    tmux.wait_for("the session", |s| {
        s.contains("Files — ") && s.contains("[pending]")
    });
    Running {
        _temp: temp,
        base,
        project,
        tmux,
    }
}

#[test]
fn sigterm_restores_the_terminal() {
    let session = open_in_tmux("cnn", "term", "", "stty -a > stty.txt; sleep 120");
    let killed = Command::new("pkill")
        .args([
            "-TERM",
            "-f",
            &format!("portui {}$", session.project.display()),
        ])
        .status()
        .unwrap();
    assert!(killed.success(), "portui was running");
    let stty_file = session.base.join("stty.txt");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stty_file.exists() {
        assert!(
            Instant::now() < deadline,
            "portui ignored SIGTERM:\n{}",
            session.tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let stty = fs::read_to_string(stty_file).unwrap();
    assert!(
        !stty.contains("-icanon") && !stty.contains("-echo "),
        "{stty}"
    );
    assert!(!session.tmux.screen().contains("Torch | MLX"));
    assert!(
        session.base.join("data/portui/projects").is_dir(),
        "decisions saved on the way out"
    );
}

#[test]
fn closing_the_terminal_ends_the_session() {
    let session = open_in_tmux("llama", "hangup", "", "sleep 120");
    session.tmux.run(&["kill-server"]);
    let pattern = format!("portui {}$", session.project.display());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let running = Command::new("pgrep")
            .args(["-f", &pattern])
            .output()
            .unwrap();
        if !running.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "portui kept running after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
