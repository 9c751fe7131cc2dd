//! The shell around the conversion: find the port and its `[bench]` model, ask MLX what the
//! model holds, read the checkpoint (safetensors here; a torch pickle through torch), and write
//! the result atomically, only when it would load strictly.

use super::{Conversion, PortModel, StateDict, Tensor, WeightsFile, convert, report};
use crate::bench::config;
use crate::bench::python::{self, Interpreter};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const HELPER: &str = include_str!("helper.py");

/// What `portui convert-weights` was asked.
#[derive(Debug, Clone)]
pub struct Request {
    /// The torch project (where `portui.toml` names the model).
    pub project: PathBuf,
    pub checkpoint: PathBuf,
    /// Default: `<port>/<checkpoint name>.safetensors`.
    pub out: Option<PathBuf>,
    /// Default: the `<project>_mlx` tree `apply` writes.
    pub port: Option<PathBuf>,
    pub python: Option<PathBuf>,
}

/// The report and whether the written file loads strictly (`written` is `None` when nothing
/// was written because it would not).
#[derive(Debug)]
pub struct Outcome {
    pub text: String,
    pub written: Option<PathBuf>,
}

/// Convert; `Err` is a usage, configuration or I/O failure (nothing could be compared).
pub fn convert_checkpoint(request: &Request) -> Result<Outcome, String> {
    let root = if request.project.is_file() {
        request
            .project
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf()
    } else {
        request.project.clone()
    };
    let bench = config::load(&root).map_err(|e| {
        format!("{e}\nconvert-weights builds the port's [bench] model to learn its parameter names")
    })?;
    let port = request
        .port
        .clone()
        .unwrap_or_else(|| crate::project::default_output(&request.project));
    if !port.join(&bench.file).is_file() {
        return Err(format!(
            "no port at {}; write it first (`portui apply {}`) or pass --port DIR",
            port.join(&bench.file).display(),
            request.project.display()
        ));
    }
    let weights = read_weights_file(&port)?;
    let python = python::resolve(request.python.as_deref(), bench.python.as_deref(), &root);
    let helper = Helper::new(python)?;
    let model = helper.describe_port(&port, &bench.file, &bench.model)?;
    let candidates = read_checkpoint(&request.checkpoint, &helper)?;
    let conversion = convert(candidates, &model, &weights)
        .ok_or_else(|| format!("{}: holds no tensors", request.checkpoint.display()))?;
    let mut text = report(&conversion);
    if !conversion.loads_strictly() {
        text.push_str(
            "not written: the result would not load with model.load_weights(FILE) (strict)\n",
        );
        return Ok(Outcome {
            text,
            written: None,
        });
    }
    let out = request
        .out
        .clone()
        .unwrap_or_else(|| default_out(&port, &request.checkpoint));
    write(&conversion, &out)?;
    text.push_str(&format!(
        "wrote {}: loads with model.load_weights(\"{}\")\n",
        out.display(),
        out.display()
    ));
    Ok(Outcome {
        text,
        written: Some(out),
    })
}

fn default_out(port: &Path, checkpoint: &Path) -> PathBuf {
    let stem = checkpoint
        .file_stem()
        .map_or_else(|| "weights".into(), |s| s.to_string_lossy().into_owned());
    port.join(format!("{stem}.safetensors"))
}

fn read_weights_file(port: &Path) -> Result<WeightsFile, String> {
    let path = port.join(crate::write::WEIGHTS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
        // A port whose rewrites changed no parameter names has no weights map.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(WeightsFile::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// A safetensors file is read here; anything else is taken for a torch pickle.
fn read_checkpoint(path: &Path, helper: &Helper) -> Result<Vec<StateDict>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Ok(tensors) = read_safetensors(&bytes) {
        return Ok(vec![StateDict {
            key: String::new(),
            tensors,
        }]);
    }
    drop(bytes);
    helper.unpickle(path)
}

fn read_safetensors(bytes: &[u8]) -> Result<BTreeMap<String, Tensor>, String> {
    let file = safetensors::SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    Ok(file
        .iter()
        .map(|(name, view)| {
            let tensor = Tensor {
                dtype: view.dtype(),
                shape: view.shape().to_vec(),
                data: view.data().to_vec(),
            };
            (name.to_string(), tensor)
        })
        .collect())
}

fn write(conversion: &Conversion, out: &Path) -> Result<(), String> {
    let bytes = safetensors::serialize(&conversion.tensors, None)
        .map_err(|e| format!("{}: cannot serialise: {e}", out.display()))?;
    crate::atomic::write_atomic(out, &bytes)
}

/// `helper.py` in a temporary directory, run with the chosen interpreter.
struct Helper {
    dir: tempfile::TempDir,
    python: Interpreter,
}

impl Helper {
    fn new(python: Interpreter) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("portui-convert-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let (loader_name, loader) = crate::bench::PROJECT_MODULE_LOADER;
        std::fs::write(dir.path().join(loader_name), loader)
            .and_then(|()| std::fs::write(dir.path().join("helper.py"), HELPER))
            .map_err(|e| format!("cannot write the helper script: {e}"))?;
        Ok(Self { dir, python })
    }

    fn run(&self, args: &[&std::ffi::OsStr], needs: &str) -> Result<String, String> {
        let what = format!(
            "{} (from {})",
            self.python.program.display(),
            self.python.source
        );
        let output = Command::new(&self.python.program)
            .arg(self.dir.path().join("helper.py"))
            .args(args)
            .output()
            .map_err(|e| format!("cannot start {what}: {e}; pass --python PATH"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "{what} failed ({}); it needs {needs}:\n{}",
                output.status,
                tail.join("\n")
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn describe_port(&self, port: &Path, file: &Path, model: &str) -> Result<PortModel, String> {
        let stdout = self.run(
            &[
                "describe-port".as_ref(),
                port.as_os_str(),
                file.as_os_str(),
                model.as_ref(),
            ],
            "mlx, to build the port's model",
        )?;
        // The port's own prints come first; the description is the last line.
        let line = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line).map_err(|e| format!("the port's description: {e}"))
    }

    fn unpickle(&self, checkpoint: &Path) -> Result<Vec<StateDict>, String> {
        let out = self.dir.path().join("state_dicts");
        std::fs::create_dir(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        let checkpoint = std::path::absolute(checkpoint).unwrap_or(checkpoint.to_path_buf());
        self.run(
            &["unpickle".as_ref(), checkpoint.as_os_str(), out.as_os_str()],
            "torch, to read a torch.save checkpoint (or convert a .safetensors file)",
        )?;
        #[derive(serde::Deserialize)]
        struct Found {
            key: String,
            file: String,
        }
        let index = std::fs::read_to_string(out.join("index.json"))
            .map_err(|e| format!("the unpickled checkpoint's index: {e}"))?;
        let found: Vec<Found> =
            serde_json::from_str(&index).map_err(|e| format!("the unpickled index: {e}"))?;
        found
            .into_iter()
            .map(|found| {
                let path = out.join(&found.file);
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                let tensors =
                    read_safetensors(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(StateDict {
                    key: found.key,
                    tensors,
                })
            })
            .collect()
    }
}
