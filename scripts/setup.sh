#!/usr/bin/env bash
# Installs everything edigw needs to build and test on Debian 12, as root.
# Idempotent: a machine that already has the packages only pays for the check.
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev
  libssh2-1-dev libssl-dev zlib1g-dev libsqlite3-dev sqlite3 libtomlplusplus-dev
  catch2 libbenchmark-dev
  clang libclang-rt-14-dev
  openssh-server openssh-client curl openssl
  chromium
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Boost 1.74 dev headers would shadow 1.81's; 1.81 is the supported one.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
