use super::*;

const NOTEBOOK: &str = r##"{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": [
    "# A model\n",
    "Trained on *toy* data."
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [],
   "source": [
    "%matplotlib inline\n",
    "!pip install torch\n",
    "import torch"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 2,
   "metadata": {
    "tags": [
     "keep"
    ]
   },
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "3\n"
     ]
    }
   ],
   "source": "%%time\nfiles = !ls\nx = torch.zeros(3)\nprint(len(x))\n"
  }
 ],
 "metadata": {
  "kernelspec": {
   "display_name": "Python 3",
   "language": "python",
   "name": "python3"
  }
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
"##;

#[test]
fn code_cells_become_one_source_with_ipython_lines_masked_at_the_same_length() {
    let source = to_source(NOTEBOOK).unwrap();
    assert_eq!(
        source,
        "# ── cell 2 ──\n#matplotlib inline\n#pip install torch\nimport torch\n\
         # ── cell 3 ──\n#%time\nfiles = 0#s\nx = torch.zeros(3)\nprint(len(x))\n"
    );
    crate::parse::parse_module(&source).expect("the masked source parses");
    let cells = CellMap::of(&source);
    assert_eq!(cells.locate(1), None);
    assert_eq!(cells.locate(4), Some((2, 3)));
    assert_eq!(cells.locate(8), Some((3, 3)));
}

#[test]
fn a_non_python_cell_magic_masks_the_whole_cell() {
    assert_eq!(
        mask("%%bash\necho hi\n  ls é\n"),
        "#%bash\n#cho hi\n  #s é\n"
    );
}

#[test]
fn an_unchanged_port_writes_the_notebook_back_byte_for_byte() {
    let source = to_source(NOTEBOOK).unwrap();
    assert_eq!(write_back(NOTEBOOK, &source).unwrap(), NOTEBOOK);
}

#[test]
fn a_changed_cell_gets_its_code_back_with_magics_and_loses_its_outputs() {
    let source = to_source(NOTEBOOK).unwrap();
    let ported = source
        .replace("import torch\n", "import mlx.core as mx\n")
        .replace("torch.zeros", "mx.zeros");
    let written = write_back(NOTEBOOK, &ported).unwrap();
    let notebook: Value = serde_json::from_str(&written).unwrap();
    let original: Value = serde_json::from_str(NOTEBOOK).unwrap();
    assert_eq!(
        notebook["cells"][0], original["cells"][0],
        "markdown untouched"
    );
    assert_eq!(notebook["metadata"], original["metadata"]);
    assert_eq!(
        cell_source(&notebook["cells"][1]),
        "%matplotlib inline\n!pip install torch\nimport mlx.core as mx"
    );
    assert_eq!(
        cell_source(&notebook["cells"][2]),
        "%%time\nfiles = !ls\nx = mx.zeros(3)\nprint(len(x))\n"
    );
    assert_eq!(notebook["cells"][2]["outputs"], serde_json::json!([]));
    assert_eq!(notebook["cells"][2]["execution_count"], Value::Null);
    assert_eq!(
        notebook["cells"][2]["metadata"],
        original["cells"][2]["metadata"]
    );
}

#[test]
fn an_import_put_before_the_first_marker_belongs_to_the_first_code_cell() {
    let source = to_source(NOTEBOOK).unwrap();
    let written = write_back(NOTEBOOK, &format!("import math\n{source}")).unwrap();
    let notebook: Value = serde_json::from_str(&written).unwrap();
    assert!(cell_source(&notebook["cells"][1]).starts_with("import math\n%matplotlib inline\n"));
}
