# Sourced by ensure-docker.sh. Debian 12 ships Docker 20.10 and only Compose v1; most users run
# Compose v2 and a newer engine. Debian's next release (trixie) packages Compose v2 (docker-compose
# 2.26, with docker-buildx 0.13) and Docker 26.1 as static-enough binaries that run on Debian 12
# with its own containerd and runc. These functions fetch exactly those packages by name, with a
# sources list and lists directory of their own (nothing else is taken from trixie, and the
# machine's apt configuration is not touched), and unpack their binaries:
#   the Compose and Buildx plugins into /usr/local/lib/docker/cli-plugins/
#   dockerd and docker-proxy into /usr/local/libexec/socklab-docker/ (started from there)
TRIXIE_DIR=/var/cache/socklab-trixie
TRIXIE_ENGINE_DIR=/usr/local/libexec/socklab-docker

trixie_fetch() {
  # usage: trixie_fetch PACKAGE... ; unpacks each into $TRIXIE_DIR/root/PACKAGE
  local mirror
  source "$(dirname "${BASH_SOURCE[0]}")/debian-mirror.sh"
  mirror="$(debian_mirror)"
  [ -n "$mirror" ] || { echo "socklab: no Debian mirror in /etc/apt; set SOCKLAB_DEBIAN_MIRROR" >&2; return 1; }
  mkdir -p "$TRIXIE_DIR/lists/partial" "$TRIXIE_DIR/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$TRIXIE_DIR/sources.list"
  local apt_opts=(-q -oDir::Etc::SourceList="$TRIXIE_DIR/sources.list" -oDir::Etc::SourceParts=/dev/null
    -oDir::State::Lists="$TRIXIE_DIR/lists" -oDir::Cache::Archives="$TRIXIE_DIR/archives"
    -oAPT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update >/dev/null 2>&1 || { echo "socklab: cannot read trixie's package lists from $mirror" >&2; return 1; }
  (cd "$TRIXIE_DIR" && apt-get "${apt_opts[@]}" download "$@" >/dev/null 2>&1) || {
    echo "socklab: cannot download $* from trixie" >&2
    return 1
  }
  local pkg deb
  for pkg in "$@"; do
    deb="$(ls -t "$TRIXIE_DIR/${pkg}"_*.deb | head -1)"
    rm -rf "$TRIXIE_DIR/root/$pkg"
    mkdir -p "$TRIXIE_DIR/root/$pkg"
    dpkg-deb -x "$deb" "$TRIXIE_DIR/root/$pkg"
  done
}

ensure_compose_v2() {
  docker compose version >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  echo "socklab: installing Compose v2 (the docker compose plugin) from Debian trixie's docker-compose package" >&2
  trixie_fetch docker-compose docker-buildx || return 1
  mkdir -p /usr/local/lib/docker/cli-plugins
  install -m 0755 "$TRIXIE_DIR/root/docker-compose/usr/libexec/docker/cli-plugins/docker-compose" \
    "$TRIXIE_DIR/root/docker-buildx/usr/libexec/docker/cli-plugins/docker-buildx" /usr/local/lib/docker/cli-plugins/
  docker compose version >/dev/null 2>&1
}

# Prints the dockerd to start: trixie's 26.1 where it can be had, else the machine's.
trixie_dockerd() {
  if [ ! -x "$TRIXIE_ENGINE_DIR/dockerd" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if trixie_fetch docker.io; then
      mkdir -p "$TRIXIE_ENGINE_DIR"
      install -m 0755 "$TRIXIE_DIR/root/docker.io/usr/sbin/dockerd" "$TRIXIE_DIR/root/docker.io/usr/sbin/docker-proxy" "$TRIXIE_ENGINE_DIR/"
    fi
  fi
  if [ -x "$TRIXIE_ENGINE_DIR/dockerd" ] && "$TRIXIE_ENGINE_DIR/dockerd" --version >/dev/null 2>&1; then
    echo "$TRIXIE_ENGINE_DIR/dockerd"
  else
    command -v dockerd
  fi
}
