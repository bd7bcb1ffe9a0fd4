#!/usr/bin/env bash
# Builds the lab image. The base is node:24-bookworm-slim where a registry answers; where the pull
# fails (no registry, offline), an offline base built with debootstrap from Debian's packages.
#   usage: scripts/images.sh [--offline]
set -euo pipefail
cd "$(dirname "$0")/.."
base="${BASE_IMAGE:-node:24-bookworm-slim}"
if [ "${1:-}" = "--offline" ] || ! docker image inspect "$base" >/dev/null 2>&1; then
  if [ "${1:-}" != "--offline" ] && timeout 60 docker pull -q "$base" >/dev/null 2>&1; then
    :
  else
    [ "${1:-}" = "--offline" ] || echo "socklab: cannot pull $base; building the offline base from Debian's packages instead" >&2
    source docker/base-packages.sh
    base="$(base_image_tag)"
    docker image inspect "$base" >/dev/null 2>&1 || docker/build-offline-base.sh "$base"
  fi
fi
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
# The image is labelled with what it was built from; startLab compares them with this checkout.
SOCKLAB_VERSION="$(node -p 'require("./package.json").version')"
SOCKLAB_SOURCES="$(node -e 'import("./src/lab/docker/image-sources.ts").then((m) => console.log(m.sourcesHash()))')"
export SOCKLAB_VERSION SOCKLAB_SOURCES
BASE_IMAGE="$base" "${compose[@]}" -f compose.yaml -p socklab-images build -q link >/dev/null
echo "socklab: built ${SOCKLAB_IMAGE:-socklab-lab:latest} on $base" >&2
