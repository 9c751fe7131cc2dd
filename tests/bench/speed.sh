#!/usr/bin/env bash
# Speed and peak memory of `portui check` against `ruff check` on the same large real-world
# Python tree: transformers 5.24.0, timm 1.0.31 and torchvision 0.29.2, unpacked from their
# PyPI wheels (about 3,400 files). See README.md beside this.
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
ruff_pin="ruff==0.17.6"
if [[ ! -x "$venv/bin/ruff" ]] || [[ "$("$venv/bin/ruff" --version)" != "ruff ${ruff_pin#ruff==}" ]]; then
    say "creating $venv with $ruff_pin"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$ruff_pin"
fi
ruff="$venv/bin/ruff"

# --- corpus ----------------------------------------------------------------------------------
corpus="$("$repo/tests/corpus/fetch.sh" "$cache" "$venv/bin/python")"

# --- portui ----------------------------------------------------------------------------------
say "building portui (release)"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
portui="$target_dir/release/portui"

# --- measuring -------------------------------------------------------------------------------
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# run_once NAME OK_CODES RUN CMD...: run CMD once (stdout to /dev/null), fail on an exit code not
# in OK_CODES, and, unless RUN is 0 (the warm-up), append "wall_s peak_rss_kb" to
# $scratch/NAME.runs.
run_once() {
    local name="$1" ok="$2" run="$3"; shift 3
    local rc=0 wall rss
    /usr/bin/time -f '%e %M' -o "$scratch/time" "$@" >/dev/null 2>"$scratch/stderr" || rc=$?
    if [[ " $ok " != *" $rc "* ]]; then
        say "$name: exit $rc (expected one of: $ok)"; tail -n 20 "$scratch/stderr" >&2; exit 1
    fi
    # GNU time prints "Command exited with non-zero status N" before the format line.
    read -r wall rss < <(tail -n 1 "$scratch/time")
    if ((run > 0)); then
        echo "$wall $rss" >>"$scratch/$name.runs"
        say "  $name run $run: ${wall} s, $((rss / 1024)) MB"
    fi
}

# summary NAME: "median_wall_s peak_rss_kb" of the timed runs.
summary() {
    local median peak
    median="$(cut -d' ' -f1 "$scratch/$1.runs" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
    peak="$(cut -d' ' -f2 "$scratch/$1.runs" | sort -n | tail -n 1)"
    echo "$median $peak"
}

py_files="$(find "$corpus" -name '*.py' -type f | wc -l)"
py_mb="$(find "$corpus" -name '*.py' -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f", s / 1048576 }')"

# How many files each tool looks at (untimed).
portui_files="$("$portui" check "$corpus" --format json 2>/dev/null |
    "$python" -c 'import json, sys; print(len(json.load(sys.stdin)["files"]))' || true)"
ruff_files="$("$ruff" check --no-cache --isolated --show-files "$corpus" 2>/dev/null | grep -cE '\.pyi?$' || true)"

portui_version="$("$portui" --version | awk '{ print $2 }')"
ruff_version="$("$ruff" --version | awk '{ print $2 }')"

# ruff with one rule: reading, parsing and tokenising every file, with next to nothing after.
# portui parses with the same parser, so this is about the least any tool parsing the corpus
# takes; it puts the 0.7x target in perspective.
floor_rule=F401

say "corpus: $corpus"
say "measuring $runs run(s) per tool"
# Runs alternate between the tools so that anything else slowing the machine down hits both.
# Run 0 is an untimed warm-up (page cache, binaries).
for ((run = 0; run <= runs; run++)); do
    # portui exits 1 when something is left to port, which is expected here.
    run_once portui "0 1" "$run" "$portui" check "$corpus" --format json
    run_once ruff "0" "$run" "$ruff" check --no-cache --isolated --select F,UP --exit-zero "$corpus"
    run_once ruff-floor "0" "$run" "$ruff" check --no-cache --isolated --select "$floor_rule" --exit-zero "$corpus"
done

echo
echo "corpus: $(basename "$corpus") — $py_files .py files, $py_mb MB of Python"
echo "machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg) at the end; both tools use every core"
echo "commands:"
echo "  portui check $corpus --format json > /dev/null"
echo "  ruff check --no-cache --isolated --select F,UP --exit-zero $corpus > /dev/null"
echo "  ruff check --no-cache --isolated --select $floor_rule --exit-zero $corpus > /dev/null  (the floor)"
echo
printf '%-10s %-10s %7s %15s %13s\n' tool version files "median wall s" "peak RSS MB"
for name in portui ruff ruff-floor; do
    read -r median peak < <(summary "$name")
    if [[ $name == portui ]]; then version=$portui_version files=$portui_files; else version=$ruff_version files=$ruff_files; fi
    printf '%-10s %-10s %7s %15.2f %13d\n' "$name" "$version" "$files" "$median" "$((peak / 1024))"
done

# Targets (README.md): portui at most 0.7x ruff's time, peak RSS under 300 MB.
read -r portui_wall portui_peak < <(summary portui)
read -r ruff_wall _ < <(summary ruff)
echo
awk -v p="$portui_wall" -v r="$ruff_wall" 'BEGIN {
    printf "speed:  portui/ruff = %.2fx  (target <= 0.70x): %s\n", p / r, (p <= 0.7 * r ? "met" : "MISSED") }'
read -r floor_wall _ < <(summary ruff-floor)
awk -v f="$floor_wall" -v r="$ruff_wall" -v rule="$floor_rule" 'BEGIN {
    printf "floor:  ruff with only %s = %.2fx ruff with F,UP\n", rule, f / r }'
awk -v m="$((portui_peak / 1024))" 'BEGIN {
    printf "memory: portui peak %d MB (target < 300 MB): %s\n", m, (m < 300 ? "met" : "MISSED") }'
