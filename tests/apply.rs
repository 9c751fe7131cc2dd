//! Writing ports: mirrored trees, stale-file refusal, in-place with backups, stable hunk ids.

mod common;

use portui::write::{Selection, Target, apply};
use std::fs;
use std::path::Path;

const MODEL: &str = "import torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n    def forward(self, x):\n        # keep this comment\n        return x.view(-1).cuda()\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("model.py"), MODEL).expect("write");
    fs::write(dir.path().join("data.txt"), "not python\n").expect("write");
    fs::create_dir(dir.path().join("__pycache__")).expect("mkdir");
    fs::write(dir.path().join("__pycache__/model.cpython-311.pyc"), b"\0").expect("write");
    dir
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn mirrored_tree_gets_the_port_and_the_other_files_and_leaves_the_original() {
    let project = project();
    let out = tempfile::tempdir().expect("temp dir");
    let analysis = common::analyse(project.path());
    let report = apply(
        &analysis,
        &Selection::AcceptAll,
        &Target::Tree(out.path().to_path_buf()),
    )
    .expect("applies");
    assert_eq!(report.written.len(), 1);
    assert!(report.refused.is_empty());
    let ported = read(&out.path().join("model.py"));
    assert!(
        ported.contains(
            "def __call__(self, x):\n        # keep this comment\n        return x.reshape(-1)\n"
        ),
        "{ported}"
    );
    assert!(!ported.contains("torch"), "{ported}");
    assert_eq!(read(&out.path().join("data.txt")), "not python\n");
    assert!(!out.path().join("__pycache__").exists());
    assert_eq!(read(&project.path().join("model.py")), MODEL);
}

#[test]
fn a_file_changed_after_analysis_is_not_written() {
    let project = project();
    let out = tempfile::tempdir().expect("temp dir");
    let analysis = common::analyse(project.path());
    fs::write(
        project.path().join("model.py"),
        format!("{MODEL}# edited meanwhile\n"),
    )
    .expect("write");
    let report = apply(
        &analysis,
        &Selection::AcceptAll,
        &Target::Tree(out.path().to_path_buf()),
    )
    .expect("applies");
    assert!(report.written.is_empty());
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert!(!out.path().join("model.py").exists());
}

#[test]
fn in_place_refuses_on_any_change_and_otherwise_keeps_a_backup() {
    let project = project();
    let analysis = common::analyse(project.path());
    fs::write(
        project.path().join("model.py"),
        format!("{MODEL}# edited meanwhile\n"),
    )
    .expect("write");
    let refused =
        apply(&analysis, &Selection::AcceptAll, &Target::InPlace).expect_err("must refuse");
    assert!(refused.contains("changed on disk"), "{refused}");
    assert_eq!(
        read(&project.path().join("model.py")),
        format!("{MODEL}# edited meanwhile\n")
    );

    fs::write(project.path().join("model.py"), MODEL).expect("write");
    let analysis = common::analyse(project.path());
    let report = apply(&analysis, &Selection::AcceptAll, &Target::InPlace).expect("applies");
    assert_eq!(report.written.len(), 1);
    assert!(read(&project.path().join("model.py")).contains("__call__"));
    let backups: Vec<_> = walk(&project.path().join(".portui-backup"));
    assert!(
        backups
            .iter()
            .any(|p| p.ends_with("model.py") && read(p) == MODEL),
        "{backups:?}"
    );
}

#[test]
fn safe_only_leaves_review_hunks_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    // view on an unknown receiver is a review hunk; forward → __call__ is safe.
    fs::write(dir.path().join("m.py"), "import torch.nn as nn\n\n\nclass M(nn.Module):\n    def forward(self, x):\n        return helper(x).view(-1)\n").expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let analysis = common::analyse(dir.path());
    apply(
        &analysis,
        &Selection::SafeOnly,
        &Target::Tree(out.path().to_path_buf()),
    )
    .expect("applies");
    let ported = read(&out.path().join("m.py"));
    assert!(
        ported.contains("def __call__") && ported.contains(".view(-1)"),
        "{ported}"
    );
}

#[test]
fn a_later_walk_skips_the_output_tree() {
    let project = project();
    let out = project.path().join("ported");
    let analysis = common::analyse(project.path());
    apply(&analysis, &Selection::AcceptAll, &Target::Tree(out)).expect("applies");
    let again = common::analyse(project.path());
    assert_eq!(
        again.files.len(),
        1,
        "{:?}",
        again.files.iter().map(|f| &f.rel).collect::<Vec<_>>()
    );
}

