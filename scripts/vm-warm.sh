#!/bin/bash
# socklab's warm guest, inside it (vm-init.sh runs this from the root image that vm.sh
# --warm-prepare made). It does once what every check would do again: starts a netns lab for checks
# to borrow, and puts what they read in the page cache (one check of the textbook's UDP server
# through that lab, one compile). Then it says `socklab-vm: warm`, and vm.sh saves the guest as
# it is. Each restored copy takes up here: it waits for its job on the virtio port socklab.job
# (`job PATH EPOCH`), mounts this machine's files (9p: QEMU saves no guest with them mounted),
# binds the job's folders over its root, and runs the job's script as the cold guest does.
#   usage: vm-warm.sh PACKAGE_ROOT
set -u
pkg="$1"
lab=socklab-vm-warm
export HOME=/root PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin NO_COLOR=1
cd "$pkg" || exit 97
cli="$pkg/dist/cli/socklab.js"
[ -f "$cli" ] || cli="$pkg/src/cli/socklab.ts"

if ! node "$cli" up --backend netns --project "$lab" >/tmp/warm.log 2>&1; then
  echo "socklab-vm: the warm guest's lab did not start: $(tail -n 3 /tmp/warm.log | tr '\n' ' ')"
  exit 1
fi
# The textbook's server passes every required verdict: a check that does not is a root image
# without something a check needs.
if ! node "$cli" check --project "$lab" --assignment udp-echo --server "$pkg/lab/textbook/UDPServer.py" >/tmp/warm.log 2>&1; then
  echo "socklab-vm: the warm guest's check of the textbook server failed: $(grep -v '^ *$' /tmp/warm.log | tail -n 4 | tr '\n' ' ')"
  exit 1
fi
printf 'int main(void) { return 0; }\n' >/tmp/warm.c
if ! cc -o /tmp/warm /tmp/warm.c; then
  echo "socklab-vm: the warm guest's root cannot compile C"
  exit 1
fi
rm -f /tmp/warm /tmp/warm.c /tmp/warm.log

port=""
for d in /sys/class/virtio-ports/*; do
  [ "$(cat "$d/name" 2>/dev/null)" = socklab.job ] && port="/dev/${d##*/}"
done
[ -n "$port" ] || { echo "socklab-vm: the warm guest has no virtio port socklab.job"; exit 1; }
echo "socklab-vm: warm"

# Until restored, the port's other end is QEMU's null device: every read ends at once, empty.
line=""
while :; do
  line="$(head -n 1 "$port" 2>/dev/null)"
  case "$line" in "job "*) break ;; esac
  sleep 0.1
done
read -r _ job epoch <<<"$line"
# The saved guest's clock stopped when it was saved.
date -s "@$epoch" >/dev/null
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose root /mnt/host; then
  echo "socklab-vm: cannot mount the host's files over 9p"
  exit 1
fi
# The job's own folder, the folders it keeps, and its current directory where the image has none.
cwd="$(sed -n 's/^cd \(.*\) || exit 97$/\1/p' "/mnt/host$job/run.sh")"
[ -d "$cwd" ] && cwd=""
for p in "$job" $(sed -n 's/^# keep: //p' "/mnt/host$job/run.sh") $cwd; do
  mkdir -p "$p" && mount --bind "/mnt/host$p" "$p"
done
export SOCKLAB_VM_WARM_LAB="$lab"
bash "$job/run.sh" </dev/null
echo "$?" >"$job/rc"
