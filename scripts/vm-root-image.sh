# The warm guest's root (sourced by vm.sh): an ext4 image of what a check or a grade runs, copied
# from this machine. The cold guest reads this machine's files over 9p instead, but QEMU cannot
# save a guest that has 9p mounted, so the guest that is saved warm needs a root of its own:
#   - the Debian packages a lab's hosts and a student's program use (the shell and core tools,
#     iproute2, ethtool, util-linux, procps, python3, gcc and libc's headers, curl for the web server's
#     verdicts) with everything they
#     depend on, and the Essential ones, as dpkg lists their files (documentation left out);
#   - /etc, and the node running socklab;
#   - socklab's package and its production dependencies (vm-package-files.mjs).
# Also what decides whether a saved guest is still this machine's: root_manifest, a digest of the
# copied files' names, sizes and times (a changed package, node or dpkg's database makes it stale).

ROOT_PACKAGES="bash coreutils util-linux mount iproute2 ethtool procps python3 gcc libc6-dev findutils grep sed mawk iputils-ping netcat-openbsd curl"

# The installed packages named above, the Essential ones and all they depend on, one per line.
root_packages() {
  local todo next p deps
  declare -A seen=()
  todo="$ROOT_PACKAGES $(dpkg-query -W -f '${Package} ${Essential}\n' | awk '$2 == "yes" {print $1}')"
  while [ -n "${todo// /}" ]; do
    next=""
    for p in $todo; do
      p="${p%%:*}"
      [ -n "${seen[$p]:-}" ] && continue
      [ "$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || continue
      seen[$p]=1
      deps="$(dpkg-query -W -f '${Depends}, ${Pre-Depends}' "$p" | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/ //g')"
      next+=" $deps"
    done
    todo="$next"
  done
  printf '%s\n' "${!seen[@]}" | sort
}

# What the image holds, one per line: `f PATH` a file, link or directory alone (a package's list
# names each of its files), `r PATH` a folder with all under it. vm.sh keeps this list (ROOTS)
# beside the image, and root_manifest reads it again. $1: socklab's package folder.
root_paths() {
  local pkg="$1"
  root_packages | while read -r p; do dpkg -L "$p" 2>/dev/null; done |
    grep -vE '^/usr/share/(doc|man|info|locale|lintian|bug)(/|$)' | grep '^/' | sort -u | sed 's/^/f /'
  # Links that update-alternatives made (cc, awk, nc): no package lists them.
  find /usr/bin /usr/sbin -maxdepth 1 -lname '/etc/alternatives/*' | sed 's/^/f /'
  # node as this machine runs it: its binary, and the link PATH finds it by (npm's node package).
  echo "f $(command -v node)"
  echo "f $(readlink -f "$(command -v node)")"
  echo "r /etc"
  node "$pkg/scripts/vm-package-files.mjs" "$pkg" | sed 's/^/r /'
}

# A digest of what the image was made from: names, sizes and modification times of the files
# ROOTS names under /usr and of socklab's dependencies (a folder's whole tree for `r`, hidden
# folders left out), the contents of socklab's own files, and dpkg's database. socklab's own by
# content: a build (`npm pack`'s too) or a checkout re-dates identical files; reading its ~700
# files takes about 0.15 s a check. (Installed as a dependency, socklab lies under node_modules
# itself and is dated like the rest: nothing rebuilds it there.) Not /etc or /var: a user other
# than the one who saved the guest (a grader's nobody) cannot read all of them, and an engine
# writes /etc/hosts anew per container; what a package changes there, dpkg's database dates. Not
# folders either, whose times change with what lands in them. $1: ROOTS.
root_manifest() {
  local trees
  trees="$(sed -n 's/^r //p' "$1" | grep -vE '^/(etc|var)(/|$)')"
  {
    sed -n 's/^f //p' "$1" | grep -vE '^/(etc|var)(/|$)' | tr '\n' '\0' |
      find -files0-from - -maxdepth 0 ! -type d -printf '%p %s %T@\n' 2>/dev/null
    grep '/node_modules/' <<<"$trees" | tr '\n' '\0' |
      find -files0-from - -name '.?*' -prune -o ! -type d -printf '%p %s %T@\n' 2>/dev/null
    grep -v '/node_modules/' <<<"$trees" | tr '\n' '\0' |
      find -files0-from - -name '.?*' -prune -o -type f -print0 2>/dev/null | sort -z |
      xargs -0 -r sha256sum 2>/dev/null
    stat -c '%n %Y' /var/lib/dpkg/status "$(readlink -f "$(command -v node)")"
  } | sha256sum | cut -c1-16
}

# Builds the image at $1 from ROOTS ($2). The top-level links of a merged /usr (/bin -> usr/bin)
# are made first, so that a package's /bin/sh lands in usr/bin.
build_root_image() {
  local img="$1" roots="$2" stage node size d
  stage="$(mktemp -d "${TMPDIR:-/tmp}/socklab-vm-root.XXXXXX")"
  for d in bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$d" ]; then
      mkdir -p "$stage/$(readlink -f "/$d")"
      ln -s "$(readlink "/$d")" "$stage/$d"
    fi
  done
  # --ignore-failed-read: what this user cannot read (/etc/shadow when not root) stays out.
  sed -n 's|^f /||p' "$roots" |
    tar -C / --no-recursion --ignore-failed-read --warning=none -cf - -T - 2>/dev/null |
    tar -C "$stage" --keep-directory-symlink -xf - 2>/dev/null
  sed -n 's|^r /||p' "$roots" |
    tar -C / --ignore-failed-read --warning=none --exclude='.?*' -cf - -T - 2>/dev/null |
    tar -C "$stage" --keep-directory-symlink -xf - 2>/dev/null
  node="$(command -v node)"
  mkdir -p "$stage"/{proc,sys,dev,tmp,run,root,mnt/host}
  if [ ! -x "$stage/bin/sh" ] || [ ! -x "$stage$node" ]; then
    echo "socklab-vm: the warm guest's root lacks /bin/sh or node; its copy failed" >&2
    rm -rf "$stage"
    return 1
  fi
  size=$(($(du -sm "$stage" | cut -f1) * 5 / 4 + 256))
  rm -f "$img.tmp"
  mke2fs -q -t ext4 -L socklab -m 0 -d "$stage" "$img.tmp" "${size}M" >/dev/null
  rm -rf "$stage"
  mv "$img.tmp" "$img"
}
