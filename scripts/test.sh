#!/usr/bin/env bash
# Runs socklab's tests on this machine, setting up what they need first: Node >= 22.22, the npm
# dependencies, the programs the interop tests talk to (netcat, python3), and the network tools
# of the namespace tests (iproute2, ethtool) and the seed notes' tools their hosts use (traceroute,
# telnet, net-tools, curl, tcpdump), a Docker engine and the lab image.
# Extra arguments go to vitest (e.g. --project unit).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
source scripts/ensure-packages.sh
# chromium renders the HTML report in the report test.
ensure_packages nc:netcat-openbsd python3:python3 unshare:util-linux ip:iproute2 ethtool:ethtool tc:iproute2 debootstrap:debootstrap chromium:chromium \
  traceroute:traceroute telnet:inetutils-telnet ifconfig:net-tools curl:curl tcpdump:tcpdump conntrack:conntrack
source scripts/ensure-deps.sh
# The integration suite runs the lab on a real engine: an engine, and the lab image.
source scripts/ensure-docker.sh
ensure_docker
./scripts/images.sh
# The vm backend's guest (its tests grade in it, and the netem suite runs in it): prepared once,
# cached; a machine where it cannot be prepared fails those tests with the reason. After the engine:
# the warm guest is stale once the machine's packages or /etc change, as installing one does.
bash scripts/vm.sh --prepared 2>/dev/null || bash scripts/vm.sh true || true
# Its warm guest, which the vm backend's checks restore (nothing to do while it is current).
bash scripts/vm.sh --warm-prepare || true
# testcontainers: its reaper (Ryuk) is an image pulled from a registry, which machines without
# one cannot get; the suites remove their labs themselves (afterAll, await using). Set
# TESTCONTAINERS_RYUK_DISABLED=false where Ryuk can run. The engine is local.
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-localhost}"
exec npx vitest run "$@"
