#!/usr/bin/env bash
# Speed and peak memory of `portui check` against `ruff check` on the same large real-world
# Python tree (the `transformers` package, unpacked from its wheel). See README.md beside this.
#
# Usage: tests/bench/speed.sh
#   PORTUI_BENCH_CACHE  cache for the venv, the wheel and the unpacked tree
#                       (default: ~/.cache/portui-bench)
#   PORTUI_BENCH_RUNS   timed runs per tool (default: 3; the median wall time is reported)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${PORTUI_BENCH_CACHE:-$HOME/.cache/portui-bench}"
runs="${PORTUI_BENCH_RUNS:-3}"
python="${PYTHON:-python3}"

say() { printf '%s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (Debian package 'time')"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
    else
        say "/usr/bin/time is missing: run 'sudo apt-get install -y time'"; exit 2
    fi
fi

venv="$cache/venv"
if [[ ! -x "$venv/bin/ruff" ]]; then
    say "creating $venv with ruff"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check ruff
fi
ruff="$venv/bin/ruff"

# --- corpus ----------------------------------------------------------------------------------
wheels="$cache/wheels"
mkdir -p "$wheels"
if ! compgen -G "$wheels/transformers-*.whl" >/dev/null; then
    say "downloading the transformers wheel"
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps transformers -d "$wheels"
fi
wheel="$(ls -1 "$wheels"/transformers-*.whl | sort -V | tail -n 1)"
unpacked="$cache/src/$(basename "$wheel" .whl)"
if [[ ! -d "$unpacked" ]]; then
    say "unpacking $(basename "$wheel")"
    rm -rf "$unpacked.partial"
    mkdir -p "$unpacked.partial"
    "$python" -m zipfile -e "$wheel" "$unpacked.partial"
    mv "$unpacked.partial" "$unpacked"
fi
corpus="$unpacked/transformers"

# --- portui ----------------------------------------------------------------------------------
say "building portui (release)"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
portui="$target_dir/release/portui"

# --- measuring -------------------------------------------------------------------------------
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# measure NAME OK_CODES CMD...: run CMD $runs times (stdout to /dev/null), fail on an exit code
# not in OK_CODES, and append "NAME median_wall_s peak_rss_kb" to $scratch/results.
measure() {
    local name="$1" ok="$2"; shift 2
    local walls=() peak=0 i rc wall rss
    # Run 0 is an untimed warm-up (page cache, binary loading).
    for ((i = 0; i <= runs; i++)); do
        rc=0
        /usr/bin/time -f '%e %M' -o "$scratch/time" "$@" >/dev/null 2>"$scratch/stderr" || rc=$?
        if [[ " $ok " != *" $rc "* ]]; then
            say "$name: exit $rc (expected one of: $ok)"; tail -n 20 "$scratch/stderr" >&2; exit 1
        fi
        # GNU time prints "Command exited with non-zero status N" before the format line.
        read -r wall rss < <(tail -n 1 "$scratch/time")
        ((i == 0)) && continue
        walls+=("$wall")
        if ((rss > peak)); then peak=$rss; fi
        say "  $name run $i: ${wall} s, $((rss / 1024)) MB"
    done
    local median
    median="$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
    echo "$name $median $peak" >>"$scratch/results"
}

py_files="$(find "$corpus" -name '*.py' -type f | wc -l)"
py_mb="$(find "$corpus" -name '*.py' -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f", s / 1048576 }')"

# How many files each tool looks at (untimed).
portui_files="$("$portui" check "$corpus" --format json 2>/dev/null |
    "$python" -c 'import json, sys; print(len(json.load(sys.stdin)["files"]))' || true)"
ruff_files="$("$ruff" check --no-cache --isolated --show-files "$corpus" 2>/dev/null | grep -cE '\.pyi?$' || true)"

portui_version="$("$portui" --version | awk '{ print $2 }')"
ruff_version="$("$ruff" --version | awk '{ print $2 }')"

say "corpus: $corpus"
say "measuring $runs run(s) per tool"
# portui exits 1 when something is left to port, which is expected here.
measure portui "0 1" "$portui" check "$corpus" --format json
measure ruff "0" "$ruff" check --no-cache --isolated --select F,UP --exit-zero "$corpus"

echo
echo "corpus: $(basename "$unpacked") — $py_files .py files, $py_mb MB of Python"
echo "machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg) at the end; both tools use every core"
echo "commands:"
echo "  portui check $corpus --format json > /dev/null"
echo "  ruff check --no-cache --isolated --select F,UP --exit-zero $corpus > /dev/null"
echo
printf '%-8s %-10s %7s %15s %13s\n' tool version files "median wall s" "peak RSS MB"
while read -r name median peak; do
    if [[ $name == portui ]]; then version=$portui_version files=$portui_files; else version=$ruff_version files=$ruff_files; fi
    printf '%-8s %-10s %7s %15.2f %13d\n' "$name" "$version" "$files" "$median" "$((peak / 1024))"
done <"$scratch/results"

# Targets (README.md): portui no slower than ruff, peak RSS under 300 MB.
read -r _ portui_wall portui_peak < <(grep '^portui ' "$scratch/results")
read -r _ ruff_wall _ < <(grep '^ruff ' "$scratch/results")
echo
awk -v p="$portui_wall" -v r="$ruff_wall" 'BEGIN {
    printf "speed:  portui/ruff = %.2fx  (target <= 1.00x): %s\n", p / r, (p <= r ? "met" : "MISSED") }'
awk -v m="$((portui_peak / 1024))" 'BEGIN {
    printf "memory: portui peak %d MB (target < 300 MB): %s\n", m, (m < 300 ? "met" : "MISSED") }'
