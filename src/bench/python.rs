//! Which Python runs the harness, and the managed venv `portui bench --setup` creates.
//!
//! Resolution order: `--python`, the config's `python`, `$VIRTUAL_ENV`, the managed venv, then
//! `python3` on the PATH. The managed venv comes before `python3` so that `--setup` is all a
//! user with a bare system Python needs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the chosen interpreter came from (error messages name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonSource {
    Flag,
    Config,
    VirtualEnv,
    Managed,
    Path,
}

impl std::fmt::Display for PythonSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Flag => "--python",
            Self::Config => "[bench].python in portui.toml",
            Self::VirtualEnv => "$VIRTUAL_ENV",
            Self::Managed => "portui's managed venv",
            Self::Path => "python3 on the PATH",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    /// A path, or a bare name looked up on the PATH when started.
    pub program: PathBuf,
    pub source: PythonSource,
}

/// Choose the interpreter. `config` is `[bench].python`, relative to `project_root`.
pub fn resolve(flag: Option<&Path>, config: Option<&Path>, project_root: &Path) -> Interpreter {
    let chosen = |program: PathBuf, source| Interpreter { program, source };
    if let Some(flag) = flag {
        return chosen(flag.to_path_buf(), PythonSource::Flag);
    }
    if let Some(config) = config {
        // A bare name (`python3.12`) is looked up on the PATH; a path is the project's.
        let program = if config.components().count() > 1 {
            project_root.join(config)
        } else {
            config.to_path_buf()
        };
        return chosen(program, PythonSource::Config);
    }
    let virtual_env = std::env::var_os("VIRTUAL_ENV")
        .map(|dir| venv_python(Path::new(&dir)))
        .filter(|python| python.exists());
    if let Some(python) = virtual_env {
        return chosen(python, PythonSource::VirtualEnv);
    }
    if let Some(python) = managed_venv()
        .map(|dir| venv_python(&dir))
        .filter(|python| python.exists())
    {
        return chosen(python, PythonSource::Managed);
    }
    chosen(PathBuf::from("python3"), PythonSource::Path)
}

/// The venv `--setup` creates: `<data dir>/venv` (`~/.local/share/portui/venv` on Linux,
/// `~/Library/Application Support/portui/venv` on macOS).
pub fn managed_venv() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "portui").map(|dirs| dirs.data_dir().join("venv"))
}

pub fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// One step of `--setup`: what it does, and the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupStep {
    pub what: String,
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl SetupStep {
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        command
    }
}

/// The MLX package for this platform: `mlx` on Apple silicon (Metal), `mlx[cpu]` on Linux.
/// `None` where MLX publishes no build.
pub fn mlx_package() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("macos", "aarch64") => Some("mlx"),
        ("linux", _) => Some("mlx[cpu]"),
        _ => None,
    }
}

/// The steps that create (or update) the managed venv at `venv` with `base` (a Python 3
/// interpreter): the venv, pip, mlx, and torch with numpy on request (numpy carries torch's
/// weights over to MLX).
pub fn setup_plan(base: &Path, venv: &Path, with_torch: bool) -> Result<Vec<SetupStep>, String> {
    let mlx = mlx_package().ok_or_else(|| {
        format!(
            "MLX has no build for {} {}: it runs on Apple silicon (macOS arm64) and Linux",
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    })?;
    let python = venv_python(venv);
    let pip = |what: &str, packages: &[&str]| SetupStep {
        what: what.to_string(),
        program: python.clone(),
        args: ["-m", "pip", "install", "--upgrade"]
            .iter()
            .chain(packages)
            .map(OsString::from)
            .collect(),
    };
    let mut steps = vec![
        SetupStep {
            what: format!("create the venv {}", venv.display()),
            program: base.to_path_buf(),
            args: vec!["-m".into(), "venv".into(), venv.into()],
        },
        pip("update pip", &["pip"]),
        pip(&format!("install {mlx}"), &[mlx]),
    ];
    if with_torch {
        steps.push(pip("install torch and numpy", &["torch", "numpy"]));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_config() {
        let root = Path::new("/proj");
        let flag = resolve(Some(Path::new("/x/python")), Some(Path::new("py")), root);
        assert_eq!(
            (flag.program, flag.source),
            (PathBuf::from("/x/python"), PythonSource::Flag)
        );
        let config = resolve(None, Some(Path::new(".venv/bin/python")), root);
        assert_eq!(
            (config.program, config.source),
            (
                PathBuf::from("/proj/.venv/bin/python"),
                PythonSource::Config
            )
        );
        let bare = resolve(None, Some(Path::new("python3.12")), root);
        assert_eq!(bare.program, PathBuf::from("python3.12"));
    }

    #[test]
    fn setup_installs_torch_only_on_request() {
        let venv = Path::new("/data/portui/venv");
        let Ok(steps) = setup_plan(Path::new("python3"), venv, false) else {
            return assert!(mlx_package().is_none());
        };
        let commands: Vec<String> = steps
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.program.display(),
                    s.args.join(" ".as_ref()).display()
                )
            })
            .collect();
        assert_eq!(commands[0], "python3 -m venv /data/portui/venv");
        assert!(
            commands[2].ends_with(&format!("pip install --upgrade {}", mlx_package().unwrap()))
        );
        assert!(!commands.iter().any(|c| c.contains("torch")));
        let with_torch = setup_plan(Path::new("python3"), venv, true).unwrap();
        assert!(with_torch.last().unwrap().args.iter().any(|a| a == "torch"));
    }
}
