# Sourced by the set-up scripts: makes sure a Docker engine answers and Compose exists. On Debian
# as root, installs docker.io and docker-compose when missing and starts dockerd with its address
# pool in RFC 2544's benchmarking range (so a test run uses no address anyone else owns); its pid
# goes to /tmp/socklab-dockerd.pid so that CI can stop it again.
source "$(dirname "${BASH_SOURCE[0]}")/ensure-trixie-docker.sh"

ensure_docker() {
  # Debian 12's docker.io brings containerd, runc and docker-init; docker-compose is Compose v1,
  # which the classroom test also runs.
  if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1 || ! command -v docker-compose >/dev/null 2>&1; then
    ensure_packages docker:docker.io dockerd:docker.io docker-compose:docker-compose || return 1
  fi
  # Compose v2, what most users run, is the one the suites use.
  ensure_compose_v2 || echo "socklab: Compose v2 is not available; using docker-compose (v1)" >&2
  docker info >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v dockerd >/dev/null 2>&1; then
    echo "socklab: no Docker engine answers; start one (sudo systemctl start docker) and run this again" >&2
    return 1
  fi
  local dockerd
  dockerd="$(trixie_dockerd)"
  echo "socklab: starting $("$dockerd" --version 2>/dev/null | head -1) ($dockerd)" >&2
  # A session of its own, so that Ctrl-C on the script that started it does not stop the engine;
  # its own directory first on PATH, so that it finds the docker-proxy that came with it.
  PATH="$(dirname "$dockerd"):$PATH" setsid nohup "$dockerd" --default-address-pool base=198.18.0.0/16,size=24 --bip 198.18.255.1/24 >/tmp/socklab-dockerd.log 2>&1 &
  echo $! >/tmp/socklab-dockerd.pid
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "socklab: dockerd did not come up; see /tmp/socklab-dockerd.log" >&2
  return 1
}
