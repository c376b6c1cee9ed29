#!/usr/bin/env bash
# Builds the parser fuzzer with clang and runs it for SECONDS (default 300),
# seeded from ../shared/corpus. Findings land in build-fuzz/findings.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DEDIGW_BUILD_FUZZ=ON -DEDIGW_BUILD_TESTS=OFF -DEDIGW_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --target edigw_fuzz_parser
mkdir -p build-fuzz/work build-fuzz/findings
find ../shared/corpus -type f ! -name '*.md' ! -name '*.tsv' -exec cp {} build-fuzz/work/ \;
build-fuzz/tests/fuzz/edigw_fuzz_parser build-fuzz/work -max_total_time="$seconds" -max_len=65536 \
  -artifact_prefix=build-fuzz/findings/ -print_final_stats=1
