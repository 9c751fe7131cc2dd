#!/usr/bin/env bash
# The real-world corpus (tests/realworld/models.toml): public PyPI model packages ported whole by
# portui and run against torch. Uses the test venv that tests/run.sh creates and a portui binary
# ($PORTUI, else target/release/portui, built here when missing). Arguments go to realworld.py:
#   tests/realworld/run.sh                  # every model; exit 0 iff >= 80% match (--threshold)
#   tests/realworld/run.sh --subset ci      # the subset tests/run.sh runs
#   tests/realworld/run.sh --markdown       # the README's table on stdout
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/portui-tests/venv"
python="${PORTUI_TEST_PYTHON:-$venv/bin/python}"
if [ ! -x "$python" ]; then
  echo "realworld: no test venv at $venv: run tests/run.sh once (it creates it)" >&2
  exit 2
fi
if [ -z "${PORTUI:-}" ]; then
  PORTUI="$repo/target/release/portui"
  if [ ! -x "$PORTUI" ]; then
    (cd "$repo" && cargo build --release --locked)
  fi
fi
export PORTUI
exec "$python" "$here/realworld.py" --python "$python" "$@"
