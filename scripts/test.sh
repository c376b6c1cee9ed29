#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test through CTest
# (including the corpus sweep under ASan+UBSan), then the tests of the
# pipeline's threads under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2

# The analysis's batch helper, the 855s made while a file is recorded and a
# large file's archive written while it is analysed all share data between
# threads: their tests run again with every library built under TSan.
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DEDIGW_BUILD_BENCH=OFF -DEDIGW_SANITIZED_SWEEP=OFF >/dev/null
cmake --build build-tsan -j2 --target edigw_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/tests/edigw_tests "[inbound],[log],[emit]"
