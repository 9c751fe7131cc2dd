#!/usr/bin/env bash
# Every written port parses: `portui apply --accept-all` on the large pinned corpus
# (transformers, timm, torchvision: about 3,400 files, fetched once into the test cache by
# fetch.sh) must refuse no file and leave out no accepted hunk (two rewrites of one range
# that do not compose), and every port it writes must compile under CPython.
#
# Usage: PORTUI=path/to/portui tests/corpus/ports_parse.sh
#   PORTUI              the portui binary to test (default: target/release/portui, built if
#                       missing)
#   PORTUI_TEST_PYTHON  a Python with pip (default: python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PORTUI_TEST_PYTHON:-python3}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/portui-tests"
corpus="$("$here/fetch.sh" "$cache" "$python")"
portui="${PORTUI:-$repo/target/release/portui}"
if [[ -z "${PORTUI:-}" ]]; then
    cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
out="$scratch/port"

# apply exits 1 when leftovers remain for the audit, which is expected on this corpus.
rc=0
"$portui" apply --accept-all --out "$out" "$corpus" >"$scratch/apply.txt" 2>&1 || rc=$?
if ((rc > 1)); then
    echo "portui apply failed (exit $rc):" >&2
    tail -n 20 "$scratch/apply.txt" >&2
    exit 1
fi

failed=0
if grep -E '^not written:' "$scratch/apply.txt" >"$scratch/refused.txt"; then
    echo "apply --accept-all refused files:" >&2
    cat "$scratch/refused.txt" >&2
    failed=1
fi
# Accepted rewrites that apply leaves out (they overlap another and do not compose) would
# silently not happen under accept-all: none may remain.
if grep -E '^left out:' "$scratch/apply.txt" >"$scratch/left_out.txt"; then
    echo "apply --accept-all left out $(wc -l <"$scratch/left_out.txt") accepted hunk(s) that overlap another:" >&2
    cat "$scratch/left_out.txt" >&2
    failed=1
fi

# The ports compile under this CPython, wherever the original does (a newer Python's syntax
# in the original is not portui's to fix).
"$python" - "$out" "$corpus" <<'PY' || failed=1
import pathlib, sys
out, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def compiles(path):
    try:
        compile(path.read_bytes(), str(path), "exec")
        return None
    except SyntaxError as error:
        return f"{path}:{error.lineno}: {error.msg}"
bad = []
files = sorted(out.rglob("*.py"))
for path in files:
    error = compiles(path)
    original = corpus / path.relative_to(out)
    if error and (not original.exists() or compiles(original) is None):
        bad.append(error)
print(f"{len(files)} ports compiled, {len(bad)} do not", file=sys.stderr)
for line in bad:
    print(line, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
exit "$failed"
