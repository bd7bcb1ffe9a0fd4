# Sourced: the Debian packages every lab host has, for the offline base (debootstrap) and for an
# image built on node:24-bookworm-slim (docker/Dockerfile installs what is missing). The offline
# base's tag carries a hash of this list, so that a changed list builds a new base.
#   the lab's own needs: iproute2 ethtool iputils-ping netcat-openbsd tcpdump procps iperf3
#   programs under test: python3, and gcc + libc6-dev (C), coreutils' stdbuf and timeout,
#     util-linux's setpriv and prlimit (the sandbox; util-linux is always there)
#   the web server check and the seeds' tools: curl traceroute inetutils-telnet net-tools
#   between submissions, the end hosts forget their connections: conntrack
base_packages() {
  echo iproute2 ethtool iputils-ping netcat-openbsd tcpdump procps iperf3 python3 ca-certificates libstdc++6 \
    gcc libc6-dev curl traceroute inetutils-telnet net-tools conntrack
}
base_image_tag() {
  # What else the base holds (Node's headers, for the native data plane) changes the tag too.
  echo "socklab-base:bookworm-$({ base_packages; echo node-headers; } | sha256sum | cut -c1-8)"
}
