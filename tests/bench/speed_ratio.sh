#!/usr/bin/env bash
# The bench's torch/MLX speed ratio on a quiet machine and with two CPU hogs running, in one
# run, so the two can be compared (the goal: the busy ratio within 2x of the quiet one). It
# measures and prints; it does not gate. See README.md beside this.
#
# Usage: tests/bench/speed_ratio.sh
#   PORTUI_TEST_PYTHON  a Python with torch, numpy and mlx (default: the test venv)
#   PORTUI_RATIO_RUNS   bench runs per condition (default: 3)
#   PORTUI_RATIO_ITERS  timed rounds per run (default: 40)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PORTUI_TEST_PYTHON:-$HOME/.cache/portui-tests/venv/bin/python}"
runs="${PORTUI_RATIO_RUNS:-3}"
iters="${PORTUI_RATIO_ITERS:-40}"

cargo build --quiet --manifest-path "$repo/Cargo.toml"
portui="$repo/target/debug/portui" # the harness does the timing; portui's own speed is no factor

work="$(mktemp -d)"
hogs=()
cleanup() {
    for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

cp -r "$repo/fixtures/gpt" "$work/gpt"
sed -i "s/^iters = .*/iters = $iters/" "$work/gpt/portui.toml"
"$portui" apply "$work/gpt" --accept-all > /dev/null

# One line per run: the ratio (torch's fastest iteration over MLX's), the p10 and p90 of the
# rounds' own ratios, and whether that spread lets portui report the ratio.
measure() {
    local label="$1"
    for _ in $(seq "$runs"); do
        "$portui" bench "$work/gpt" --python "$python" --format json |
            "$python" -c '
import json, sys
s = json.load(sys.stdin)["result"]["speedup"]
verdict = "reliable" if s["p90"] / s["p10"] <= 3.0 else "unreliable"  # Speedup::SPREAD_LIMIT
print("%-5s ratio %.3f  p10 %.3f  p90 %.3f  %s" % (sys.argv[1], s["ratio"], s["p10"], s["p90"], verdict))
' "$label"
    done
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
quiet="$(measure quiet)"
echo "$quiet"
for _ in 1 2; do
    yes > /dev/null &
    hogs+=("$!")
done
sleep 1
busy="$(measure busy)"
echo "$busy"
echo "load average with the hogs: $(cut -d' ' -f1-3 /proc/loadavg)"

median_of() { awk '{print $3}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
q="$(median_of <<< "$quiet")"
b="$(median_of <<< "$busy")"
awk -v q="$q" -v b="$b" 'BEGIN {
    factor = (b > q) ? b / q : q / b
    printf "median ratio of the runs: quiet %.3f, busy %.3f; busy/quiet %.2fx (goal: within 2x)\n", q, b, factor
}'
