#!/usr/bin/env bash
# Runs socklab's tests on this machine, setting up what they need first: Node >= 22.22, the npm
# dependencies, the programs the interop tests talk to (netcat, python3), and the network tools
# of the namespace tests (iproute2, ethtool).
# Extra arguments go to vitest (e.g. --project unit).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
source scripts/ensure-packages.sh
ensure_packages nc:netcat-openbsd python3:python3 unshare:util-linux ip:iproute2 ethtool:ethtool tc:iproute2
source scripts/ensure-deps.sh
exec npx vitest run "$@"
