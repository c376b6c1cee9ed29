#!/usr/bin/env bash
# Installs what is needed, builds edigw, and runs it on the samples: the
# envelope view of one file, then every sample as canonical-order JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target edigw -j2
echo
echo "== edigw inspect samples/850-005010-bad-date.x12"
build/gateway/edigw inspect samples/850-005010-bad-date.x12 || true
echo
echo "== edigw parse samples/*.x12 (orders, envelopes, diagnostics as JSON)"
build/gateway/edigw parse samples/*.x12 || true
