#!/usr/bin/env bash
# Installs what is needed, builds edigw, and runs the gateway's offline path
# on the samples, on a fresh embedded SQLite log: the validation report, the
# files received into the log (acks to the outbox, duplicates recognised),
# the transmission log, the rejected-document report and the KPIs, then the
# 855, 856 and 810 answers from the templates.
# (The service with its transports and dashboard replaces this when it lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target edigw -j2
edigw=build/gateway/edigw
data=var/demo
rm -rf "$data"
# The samples are the worked examples of March 2024: judge their dates as of then.
received=2024-03-15
step() { echo; echo "== $*"; }

step "edigw validate samples/850-005010-bad-date.x12 (syntax, BuyerCo's guide, business rules, 855 decisions)"
$edigw validate samples/850-005010-bad-date.x12 --received $received || true

step "edigw receive samples/*.x12 --with-855 (archive, validate, rules, log, acks and 855s), then the first file again"
$edigw receive samples/850-005010-original.x12 samples/850-005010-bad-date.x12 samples/850-004010-control-mismatch.x12 \
  --data "$data" --received $received --with-855 || true
$edigw receive samples/850-005010-original.x12 --data "$data" --received $received || true

step "edigw log"
$edigw log --data "$data"

step "edigw report rejected"
$edigw report rejected --data "$data"

step "edigw kpi"
$edigw kpi --data "$data"

step "the 855 that answered PO-7001 (from the business rules' decisions)"
cat "$(ls "$data"/outbox/buyerco/*-855.x12 | head -1)"
step "edigw emit 856 from samples/shipment-buyerco-SHP-9001.json (SSCC-18s generated)"
$edigw emit 856 --partner buyerco --shipment samples/shipment-buyerco-SHP-9001.json --data "$data"
step "edigw emit 810 from samples/invoice-buyerco-INV-3001.json"
$edigw emit 810 --partner buyerco --invoice samples/invoice-buyerco-INV-3001.json --data "$data"

step "the log now holds what we sent, awaiting BuyerCo's 997s: edigw log --direction out"
$edigw log --direction out --data "$data"
echo
echo "Data directory: $data (edigw.db, archive/, outbox/). Try: $edigw show PO-7002 --data $data"