#[test]
fn hunk_ids_survive_an_unrelated_edit() {
    let before = portui::analysis::analyse_text(Path::new("m.py"), MODEL.to_string());
    let edited = MODEL.replace(
        "class M(nn.Module):",
        "# a new comment\n\nclass M(nn.Module):",
    );
    let after = portui::analysis::analyse_text(Path::new("m.py"), edited);
    let ids =
        |a: &portui::analysis::FileAnalysis| a.hunks.iter().flatten().copied().collect::<Vec<_>>();
    assert!(!ids(&before).is_empty());
    assert_eq!(ids(&before), ids(&after));
    let changed =
        portui::analysis::analyse_text(Path::new("m.py"), MODEL.replace("view(-1)", "view(-1, 2)"));
    assert_ne!(ids(&before), ids(&changed));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            found.extend(walk(&entry.path()));
        } else {
            found.push(entry.path());
        }
    }
    found
}

#[test]
fn removing_a_device_variable_removes_its_uses_in_the_same_hunk() {
    let text = "import torch\n\ndef f(idx):\n    device = idx.device\n    pos = torch.arange(0, 4, dtype=torch.long, device=device)\n    return pos + idx.to(device)\n";
    let analysis = portui::analysis::analyse_text(Path::new("f.py"), text.to_string());
    let device_variable = analysis
        .findings
        .iter()
        .position(|f| f.rule == "device" && f.message.contains("only places tensors"))
        .expect("the device variable is found");
    let ported =
        portui::port::port(text, &analysis.findings, |i| i == device_variable).expect("ports");
    assert!(!ported.text.contains("device"), "{}", ported.text);
    assert!(
        ported.text.contains("torch.arange(0, 4, dtype=torch.long)"),
        "{}",
        ported.text
    );
}

#[test]
fn a_rewrite_sharing_a_prefix_with_torch_still_removes_the_import() {
    // `torch.Size(` → `tuple(`: the edit is trimmed to `orch.Size` → `uple`, which starts
    // inside the name `torch`; the name is still replaced, so the import goes.
    let text = "import torch\n\ndef f():\n    return torch.Size([2, 3])\n";
    let analysis = portui::analysis::analyse_text(Path::new("f.py"), text.to_string());
    let ported = portui::port::port(text, &analysis.findings, |_| true).expect("ports");
    assert!(
        ported.text.contains("return tuple([2, 3])"),
        "{}",
        ported.text
    );
    assert!(!ported.text.contains("import torch"), "{}", ported.text);
}

/// A torch function a module re-exports (`from torch.hub import get_dir  # noqa: F401`, for
/// other modules to import) or keeps under another name (`interp = F.interpolate`) is bound to
/// the MLX function that takes torch's parameters, so the importing module runs on the port,
/// without torch, with torch's results.
#[test]
fn re_exported_and_aliased_torch_functions_stay_importable_without_torch() {
    let project = tempfile::tempdir().expect("temp dir");
    fs::write(
        project.path().join("helpers.py"),
        "import torch.nn.functional as F\n\ntry:\n    from torch.hub import get_dir  # noqa: F401\nexcept ImportError:\n    from torch.hub import get_dir  # noqa: F401\n\ninterp = F.interpolate\n",
    )
    .expect("write");
    fs::write(
        project.path().join("main.py"),
        "from helpers import get_dir, interp\n\n\ndef run(x):\n    return get_dir(), interp(x, scale_factor=2, mode=\"nearest\")\n",
    )
    .expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let analysis = common::analyse(project.path());
    let report = apply(
        &analysis,
        &Selection::AcceptAll,
        &Target::Tree(out.path().to_path_buf()),
    )
    .expect("applies");
    assert!(report.refused.is_empty());
    let helpers = read(&out.path().join("helpers.py"));
    assert!(!helpers.contains("torch"), "{helpers}");
    let (ok, want, stderr) = common::run_python(&[
        "-c".as_ref(),
        "import torch.hub; print(torch.hub.get_dir())".as_ref(),
    ]);
    assert!(ok, "{stderr}");
    let parity = common::repo().join("tests/py");
    let script = format!(
        "import sys; sys.path[:0] = [{parity:?}, {out:?}]\nimport parity; sys.meta_path.insert(0, parity.BlockTorch({out:?}))\nimport mlx.core as mx, main\nhome, y = main.run(mx.arange(4.0).reshape(1, 1, 2, 2))\nprint(home); print(y.shape, y[0, 0, 3].tolist())\n",
        parity = parity.display().to_string(),
        out = out.path().display().to_string()
    );
    let (ok, got, stderr) = common::run_python(&["-c".as_ref(), script.as_ref()]);
    assert!(ok, "{got}\n{stderr}");
    assert_eq!(got, format!("{want}(1, 1, 4, 4) [2.0, 2.0, 3.0, 3.0]\n"));
}
