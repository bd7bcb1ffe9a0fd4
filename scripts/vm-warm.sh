#!/bin/bash
# socklab's warm guest, inside it (vm-init.sh runs this from the root image that vm.sh
# --warm-prepare made). It does once what every check would do again: starts a netns lab for checks
# to borrow, and the agent that checks in it (vm-warm-agent: socklab loaded, one check of the
# textbook's UDP server already run), and compiles once (gcc's files in the page cache). Then it
# says `socklab-vm: warm`, and vm.sh saves the guest as it is. Each restored copy takes up here: it
# waits for its job on the virtio port socklab.job (`job PATH EPOCH`), mounts this machine's files
# (9p: QEMU saves no guest with them mounted), binds the job's folders over its root, and hands a
# check's request to the agent; any other job's script runs as in the cold guest.
#   usage: vm-warm.sh PACKAGE_ROOT
set -u
pkg="$1"
lab=socklab-vm-warm
export HOME=/root PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin NO_COLOR=1
cd "$pkg" || exit 97
# The build where it is current (no source newer), as guest-cli.ts chooses for a cold guest: a
# stale build would answer with yesterday's code; the sources where it is not.
cli="$pkg/dist/cli/socklab.js"
agent="$pkg/dist/grading/vm-warm-agent.js"
if [ ! -f "$cli" ] || [ ! -f "$agent" ] || [ -n "$(find "$pkg/src" -type f -newer "$cli" 2>/dev/null | head -n 1)" ]; then
  cli="$pkg/src/cli/socklab.ts"
  agent="$pkg/src/grading/vm-warm-agent.ts"
fi
# The accelerator it was saved with, which its copies run with too (the result says which clock).
export SOCKLAB_VM_ACCEL_USED="$(sed -n 's/.*socklab\.accel=\([^ ]*\).*/\1/p' /proc/cmdline)"

if ! node "$cli" up --backend netns --project "$lab" >/tmp/warm.log 2>&1; then
  echo "socklab-vm: the warm guest's lab did not start: $(tail -n 3 /tmp/warm.log | tr '\n' ' ')"
  exit 1
fi
# The agent's own first check is of the textbook's server, which passes every required verdict: one
# that does not is a root image without something a check needs.
mkdir -p /run/socklab-agent
mkfifo /run/socklab-agent/requests /run/socklab-agent/answers
node "$agent" "$lab" /run/socklab-agent/requests /run/socklab-agent/answers /run/socklab-agent/ready \
  "$pkg/lab/textbook/UDPServer.py" 2>&1 &
agent_pid=$!
until [ -f /run/socklab-agent/ready ]; do
  if ! kill -0 "$agent_pid" 2>/dev/null; then
    echo "socklab-vm: the warm guest's agent ended before it was ready"
    exit 1
  fi
  sleep 0.5
done
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
# A check's request (SOCKLAB_VM_REQUEST) goes to the agent; anything else runs as its script says.
request="$(sed -n 's/^# request: //p' "$job/run.sh")"
if [ -n "$request" ] && [ -f "$request" ] && kill -0 "$agent_pid" 2>/dev/null; then
  echo "$request" >/run/socklab-agent/requests
  read -r rc </run/socklab-agent/answers
  # It holds the console's pipe open, and the guest powers off once that pipe ends.
  kill "$agent_pid" 2>/dev/null
  echo "$rc" >"$job/rc"
else
  kill "$agent_pid" 2>/dev/null
  export SOCKLAB_VM_WARM_LAB="$lab"
  bash "$job/run.sh" </dev/null
  echo "$?" >"$job/rc"
fi
