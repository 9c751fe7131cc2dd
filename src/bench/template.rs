//! `portui bench --init`: a commented `[bench]` template guessed from the project. It lists the
//! `nn.Module` subclasses it found with their constructor signatures, picks the likeliest
//! top-level model (a module class no other module class builds, the largest of them), and
//! writes one input per required argument of its `forward`.

use super::config::CONFIG_FILE;
use crate::analysis::ProjectAnalysis;
use crate::parse::ast::{self, Stmt};
use crate::parse::{parse_module, span};
use crate::semantic::Semantic;
use std::path::{Path, PathBuf};

/// A module class as the template describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleClass {
    pub file: PathBuf,
    pub line: usize,
    pub name: String,
    /// `__init__`'s parameters without `self`, as written: `config, flash=True`.
    pub init: String,
    /// `forward`'s required parameters without `self`.
    pub forward_inputs: Vec<String>,
    /// Built by another module class of the same file (so not the top-level model).
    pub nested: bool,
    /// Owns convolutions/pooling: its inputs are images (NCHW in torch).
    pub images: bool,
    body_bytes: usize,
}

/// Every `nn.Module` subclass of the analysed project, in file and line order.
pub fn module_classes(analysis: &ProjectAnalysis) -> Vec<ModuleClass> {
    let mut found = Vec::new();
    for file in &analysis.files {
        let Some(source) = &file.source else { continue };
        let Ok(module) = parse_module(&source.text) else {
            continue;
        };
        let semantic = Semantic::build(&module);
        let classes: Vec<&ast::StmtClassDef> = module
            .body
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::ClassDef(class) => Some(class),
                _ => None,
            })
            .filter(|class| {
                semantic
                    .classes
                    .get(class.name.id.as_str())
                    .is_some_and(|info| info.is_module)
            })
            .collect();
        for class in &classes {
            let name = class.name.id.to_string();
            let nested = classes.iter().any(|other| {
                other.name.id != class.name.id && builds(&source.text[span(*other)], &name)
            });
            let method = |wanted: &str| {
                class.body.iter().find_map(|stmt| match stmt {
                    Stmt::FunctionDef(def) if def.name.id.as_str() == wanted => Some(def),
                    _ => None,
                })
            };
            let init = method("__init__").map_or(String::new(), |def| {
                let params = &source.text[span(&*def.parameters)];
                let params = params.trim_start_matches('(').trim_end_matches(')').trim();
                let params = params.strip_prefix("self").unwrap_or(params);
                params.trim_start_matches(',').trim().to_string()
            });
            let forward_inputs = method("forward").map_or(Vec::new(), |def| {
                let params = &def.parameters;
                params
                    .posonlyargs
                    .iter()
                    .chain(&params.args)
                    .filter(|p| p.default.is_none())
                    .map(|p| p.parameter.name.id.to_string())
                    .filter(|name| name != "self")
                    .collect()
            });
            found.push(ModuleClass {
                file: file.rel.clone(),
                line: file.location(span(*class).start).0,
                name,
                init,
                forward_inputs,
                nested,
                images: semantic.classes[class.name.id.as_str()].channels_last,
                body_bytes: span(*class).len(),
            });
        }
    }
    found
}

