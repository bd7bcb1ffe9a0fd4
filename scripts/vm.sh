#!/usr/bin/env bash
# socklab's VM: runs one command in a throw-away QEMU guest whose kernel is Debian's own (it has
# sch_netem, network namespaces, veth, VXLAN and cgroups, whatever this machine's kernel lacks).
# It needs no privilege, no network and no KVM (TCG when /dev/kvm is missing or unusable): the vm
# backend grades inside it where a grader's container grants nothing, and the netem engine's tests
# run inside it on kernels without netem. Everything comes by package name and is cached: qemu and
# busybox are installed (where root can), the kernel package is downloaded and unpacked (never
# installed). The guest sees this machine's files over virtio-9p and runs the command as root in
# the current directory, with its own /proc, /sys, /dev, /tmp and /run; it has no network device.
#   usage: scripts/vm.sh COMMAND [ARGS...]     (exit status: the command's)
#          scripts/vm.sh --prepared            (exit 0 when the guest is ready to boot offline)
#          scripts/vm.sh --warm-prepare        (saves a warm guest for the vm backend; see below)
#   env:   SOCKLAB_VM_CACHE (/var/cache/socklab-vm, or ~/.cache/socklab-vm when that is not
#          writable), SOCKLAB_VM_ACCEL (auto|kvm|tcg), SOCKLAB_VM_MEM (MiB, 3072),
#          SOCKLAB_VM_CPUS (this machine's under KVM, 2 under TCG), SOCKLAB_VM_TIMEOUT (seconds, 900), SOCKLAB_VM_KEEP
#          (folders under /tmp the command needs besides its current one, ':'-separated),
#          SOCKLAB_VM_WARM=1 (restore the warm guest instead of booting, where it is current),
#          SOCKLAB_VM_REQUEST (a check's request, vm-warm-request.ts, that a warm guest's agent
#          answers in place of the command), SOCKLAB_VM_PREPARE=1 (ask apt for the current kernel
#          and fetch it if new: socklab images --vm; otherwise the newest cached one boots)
# The warm guest: a guest that booted from a root image of its own (vm-root-image.sh), started a
# lab and read what a check reads (vm-warm.sh), saved by QEMU as it was (a migration to a file). A
# run restores it in a second or two and hands it the job over a virtio port; then it mounts this
# machine's files as the cold guest does. It is stale, and runs boot cold, once anything it was
# made from changes (socklab's package, node, Debian's packages, this script, qemu).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
me="${SOCKLAB_VM_NAME:-socklab-vm}"
if [ $# -eq 0 ]; then
  echo "$me: no command given; the rule: scripts/vm.sh COMMAND [ARGS...]; e.g. scripts/vm.sh uname -r" >&2
  exit 2
fi
cache="${SOCKLAB_VM_CACHE:-}"
if [ -z "$cache" ]; then
  # The machine's cache, prepared by root (a grader's setup) and read by anyone; a user's own else.
  cache=/var/cache/socklab-vm
  if ! ls -d "$cache"/linux-image-*/boot >/dev/null 2>&1 && ! { mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; }; then
    cache="${HOME:-/tmp}/.cache/socklab-vm"
  fi
fi
[ -d "$cache" ] || mkdir -p "$cache"
# A job's folder: in the cache where it is writable, in the temporary directory where not.
jobs="$cache"
[ -w "$cache" ] || jobs="${TMPDIR:-/tmp}"
# What a prepared guest is: a kernel unpacked in the cache, and the initramfs built for it.
prepared_kernel() { { ls -d "$cache"/linux-image-*/boot 2>/dev/null || true; } | sort -V | tail -n 1 | sed 's|/boot$||'; }
warm_prepare=""
if [ "$1" = --warm-prepare ]; then
  warm_prepare=1
elif [ "$1" = --prepared ]; then
  k="$(prepared_kernel)"
  missing=()
  for c in qemu-system-x86_64 busybox cpio; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  if [ -z "$k" ]; then
    echo "$me: the guest is not prepared (no kernel in $cache); prepare it once with the package mirror reachable: socklab images --vm" >&2
    exit 1
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "$me: ${missing[*]} missing; install qemu-system-x86, busybox-static and cpio (socklab images --vm does, as root)" >&2
    exit 1
  fi
  exit 0
fi
source "$here/ensure-packages.sh"
ensure_packages qemu-system-x86_64:qemu-system-x86 busybox:busybox-static cpio:cpio apt-cache:apt

# The kernel: the package linux-image-amd64 depends on, unpacked into the cache. Offline (a
# grader's container at grading time), the one already there. Apt is asked (1.3 s) only to
# prepare (SOCKLAB_VM_PREPARE=1: socklab images --vm; --warm-prepare) or where none is cached: a
# check boots the newest prepared, which is the one its warm guest was saved with.
kpkg=""
if [ -n "$warm_prepare" ] || [ -n "${SOCKLAB_VM_PREPARE:-}" ] || [ -z "$(prepared_kernel)" ]; then
  kpkg="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')"
  if [ -z "$kpkg" ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    kpkg="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')"
  fi
fi
if [ -n "$kpkg" ] && [ ! -d "$cache/$kpkg/boot" ] && [ -n "$(prepared_kernel)" ]; then kpkg=""; fi
[ -z "$kpkg" ] && kpkg="$(basename "$(prepared_kernel)" 2>/dev/null || true)"
if [ -z "$kpkg" ]; then
  echo "$me: apt knows no linux-image-amd64 (the kernel package) and none is cached in $cache; add a Debian source to apt and prepare it: socklab images --vm" >&2
  exit 1
fi
kdir="$cache/$kpkg"
if [ ! -d "$kdir/boot" ]; then
  echo "$me: fetching $kpkg (once; cached in $cache)" >&2
  rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp"
  if ! (cd "$kdir.tmp" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "$kpkg" >/dev/null); then
    echo "$me: cannot download $kpkg (no package mirror here?); prepare the guest where the mirror is reachable: socklab images --vm" >&2
    exit 1
  fi
  dpkg-deb -x "$kdir.tmp"/*.deb "$kdir.tmp/root"
  mkdir -p "$kdir" && mv "$kdir.tmp/root/boot" "$kdir.tmp/root/lib" "$kdir/"
  rm -rf "$kdir.tmp"
fi
vmlinuz="$(ls "$kdir"/boot/vmlinuz-*)"
modroot="$(ls -d "$kdir"/lib/modules/*)"

# The initramfs: busybox, an init, and the modules the tests need with what they depend on (the
# package has no modules.dep: dependencies are in each module's `depends=` modinfo string).
init="$here/vm-init.sh"
initrd="$kdir/initramfs-$(cat "$init" "$0" | sha256sum | cut -c1-12).cpio.gz"
if [ ! -f "$initrd" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work"/{bin,dev,proc,sys,host,lib/modules}
  cp "$(command -v busybox)" "$work/bin/busybox"
  if ldd "$work/bin/busybox" >/dev/null 2>&1; then
    echo "$me: $(command -v busybox) is not static; install busybox-static" >&2
    exit 1
  fi
  cp "$init" "$work/init" && chmod +x "$work/init"
  order=()
  add_module() {
    local name="$1" ko deps d
    for d in "${order[@]}"; do [ "$d" = "$name" ] && return 0; done
    ko="$(find "$modroot" -name "$name.ko" -o -name "${name//_/-}.ko" | head -1)"
    [ -n "$ko" ] || return 0 # built into the kernel
    deps="$(grep -a -o 'depends=[A-Za-z0-9_,-]*' "$ko" | head -1 | cut -d= -f2)"
    for d in ${deps//,/ }; do add_module "$d"; done
    cp "$ko" "$work/lib/modules/"
    order+=("$name")
  }
  for m in virtio_pci 9pnet_virtio 9p veth vxlan sch_netem sch_tbf sch_htb overlay virtio_blk crc32c_generic ext4 virtio_console; do add_module "$m"; done
  printf '%s\n' "${order[@]}" >"$work/lib/modules/order"
  (cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  rm -rf "$work"
  trap - EXIT
fi

# The job's directory: the script the guest runs, and where it leaves the exit status.
job="$(mktemp -d "$jobs/socklab-vm-job.XXXXXX")"
trap 'rm -rf "$job"' EXIT
pkg="$(cd "$here/.." && pwd)"
warm="$cache/warm"

# The host's socket buffer ceilings, so that linkd in the VM gets the buffers it gets here (the
# kernel takes sysctl.* from its command line).
sysctls=""
for k in rmem_max wmem_max; do sysctls+=" sysctl.net.core.$k=$(cat /proc/sys/net/core/$k)"; done

# The machine every guest is (in the array M): a cold one boots with the job on its command line;
# the warm one also has its root image and the job's port (QEMU restores a guest only into the
# devices it was saved with).
# TCG's single thread runs every vCPU in turn, so more of them add nothing; a fixed number also
# lets a warm guest saved on one machine (a grader's setup) be restored on another.
vcpus() { # accel
  if [ -n "${SOCKLAB_VM_CPUS:-}" ]; then echo "$SOCKLAB_VM_CPUS"; elif [ "$1" = kvm ]; then nproc; else echo 2; fi
}
machine() { # accel
  # TCG runs one host thread for all vCPUs: with one each (MTTCG), node segfaulted at start in
  # about one run in ten (qemu 7.2), and never with one thread in 40 runs.
  local opts=(-accel tcg,thread=single)
  [ "$1" = kvm ] && opts=(-accel kvm -cpu host)
  M=(qemu-system-x86_64 -M pc "${opts[@]}"
    -m "${SOCKLAB_VM_MEM:-3072}" -smp "$(vcpus "$1")" -nodefaults -display none -serial stdio -no-reboot
    -kernel "$vmlinuz" -initrd "$initrd"
    -fsdev "local,id=root,path=/,security_model=none,multidevs=remap"
    -device virtio-9p-pci,fsdev=root,mount_tag=root)
}
warm_machine() { # accel
  machine "$1"
  M+=(-drive "file=$warm/root.img,if=virtio,format=raw,readonly=on"
    -device virtio-serial-pci -device virtserialport,chardev=job,name=socklab.job
    -append "console=ttyS0 quiet loglevel=3 tsc=reliable panic=-1 socklab.warm=$pkg socklab.accel=$1 $sysctls")
}
boot() { # accel
  machine "$1"
  timeout "${SOCKLAB_VM_TIMEOUT:-900}" "${M[@]}" -monitor none \
    -append "console=ttyS0 quiet loglevel=3 tsc=reliable panic=-1 socklab.job=$job $sysctls" </dev/null
}

# KVM where it really works (a nested software KVM here cannot boot a normal kernel: qemu aborts
# at once), TCG otherwise: probed with a boot that runs `true`.
accel="${SOCKLAB_VM_ACCEL:-auto}"
if [ "$accel" = auto ]; then
  accel=tcg
  if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    printf '#!/bin/bash\nexit 0\n' >"$job/run.sh"
    if SOCKLAB_VM_TIMEOUT=60 boot kvm >/dev/null 2>&1 && [ "$(cat "$job/rc" 2>/dev/null)" = 0 ]; then
      accel=kvm
    fi
    rm -f "$job/rc"
  fi
fi
source "$here/vm-root-image.sh"
# What a warm guest was made from, as one digest: the initramfs (named by this script, the init
# and the kernel), qemu, the machine's size and accelerator, the root's manifest, the guest's agent.
warm_key() { # manifest
  printf '%s\n' "$initrd" "$(qemu-system-x86_64 --version | head -n 1)" "${SOCKLAB_VM_MEM:-3072}" \
    "$(vcpus "$accel")" "$accel" "$1" "$(cat "$here/vm-warm.sh" "$here/vm-root-image.sh" | sha256sum)" |
    sha256sum | cut -c1-16
}

# --warm-prepare: the root image, a boot that readies the lab (vm-warm.sh), and the guest saved
# through QEMU's monitor (a migration to a file) once it says it is warm.
if [ -n "$warm_prepare" ]; then
  if ! mkdir -p "$warm" 2>/dev/null || [ ! -w "$warm" ]; then
    echo "$me: cannot save a warm guest in $warm (not writable); run as the user who prepared $cache" >&2
    exit 1
  fi
  root_paths "$pkg" >"$job/roots"
  key="$(warm_key "$(root_manifest "$job/roots")")"
  if [ "$(cat "$warm/key" 2>/dev/null)" = "$key" ] && [ -f "$warm/state" ]; then
    echo "$me: the warm guest is current ($warm)" >&2
    exit 0
  fi
  rm -f "$warm/key" "$warm/state"
  echo "$me: saving a warm guest in $warm (once; a few minutes)" >&2
  mv "$job/roots" "$warm/roots"
  build_root_image "$warm/root.img" "$warm/roots"
  mkfifo "$job/mon.in" "$job/mon.out"
  warm_machine "$accel"
  timeout "${SOCKLAB_VM_TIMEOUT:-900}" "${M[@]}" -chardev null,id=job -monitor "pipe:$job/mon" \
    </dev/null >"$job/console" 2>&1 &
  qemu_pid=$!
  exec 7<>"$job/mon.in" 8<>"$job/mon.out"
  until grep -q 'socklab-vm: warm' "$job/console"; do
    if ! kill -0 "$qemu_pid" 2>/dev/null; then
      echo "$me: the warm guest ended before it was ready: $(tr -d '\r' <"$job/console" | tail -n 5 | tr '\n' ' ')" >&2
      exit 1
    fi
    sleep 1
  done
  echo "migrate \"exec:cat > $warm/state.tmp\"" >&7
  status=""
  until [ "$status" = completed ] || [ "$status" = failed ]; do
    sleep 1
    echo 'info migrate' >&7
    while read -r -t 1 -u 8 l; do
      case "$l" in *"Migration status: completed"*) status=completed ;; *"Migration status: failed"*) status=failed ;; esac
    done
    kill -0 "$qemu_pid" 2>/dev/null || status=failed
  done
  echo quit >&7
  wait "$qemu_pid" 2>/dev/null || true
  if [ "$status" != completed ]; then
    rm -f "$warm/state.tmp"
    echo "$me: QEMU could not save the warm guest: $(tr -d '\r' <"$job/console" | tail -n 3 | tr '\n' ' ')" >&2
    exit 1
  fi
  mv "$warm/state.tmp" "$warm/state"
  echo "$key" >"$warm/key"
  echo "$me: the warm guest is saved ($(du -sh "$warm/state" | cut -f1) of memory, a $(du -sh "$warm/root.img" | cut -f1) root)" >&2
  exit 0
fi

# SOCKLAB_VM_WARM=1: the warm guest where it is current; a stale one is said once, then a cold boot.
use_warm=""
if [ "${SOCKLAB_VM_WARM:-}" = 1 ] && [ -f "$warm/key" ] && [ -f "$warm/state" ]; then
  if [ "$(warm_key "$(root_manifest "$warm/roots")")" = "$(cat "$warm/key")" ]; then
    use_warm=1
  else
    echo "$me: the warm guest is stale (socklab, node, Debian's packages or qemu changed since it was saved); booting cold; socklab images --vm saves it again" >&2
  fi
fi
start=cold
[ -n "$use_warm" ] && start=warm
# A restored warm guest: its job's path (and the time) on the port socklab.job, once QEMU opens it.
restore() { # accel
  warm_machine "$1"
  mkfifo "$job/chan.in" "$job/chan.out"
  (timeout 600 sh -c 'printf "job %s %s\n" "$1" "$(date +%s)" >"$1/chan.in"' sh "$job" &)
  timeout "${SOCKLAB_VM_TIMEOUT:-900}" "${M[@]}" -monitor none -chardev "pipe,id=job,path=$job/chan" \
    -incoming "exec:cat '$warm/state'" </dev/null
}

# The command, as a script the guest runs in the shared tree.
{
  echo '#!/bin/bash'
  # Folders under /tmp the command reads or writes besides its own (SOCKLAB_VM_KEEP, ':'-separated).
  IFS=: read -r -a kept <<<"${SOCKLAB_VM_KEEP:-}"
  for k in "${kept[@]}"; do if [ -n "$k" ]; then echo "# keep: $k"; fi; done
  # A request a warm guest's agent answers in place of the command (SOCKLAB_VM_REQUEST, a file).
  if [ -n "${SOCKLAB_VM_REQUEST:-}" ]; then echo "# request: $SOCKLAB_VM_REQUEST"; fi
  printf 'cd %q || exit 97\n' "$PWD"
  printf 'export PATH=%q HOME=/root CI=%q NO_COLOR=%q\n' "$PATH" "${CI:-}" "${NO_COLOR:-}"
  printf 'export SOCKLAB_VM_ACCEL_USED=%q SOCKLAB_VM_START=%q\n' "$accel" "$start"
  printf 'exec'
  printf ' %q' "$@"
  echo
} >"$job/run.sh"

how="booting"
[ -n "$use_warm" ] && how="restoring the warm guest of"
[ -n "${SOCKLAB_VM_QUIET:-}" ] || echo "$me: $how $kpkg ($accel) to run: $*" >&2
set +e
# The serial console writes CR LF; the output is the command's, as it would print it here.
if [ -n "$use_warm" ]; then restore "$accel"; else boot "$accel"; fi | tr -d '\r'
qemu_status="${PIPESTATUS[0]}"
set -e
if [ ! -f "$job/rc" ]; then
  echo "$me: the VM ended without finishing the command (qemu status $qemu_status; 124 is the ${SOCKLAB_VM_TIMEOUT:-900} s timeout); rerun to see the boot" >&2
  exit 1
fi
exit "$(cat "$job/rc")"
