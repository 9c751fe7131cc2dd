//! The `[bench]` section of `<project>/portui.toml`: which model to build, from what inputs, how
//! long to time it and how close to torch it must be. Parsed by hand from a TOML table so every
//! error names the file and the key (`[bench].inputs[0].dtype`) and unknown keys (a typo such as
//! `iter`) are errors, not silently ignored.

use serde::Serialize;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "portui.toml";

const DEFAULT_WARMUP: u32 = 3;
const DEFAULT_ITERS: u32 = 20;
const DEFAULT_TOLERANCE: f64 = 1e-4;
const KEYS: &[&str] = &[
    "file",
    "model",
    "inputs",
    "warmup",
    "iters",
    "tolerance",
    "python",
];
const INPUT_KEYS: &[&str] = &["shape", "dtype", "low", "high"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchConfig {
    /// The model's file, relative to the project root (the port has the same path in the
    /// output tree).
    pub file: PathBuf,
    /// A Python expression evaluated in that file's namespace, e.g. `GPT(GPTConfig(n_layer=2))`.
    pub model: String,
    /// The model's positional arguments, in torch's shapes and layout.
    pub inputs: Vec<InputSpec>,
    pub warmup: u32,
    pub iters: u32,
    /// Largest max-abs difference from torch's outputs that still counts as parity.
    pub tolerance: f64,
    /// The interpreter to run the harness with (relative paths are relative to the project).
    pub python: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSpec {
    pub shape: Vec<u64>,
    pub dtype: Dtype,
    /// Values are drawn uniformly from `[low, high)` (integers: `low..high`).
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    Float32,
    Float16,
    Bfloat16,
    Int32,
    Int64,
}

impl Dtype {
    const ALL: [Dtype; 5] = [
        Dtype::Float32,
        Dtype::Float16,
        Dtype::Bfloat16,
        Dtype::Int32,
        Dtype::Int64,
    ];

    /// The name torch and MLX both use (`getattr(torch, name)`, `getattr(mx, name)`).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::Float32 => "float32",
            Dtype::Float16 => "float16",
            Dtype::Bfloat16 => "bfloat16",
            Dtype::Int32 => "int32",
            Dtype::Int64 => "int64",
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Dtype::Float32 | Dtype::Float16 | Dtype::Bfloat16)
    }
}

/// What is wrong with the configuration, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// The offending key (`[bench].inputs[0].shape`), when there is one.
    pub key: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: {key}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Read `[bench]` from `<root>/portui.toml`.
pub fn load(root: &Path) -> Result<BenchConfig, ConfigError> {
    let path = root.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|error| ConfigError {
        path: path.clone(),
        key: None,
        message: if error.kind() == std::io::ErrorKind::NotFound {
            format!(
                "not found; `portui bench --init {}` writes a commented [bench] template",
                root.display()
            )
        } else {
            format!("cannot read: {error}")
        },
    })?;
    parse(&text, &path)
}

/// Parse the `[bench]` section of a `portui.toml` whose text is `text` (`path` is for messages).
pub fn parse(text: &str, path: &Path) -> Result<BenchConfig, ConfigError> {
    let error = |key: Option<&str>, message: String| ConfigError {
        path: path.to_path_buf(),
        key: key.map(str::to_string),
        message,
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| error(None, format!("not valid TOML: {}", e.message())))?;
    let Some(bench) = table.get("bench") else {
        return Err(error(
            None,
            "no [bench] section; `portui bench --init` writes a commented template".into(),
        ));
    };
    let bench = bench
        .as_table()
        .ok_or_else(|| error(Some("[bench]"), "must be a table".into()))?;
    if let Some(unknown) = bench.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(error(
            Some(&format!("[bench].{unknown}")),
            format!("unknown key (known: {})", KEYS.join(", ")),
        ));
    }
    let fields = Fields {
        bench,
        error: &error,
    };
    let file = fields.string("file")?.map(PathBuf::from).ok_or_else(|| {
        error(
            Some("[bench].file"),
            "missing: the model's .py file, relative to the project".into(),
        )
    })?;
    if file.is_absolute()
        || file
            .components()
            .any(|c| c == std::path::Component::ParentDir)
    {
        return Err(error(
            Some("[bench].file"),
            "must be a path inside the project".into(),
        ));
    }
    let model = fields.string("model")?.ok_or_else(|| {
        error(
            Some("[bench].model"),
            "missing: a Python expression that builds the model, e.g. \"GPT(GPTConfig())\"".into(),
        )
    })?;
    let inputs = fields
        .required("inputs")?
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            error(
                Some("[bench].inputs"),
                "must be a non-empty array of { shape, dtype, low, high } tables".into(),
            )
        })?
        .iter()
        .enumerate()
        .map(|(i, value)| input(value, &format!("[bench].inputs[{i}]"), &error))
        .collect::<Result<_, _>>()?;
    Ok(BenchConfig {
        file,
        model,
        inputs,
        warmup: fields.count("warmup", 0)?.unwrap_or(DEFAULT_WARMUP),
        iters: fields.count("iters", 1)?.unwrap_or(DEFAULT_ITERS),
        tolerance: match fields.number("tolerance")? {
            Some(t) if t < 0.0 || !t.is_finite() => {
                return Err(error(
                    Some("[bench].tolerance"),
                    "must be a finite number >= 0".into(),
                ));
            }
            Some(t) => t,
            None => DEFAULT_TOLERANCE,
        },
        python: fields.string("python")?.map(PathBuf::from),
    })
}

