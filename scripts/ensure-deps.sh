# Sourced by the set-up scripts: installs the npm dependencies when they are missing or older than
# the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'nodedir' || true
  [ -f node_modules/.package-lock.json ] || { echo "socklab: npm ci failed" >&2; exit 1; }
fi
# linkd's native data plane, built again when its source is newer (npm ci builds it too: the
# package's install script); where it cannot be built, linkd uses Node's dgram and says so.
if [ ! -f native/build/batch-udp.node ] || [ -n "$(find native -maxdepth 1 \( -name '*.c' -o -name '*.h' \) -newer native/build/batch-udp.node)" ]; then
  sh native/build.sh
fi
