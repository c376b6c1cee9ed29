#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test through CTest
# (including the corpus sweep under ASan+UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2