type ErrorFn<'a> = &'a dyn Fn(Option<&str>, String) -> ConfigError;

/// Typed access to the keys of `[bench]`, each error naming its key.
struct Fields<'a> {
    bench: &'a toml::Table,
    error: ErrorFn<'a>,
}

impl Fields<'_> {
    fn key(name: &str) -> String {
        format!("[bench].{name}")
    }

    fn required(&self, name: &str) -> Result<&toml::Value, ConfigError> {
        self.bench
            .get(name)
            .ok_or_else(|| (self.error)(Some(&Self::key(name)), "missing".into()))
    }

    fn string(&self, name: &str) -> Result<Option<String>, ConfigError> {
        self.bench
            .get(name)
            .map(|v| match v.as_str() {
                Some(s) if !s.trim().is_empty() => Ok(s.to_string()),
                _ => Err((self.error)(
                    Some(&Self::key(name)),
                    "must be a non-empty string".into(),
                )),
            })
            .transpose()
    }

    fn number(&self, name: &str) -> Result<Option<f64>, ConfigError> {
        self.bench
            .get(name)
            .map(|v| {
                number(v)
                    .ok_or_else(|| (self.error)(Some(&Self::key(name)), "must be a number".into()))
            })
            .transpose()
    }

    fn count(&self, name: &str, min: i64) -> Result<Option<u32>, ConfigError> {
        self.bench
            .get(name)
            .map(|v| {
                v.as_integer()
                    .filter(|&n| n >= min)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        (self.error)(
                            Some(&Self::key(name)),
                            format!("must be an integer >= {min}"),
                        )
                    })
            })
            .transpose()
    }
}

fn number(value: &toml::Value) -> Option<f64> {
    // Integers are numbers too: `low = 0` must not need to be written `low = 0.0`.
    value
        .as_float()
        .or_else(|| value.as_integer().map(|i| i as f64))
}

