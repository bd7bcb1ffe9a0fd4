# Sourced by the set-up scripts: installs Debian packages that are missing, where apt-get and
# root are available. Usage: ensure_packages COMMAND:PACKAGE ...
ensure_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "socklab: missing ${missing[*]}; install them with your package manager and run this again" >&2
    return 1
  fi
  echo "socklab: installing ${missing[*]}" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1 || {
    echo "socklab: 'apt-get install ${missing[*]}' failed" >&2
    return 1
  }
}
