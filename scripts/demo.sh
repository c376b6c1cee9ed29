#!/usr/bin/env bash
# Installs what is needed, builds edigw, and runs the inbound path on the
# samples: the validation report (syntax, partner guide, business rules and
# the 855 decisions) and the acknowledgments the gateway would send.
# (The full gateway demo — service, transports, log, dashboard — replaces
# this when those land.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target edigw -j2
edigw=build/gateway/edigw
# The samples are the worked examples of March 2024: judge their dates as of then.
received=2024-03-15
for f in samples/*.x12; do
  echo
  echo "== edigw validate $f --received $received"
  $edigw validate "$f" --received $received || true
done
echo
echo "== edigw ack samples/850-005010-bad-date.x12 (partner found by ISA sender: buyerco, 999)"
$edigw ack samples/850-005010-bad-date.x12 || true
echo
echo "== edigw ack samples/850-005010-bad-date.x12 --partner acme (997, no detail for accepted sets)"
$edigw ack samples/850-005010-bad-date.x12 --partner acme || true
echo
echo "== edigw inspect samples/850-005010-original.x12 | head -30"
$edigw inspect samples/850-005010-original.x12 | head -30 || true
