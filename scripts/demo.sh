#!/usr/bin/env bash
# Installs what is needed, builds edigw, and runs `edigw demo`: the gateway
# from nothing on an embedded SQLite log, its example partners on their
# transports (acme over a drop folder, or SFTP to a local sshd; buyerco over
# AS2 with BuyerCo's own AS2 server), every sample sent as its partner would,
# then the transmission log, the rejected-document report and the KPIs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target edigw -j2
exec build/gateway/edigw demo "$@"
