#!/bin/bash
# Entry point of the lab's hosts. client and server build lab0, a VXLAN device whose only remote
# is the link host (found by name on the one network they share with it); link runs linkd.
# LAB_CLIENTS=N (Compose scales the client service): replica k is the lab's client k, named
# client, client2, client3, ... with lab0 address .1, .3, .4, ... (the server is .2).
set -euo pipefail
role="${1:-client}"
shift || true

LAB_SUBNET="${LAB_SUBNET:-198.19.0}"
SERVER_IP="${LAB_SUBNET}.2"
VNI="${LAB_VNI:-42}"
CLIENTS="${LAB_CLIENTS:-1}"

log() { echo "socklab-$role: $*"; }

# As src/lab/started-lab.ts (clientAddress) and src/link/model/impairment-model.ts (clientName).
client_ip() { if [ "$1" -le 1 ]; then echo "${LAB_SUBNET}.1"; else echo "${LAB_SUBNET}.$(($1 + 1))"; fi; }
client_name() { if [ "$1" -le 1 ]; then echo client; else echo "client$1"; fi; }

if ! [[ "$CLIENTS" =~ ^[1-8]$ ]]; then
  log "LAB_CLIENTS must be a whole number from 1 to 8, got '$CLIENTS'; e.g. LAB_CLIENTS=3 docker compose up" >&2
  exit 2
fi

# The other end by name, as in the textbook: nc -u server 12000.
add_host() { grep -q " $1\$" /etc/hosts || echo "$2 $1" >> /etc/hosts; }

# lab0's MAC from its address, as src/common/lab-address.ts derives it (linkd drops frames from a
# host whose inner source is not its own lab0 as forged): 198.19.0.2 -> 02:53:4c:13:00:02.
lab_mac() {
  local a b c d
  IFS=. read -r a b c d <<<"$1"
  printf '02:53:4c:%02x:%02x:%02x' "$b" "$c" "$d"
}

resolve() {
  # The link may start a moment after us: wait for its name.
  local name="$1" ip=""
  for _ in $(seq 1 100); do
    ip="$(getent ahostsv4 "$name" | awk 'NR==1 {print $1}')"
    [ -n "$ip" ] && { echo "$ip"; return 0; }
    sleep 0.1
  done
  log "cannot resolve '$name': is the link service running on this network?" >&2
  return 1
}

make_lab0() {
  local my_ip="$1"
  local link_ip dev
  link_ip="$(resolve link)"
  dev="$(ip -o route get "$link_ip" | sed -n 's/.* dev \([^ ]*\).*/\1/p')"
  # On its Docker network, this host reaches the link and nothing else: the network's gateway is
  # the machine itself (its bridge address answers for whatever the machine listens on).
  local net
  net="$(ip -o -4 route show dev "$dev" proto kernel scope link | awk '{print $1; exit}')"
  if [ -n "$net" ]; then
    ip route add "$link_ip/32" dev "$dev"
    ip route replace prohibit "$net"
  fi
  ip link del lab0 2>/dev/null || true
  ip link add lab0 address "$(lab_mac "$my_ip")" type vxlan id "$VNI" remote "$link_ip" dstport 4789 dev "$dev"
  # Frames leave through linkd, a userspace relay: the kernel must complete checksums itself.
  ethtool -K lab0 tx off >/dev/null
  ip addr add "$my_ip/24" dev lab0
  ip link set lab0 up
  log "lab0 $my_ip/24 via VXLAN to the link at $link_ip ($dev)"
}

# Which replica of the client service this container is: the number in its name (Docker's DNS
# may take a moment to know it).
own_replica() {
  [ "$CLIENTS" -eq 1 ] && { echo 1; return 0; }
  for _ in $(seq 1 50); do
    node /opt/socklab/src/apps/own-replica.ts client 2>/dev/null && return 0
    sleep 0.2
  done
  log "cannot tell which client replica this is (no name for its address)" >&2
  return 1
}

case "$role" in
  link)
    # One client --peer with --clients N: linkd finds the N replicas of the client service.
    args=(--clients "$CLIENTS" --peer client --peer server)
    for k in $(seq 1 "$CLIENTS"); do args+=(--lab-address "$(client_ip "$k")"); done
    args+=(--lab-address "$SERVER_IP" --engine "${LAB_ENGINE:-relay}" --seed "${LAB_SEED:-1}" --control /run/socklab/linkd.sock)
    [ -n "${LAB_PATHS:-}" ] && args+=(--paths "$LAB_PATHS")
    [ -n "${LAB_IMPAIR:-}" ] && args+=(--impair "$LAB_IMPAIR")
    [ -n "${LAB_IMPAIR_UP:-}" ] && args+=(--up "$LAB_IMPAIR_UP")
    [ -n "${LAB_IMPAIR_DOWN:-}" ] && args+=(--down "$LAB_IMPAIR_DOWN")
    [ -n "${LAB_SCENARIO:-}" ] && args+=(--scenario "$LAB_SCENARIO")
    exec node /opt/socklab/src/link/linkd.ts "${args[@]}"
    ;;
  server)
    make_lab0 "$SERVER_IP"
    for k in $(seq 1 "$CLIENTS"); do add_host "$(client_name "$k")" "$(client_ip "$k")"; done
    log "the clients are $(for k in $(seq 1 "$CLIENTS"); do printf '%s ' "$(client_name "$k")"; done)"
    # Their pids in the work directory: socklab check stops exactly these while a user's program
    # takes the port, and starts them again afterwards (src/lab/lab-servers.ts).
    mkdir -p /opt/work
    # LAB_SERVERS=off: a user's own app takes the server end (and its ports).
    if [ "${LAB_SERVERS:-on}" != "off" ]; then
      node /opt/socklab/src/apps/udp-echo-server.ts --port 12000 ${LAB_SERVER_QUIET:+--quiet} &
      echo $! > /opt/work/udp-echo-server.pid
      node /opt/socklab/src/apps/tcp-echo-server.ts --port 12000 ${LAB_SERVER_QUIET:+--quiet} &
      echo $! > /opt/work/tcp-echo-server.pid
      # Ready once both echo servers listen.
      for _ in $(seq 1 100); do
        ss -Hlun 'sport = :12000' | grep -q . && ss -Hltn 'sport = :12000' | grep -q . && break
        sleep 0.1
      done
    fi
    touch /run/socklab-ready
    # Not `wait`: socklab check stops these servers while it runs a user's own, and starts them
    # again afterwards; the host must stay up meanwhile.
    exec sleep infinity
    ;;
  client)
    replica="$(own_replica)"
    if [ "$replica" -gt "$CLIENTS" ]; then
      log "this is client replica $replica, but LAB_CLIENTS is $CLIENTS" >&2
      exit 2
    fi
    make_lab0 "$(client_ip "$replica")"
    add_host server "$SERVER_IP"
    log "this host is $(client_name "$replica") in the lab; server is $SERVER_IP"
    touch /run/socklab-ready
    # The demo is the first client's (a lab of several clients has it once).
    if [ "${LAB_DEMO:-on}" != "off" ] && [ "$replica" -eq 1 ]; then
      node /opt/socklab/src/apps/lab-demo.ts --host server || log "the demo did not complete (see above)"
    fi
    index=""
    [ "$replica" -gt 1 ] && index="--index $replica "
    log "ready: docker compose exec ${index}client bash   (then: nc -u server 12000, udp-echo-client, tcp-echo-client, ping server)"
    exec sleep infinity
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
