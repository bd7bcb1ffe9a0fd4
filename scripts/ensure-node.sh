# Sourced by the set-up scripts: makes sure this shell runs Node >= 22.22 (vitest 5, commander 15
# and testcontainers 12 need it). Where the machine's Node is older, installs the current LTS
# from the npm registry into /usr/local, which comes first on PATH.
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=22)?0:1)'
}

export PATH="/usr/local/bin:$PATH"
hash -r
if ! node_ok; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "socklab: Node.js >= 22.22 is required and neither node nor npm is installed; install Node 24 LTS (https://nodejs.org) and run this again" >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && [ ! -w /usr/local/lib ]; then
    echo "socklab: Node.js >= 22.22 is required, found $(node --version 2>/dev/null || echo none); install Node 24 LTS, or run as root so that it can be installed with npm" >&2
    exit 1
  fi
  echo "socklab: Node $(node --version 2>/dev/null || echo none) is too old; installing node@24 from the npm registry" >&2
  npm install -g --prefix /usr/local node@24 >/dev/null 2>&1 || {
    echo "socklab: 'npm install -g --prefix /usr/local node@24' failed; install Node 24 LTS by hand" >&2
    exit 1
  }
  hash -r
  node_ok || { echo "socklab: Node >= 22.22 still not found on PATH after installing node@24" >&2; exit 1; }
fi
