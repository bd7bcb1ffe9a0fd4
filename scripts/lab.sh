#!/usr/bin/env bash
# Runs the lab on this machine, setting up what it needs first (a Docker engine, Compose, the lab
# image, built offline where no registry answers), then `docker compose up`: the client runs the
# UDP-vs-TCP demo and the lab stays up for `docker compose exec client bash`. Ctrl-C stops it.
# Extra arguments go to compose up (e.g. -d). Settings: see compose.yaml (LAB_IMPAIR, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
source scripts/ensure-packages.sh
ensure_packages debootstrap:debootstrap ip:iproute2
source scripts/ensure-docker.sh
ensure_docker
./scripts/images.sh
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
exec "${compose[@]}" -f compose.yaml up --no-build "$@"