fn input(value: &toml::Value, key: &str, error: ErrorFn<'_>) -> Result<InputSpec, ConfigError> {
    let table = value.as_table().ok_or_else(|| {
        error(
            Some(key),
            "must be a table { shape, dtype, low, high }".into(),
        )
    })?;
    if let Some(unknown) = table.keys().find(|k| !INPUT_KEYS.contains(&k.as_str())) {
        return Err(error(
            Some(&format!("{key}.{unknown}")),
            format!("unknown key (known: {})", INPUT_KEYS.join(", ")),
        ));
    }
    let shape = table
        .get("shape")
        .and_then(toml::Value::as_array)
        .and_then(|dims| {
            dims.iter()
                .map(|d| {
                    d.as_integer()
                        .and_then(|d| u64::try_from(d).ok())
                        .filter(|&d| d > 0)
                })
                .collect::<Option<Vec<u64>>>()
        })
        .ok_or_else(|| {
            error(
                Some(&format!("{key}.shape")),
                "must be an array of positive integers, e.g. [2, 16]".into(),
            )
        })?;
    let dtype = match table.get("dtype") {
        None => Dtype::Float32,
        Some(value) => {
            let name = value.as_str().unwrap_or_default();
            Dtype::ALL
                .into_iter()
                .find(|d| d.name() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = Dtype::ALL.iter().map(|d| d.name()).collect();
                    error(
                        Some(&format!("{key}.dtype")),
                        format!(
                            "unknown dtype {value}; expected one of {}",
                            known.join(", ")
                        ),
                    )
                })?
        }
    };
    let bound = |name: &str, default: Option<f64>| -> Result<f64, ConfigError> {
        match table.get(name) {
            Some(value) => number(value)
                .ok_or_else(|| error(Some(&format!("{key}.{name}")), "must be a number".into())),
            None => default.ok_or_else(|| {
                error(
                    Some(&format!("{key}.{name}")),
                    "missing: integer inputs need an upper bound (token ids: the vocabulary size)"
                        .into(),
                )
            }),
        }
    };
    let low = bound("low", Some(0.0))?;
    let high = bound("high", dtype.is_float().then_some(1.0))?;
    if high <= low {
        return Err(error(
            Some(&format!("{key}.high")),
            format!("must be greater than low ({low})"),
        ));
    }
    Ok(InputSpec {
        shape,
        dtype,
        low,
        high,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<BenchConfig, ConfigError> {
        parse(text, Path::new("proj/portui.toml"))
    }

    fn error_of(text: &str) -> String {
        parse_str(text).unwrap_err().to_string()
    }

    const VALID: &str = r#"
[bench]
file = "model.py"
model = "GPT(GPTConfig())"
inputs = [{ shape = [2, 16], dtype = "int64", low = 0, high = 101 }]
"#;

    #[test]
    fn parses_a_minimal_section_with_defaults() {
        let config = parse_str(VALID).unwrap();
        assert_eq!(config.file, PathBuf::from("model.py"));
        assert_eq!(config.model, "GPT(GPTConfig())");
        assert_eq!(
            config.inputs,
            vec![InputSpec {
                shape: vec![2, 16],
                dtype: Dtype::Int64,
                low: 0.0,
                high: 101.0
            }]
        );
        assert_eq!(
            (config.warmup, config.iters, config.tolerance),
            (DEFAULT_WARMUP, DEFAULT_ITERS, DEFAULT_TOLERANCE)
        );
        assert_eq!(config.python, None);
    }

    #[test]
    fn every_fixture_config_parses() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for name in ["gpt", "cnn", "llama"] {
            let config = load(&fixtures.join(name)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(config.file, PathBuf::from("model.py"), "{name}");
        }
    }

    #[test]
    fn float_inputs_default_to_the_unit_interval() {
        let config =
            parse_str("[bench]\nfile = \"m.py\"\nmodel = \"M()\"\ninputs = [{ shape = [1, 3] }]\n")
                .unwrap();
        assert_eq!(config.inputs[0].dtype, Dtype::Float32);
        assert_eq!((config.inputs[0].low, config.inputs[0].high), (0.0, 1.0));
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        assert_eq!(
            error_of("[other]\nx = 1\n"),
            "proj/portui.toml: no [bench] section; `portui bench --init` writes a commented template"
        );
        assert!(error_of("[bench\n").starts_with("proj/portui.toml: not valid TOML"));
        assert_eq!(
            error_of(&VALID.replace("file = \"model.py\"\n", "")),
            "proj/portui.toml: [bench].file: missing: the model's .py file, relative to the project"
        );
        assert!(
            error_of(&VALID.replace("model = ", "iter = 3\nmodel = "))
                .starts_with("proj/portui.toml: [bench].iter: unknown key")
        );
        assert!(error_of(&VALID.replace("[2, 16]", "[2, 0]")).starts_with(
            "proj/portui.toml: [bench].inputs[0].shape: must be an array of positive integers"
        ));
        assert_eq!(
            error_of(&VALID.replace("int64", "int8")),
            "proj/portui.toml: [bench].inputs[0].dtype: unknown dtype \"int8\"; expected one of float32, float16, bfloat16, int32, int64"
        );
        assert!(error_of(&VALID.replace(", high = 101", "")).starts_with(
            "proj/portui.toml: [bench].inputs[0].high: missing: integer inputs need an upper bound"
        ));
        assert_eq!(
            error_of(&VALID.replace("low = 0", "low = 200")),
            "proj/portui.toml: [bench].inputs[0].high: must be greater than low (200)"
        );
        assert_eq!(
            error_of(&VALID.replace("inputs = [{", "warmup = -1\ninputs = [{")),
            "proj/portui.toml: [bench].warmup: must be an integer >= 0"
        );
        assert_eq!(
            error_of(&VALID.replace("inputs = [{", "iters = 0\ninputs = [{")),
            "proj/portui.toml: [bench].iters: must be an integer >= 1"
        );
        assert_eq!(
            error_of(&VALID.replace("inputs = [{", "tolerance = \"small\"\ninputs = [{")),
            "proj/portui.toml: [bench].tolerance: must be a number"
        );
        assert_eq!(
            error_of(&VALID.replace("model.py", "../elsewhere.py")),
            "proj/portui.toml: [bench].file: must be a path inside the project"
        );
        assert_eq!(
            error_of("[bench]\nfile = \"m.py\"\nmodel = \"M()\"\ninputs = []\n"),
            "proj/portui.toml: [bench].inputs: must be a non-empty array of { shape, dtype, low, high } tables"
        );
    }

    #[test]
    fn a_missing_file_says_how_to_write_one() {
        let error = load(Path::new("/nonexistent/project")).unwrap_err();
        assert_eq!(
            error.path,
            PathBuf::from("/nonexistent/project/portui.toml")
        );
        assert!(
            error
                .message
                .contains("portui bench --init /nonexistent/project")
        );
    }
}
