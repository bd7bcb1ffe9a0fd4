# Sourced by the set-up scripts: makes sure a Docker engine answers and Compose exists. On Debian
# as root, installs docker.io and docker-compose when missing and starts dockerd with its address
# pool in RFC 2544's benchmarking range (so a test run uses no address anyone else owns); its pid
# goes to /tmp/socklab-dockerd.pid so that CI can stop it again.
ensure_docker() {
  if ! command -v docker >/dev/null 2>&1 || ! { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; }; then
    ensure_packages docker:docker.io docker-compose:docker-compose || return 1
  fi
  docker info >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v dockerd >/dev/null 2>&1; then
    echo "socklab: no Docker engine answers; start one (sudo systemctl start docker) and run this again" >&2
    return 1
  fi
  echo "socklab: starting dockerd" >&2
  # A session of its own, so that Ctrl-C on the script that started it does not stop the engine.
  setsid nohup dockerd --default-address-pool base=198.18.0.0/16,size=24 --bip 198.18.255.1/24 >/tmp/socklab-dockerd.log 2>&1 &
  echo $! >/tmp/socklab-dockerd.pid
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "socklab: dockerd did not come up; see /tmp/socklab-dockerd.log" >&2
  return 1
}