/// Whether `code` calls `name(` as a whole word.
fn builds(code: &str, name: &str) -> bool {
    code.match_indices(&format!("{name}(")).any(|(i, _)| {
        !code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

/// The likeliest top-level model: not built by another module class, then the largest.
fn top_level(classes: &[ModuleClass]) -> Option<&ModuleClass> {
    classes
        .iter()
        .filter(|c| !c.nested)
        .max_by_key(|c| c.body_bytes)
        .or_else(|| classes.iter().max_by_key(|c| c.body_bytes))
}

/// The commented template for the analysed project.
pub fn init_template(analysis: &ProjectAnalysis) -> String {
    let classes = module_classes(analysis);
    let mut out = String::from(
        "# Settings for `portui bench` (written by `portui bench --init`: a guess, edit it).\n\
         # portui imports `file` from the port (the `portui apply` output tree), builds `model` in\n\
         # that file's namespace and times it on `inputs`; when torch imports, it runs the original\n\
         # the same way, with the same weights and inputs, and checks the port against it.\n#\n",
    );
    if classes.is_empty() {
        out.push_str("# No nn.Module subclass was found: fill in `file` and `model` by hand.\n");
    } else {
        out.push_str("# nn.Module classes found, with their constructors:\n");
        for class in &classes {
            out.push_str(&format!(
                "#   {}:{}  {}({})\n",
                class.file.display(),
                class.line,
                class.name,
                class.init
            ));
        }
    }
    let model = top_level(&classes);
    let file = model.map_or_else(|| "model.py".into(), |m| m.file.display().to_string());
    let expression = model.map_or_else(|| "Model()".into(), |m| format!("{}({})", m.name, m.init));
    out.push_str("[bench]\n# The model's file, relative to this directory.\n");
    out.push_str(&format!("file = {}\n", toml_string(&file)));
    out.push_str(
        "# A Python expression evaluated in that file's namespace: give the constructor its\n\
         # arguments (small sizes keep the run short), e.g. GPT(GPTConfig(n_layer=2, n_embd=64)).\n",
    );
    out.push_str(&format!("model = {}\n", toml_string(&expression)));
    let forward = model.map_or(&[][..], |m| &m.forward_inputs[..]);
    out.push_str(&format!(
        "# One table per positional argument of {}.forward({}), in torch's shapes and layout.\n\
         # Float inputs are drawn uniformly from [low, high); integer inputs (token ids) from\n\
         # low..high-1, so `high` is the vocabulary size. dtypes: float32, float16, bfloat16,\n\
         # int32, int64.\ninputs = [\n",
        model.map_or("the model", |m| m.name.as_str()),
        forward.join(", ")
    ));
    let images = model.is_some_and(|m| m.images);
    for name in forward
        .iter()
        .map(String::as_str)
        .chain(forward.is_empty().then_some("x"))
    {
        out.push_str(&format!("    {},  # {name}\n", input_guess(name, images)));
    }
    out.push_str(
        "]\n# Untimed calls first (caches, allocations), then the timed ones.\nwarmup = 3\niters = 20\n\
         # Largest max-abs difference from torch's outputs that still counts as parity.\n\
         tolerance = 1e-4\n\
         # python = \".venv/bin/python\"  # default: --python, $VIRTUAL_ENV, portui's venv (--setup), python3\n",
    );
    out
}

fn input_guess(name: &str, images: bool) -> &'static str {
    let lower = name.to_lowercase();
    if ["idx", "ids", "token", "label", "target"]
        .iter()
        .any(|hint| lower.contains(hint))
    {
        r#"{ shape = [1, 16], dtype = "int64", low = 0, high = 100 }"#
    } else if images {
        r#"{ shape = [1, 3, 32, 32], dtype = "float32", low = -1.0, high = 1.0 }"#
    } else {
        r#"{ shape = [1, 16], dtype = "float32", low = -1.0, high = 1.0 }"#
    }
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Write the template to `<root>/portui.toml`, appending to an existing file without a
/// `[bench]` section. Refuses to touch a `[bench]` that is already there.
pub fn write_template(root: &Path, analysis: &ProjectAnalysis) -> Result<PathBuf, String> {
    let path = root.join(CONFIG_FILE);
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(format!("{}: cannot read: {error}", path.display())),
    };
    let has_bench = existing
        .parse::<toml::Table>()
        .map_err(|e| format!("{}: not valid TOML: {}", path.display(), e.message()))?
        .contains_key("bench");
    if has_bench {
        return Err(format!(
            "{} already has a [bench] section; edit it, or remove it to write a new template",
            path.display()
        ));
    }
    let separator = match existing.as_str() {
        "" => "",
        text if text.ends_with('\n') => "\n",
        _ => "\n\n",
    };
    let text = format!("{existing}{separator}{}", init_template(analysis));
    std::fs::write(&path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> ProjectAnalysis {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name);
        crate::analysis::analyse_path(&path, || {}).unwrap()
    }

    #[test]
    fn finds_the_gpt_classes_and_picks_the_top_level_model() {
        let classes = module_classes(&fixture("gpt"));
        let names: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["LayerNorm", "CausalSelfAttention", "MLP", "Block", "GPT"]
        );
        let gpt = top_level(&classes).unwrap();
        assert_eq!(
            (gpt.name.as_str(), gpt.init.as_str()),
            ("GPT", "config, flash=True")
        );
        assert_eq!(gpt.forward_inputs, ["idx"]);
        assert!(!gpt.nested);
        assert!(classes.iter().find(|c| c.name == "Block").unwrap().nested);
    }

    #[test]
    fn the_template_is_a_valid_bench_section() {
        for name in ["gpt", "cnn", "llama"] {
            let template = init_template(&fixture(name));
            let config = super::super::config::parse(&template, Path::new("portui.toml"))
                .unwrap_or_else(|e| panic!("{name}: {e}\n{template}"));
            assert_eq!(config.file, PathBuf::from("model.py"), "{name}");
        }
        let cnn = init_template(&fixture("cnn"));
        assert!(cnn.contains("model = \"ResNet(block, num_blocks, num_classes=10, width=16)\""));
        assert!(cnn.contains("shape = [1, 3, 32, 32]"), "{cnn}");
    }

    #[test]
    fn builds_matches_whole_names_only() {
        assert!(builds("self.b = Block(config)", "Block"));
        assert!(!builds("self.b = MyBlock(config)", "Block"));
        assert!(!builds("self.b = nn.Block(config)", "Block"));
    }
}
