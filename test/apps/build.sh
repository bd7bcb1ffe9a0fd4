#!/usr/bin/env bash
# Builds the test images of third-party apps (nginx, dnsmasq) on the lab's offline base, as a user
# would build their own app's image. Prints nothing on success.
#   usage: test/apps/build.sh [NAME...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")"
source ../../docker/base-packages.sh
base="${BASE_IMAGE:-$(base_image_tag)}"
docker image inspect "$base" >/dev/null 2>&1 || base="node:24-bookworm-slim"
for name in "${@:-nginx dnsmasq}"; do
  for n in $name; do
    docker build -q --build-arg BASE_IMAGE="$base" -t "socklab-test-$n:latest" "$n" >/dev/null
  done
done
