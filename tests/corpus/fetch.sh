#!/usr/bin/env bash
# Download and unpack the large pinned corpus (transformers 5.24.0, timm 1.0.31, torchvision
# 0.29.2 from their PyPI wheels: about 3,400 files, 60 MB of Python) into a cache outside the
# checkout, once, and print the directory that holds it. The speed benchmark and the
# corpus-parse test both use it, so they measure and check the same code.
#
# Usage: tests/corpus/fetch.sh CACHE_DIR PYTHON
#   CACHE_DIR  where the wheels and the unpacked tree are kept
#   PYTHON     a Python with pip, used to download the wheels and unzip them
set -euo pipefail

cache="$1" python="$2"
say() { printf '%s\n' "$*" >&2; }

# Pinned, so that a result can be compared with another run: packages with a lot of torch code.
packages=(transformers==5.24.0 timm==1.0.31 torchvision==0.29.2)
wheels="$cache/wheels"
corpus="$cache/src/corpus-$(printf '%s-' "${packages[@]}" | tr '=' '_')"
if [[ ! -d "$corpus" ]]; then
    rm -rf "$corpus.partial"
    mkdir -p "$wheels" "$corpus.partial"
    for spec in "${packages[@]}"; do
        name="${spec%%==*}" version="${spec#*==}"
        if ! compgen -G "$wheels/$name-$version-*.whl" >/dev/null; then
            say "downloading the $spec wheel"
            "$python" -m pip download --quiet --disable-pip-version-check --no-deps "$spec" -d "$wheels"
        fi
        wheel="$(find "$wheels" -maxdepth 1 -name "$name-$version-*.whl" | head -n 1)"
        say "unpacking $(basename "$wheel")"
        "$python" -m zipfile -e "$wheel" "$corpus.partial/$name.unpacked"
        mv "$corpus.partial/$name.unpacked/$name" "$corpus.partial/$name"
        rm -rf "$corpus.partial/$name.unpacked"
    done
    mv "$corpus.partial" "$corpus"
fi
echo "$corpus"
