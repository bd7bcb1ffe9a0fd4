# Sourced: prints the Debian mirror this machine's apt uses (or SOCKLAB_DEBIAN_MIRROR), so that no
# host name is written into the project. Prints nothing when there is none.
debian_mirror() {
  local mirror="${SOCKLAB_DEBIAN_MIRROR:-}"
  if [ -z "$mirror" ]; then
    # deb822 sources first (Debian 12), then the classic one-line format.
    mirror="$(awk '/^URIs:/ && !found {print $2; found=1}' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 || true)"
    [ -n "$mirror" ] || mirror="$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)"
  fi
  echo "$mirror"
}
