#!/bin/busybox sh
# socklab's VM's init (in its initramfs; see vm.sh): loads the modules, mounts the host's
# files, runs the job's script chrooted into them with a fresh /proc, /sys, /dev, /tmp and /run,
# leaves its exit status next to it, and powers off.
/bin/busybox mkdir -p /usr/bin /sbin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod "/lib/modules/$m.ko" 2>/dev/null || insmod /lib/modules/$(echo "$m" | tr _ -).ko; done
job="$(sed -n 's/.*socklab\.job=\([^ ]*\).*/\1/p' /proc/cmdline)"
# msize: 9p's default 8 KiB makes every read of node_modules a crawl.
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose root /host; then
  echo "socklab-vm: cannot mount the host's files over 9p"
  poweroff -f
fi
for d in proc sys dev; do mount --rbind "/$d" "/host/$d" 2>/dev/null || mount -t "$d" "$d" "/host/$d"; done
mount -t devpts devpts /host/dev/pts 2>/dev/null
mount -t tmpfs tmpfs /host/dev/shm 2>/dev/null
mount -t tmpfs tmpfs /host/run
# cgroup v2: what a jail's budget is made of (memory, processes, CPU) on the vm backend.
mount -t cgroup2 cgroup2 /host/sys/fs/cgroup 2>/dev/null
# /tmp in the VM's memory (unix sockets cannot live on 9p); the job's folders under /tmp (its
# current directory, a checkout under /tmp, `# keep:` lines: what it reads and writes, and the
# job's own folder where a cache under /tmp holds it) are bound back.
cwd="$(sed -n 's/^cd \(.*\) || exit 97$/\1/p' "/host$job/run.sh")"
keep="$(sed -n 's/^# keep: //p' "/host$job/run.sh")"
n=0
binds=""
for p in $cwd $keep $job; do
  case "$p" in
    /tmp/*)
      n=$((n + 1))
      mkdir -p "/keep$n"
      mount --bind "/host$p" "/keep$n"
      binds="$binds $n:$p"
      ;;
  esac
done
mount -t tmpfs tmpfs /host/tmp
for b in $binds; do
  mkdir -p "/host${b#*:}"
  mount --bind "/keep${b%%:*}" "/host${b#*:}"
done
ip link set lo up
# The host's files become the root of this mount namespace (as switch_root does), not only this
# process's: a program that enters another mount namespace (nsenter -m, a jail of the netns
# backend) lands on them too, where a chroot alone would leave it in the initramfs.
cd /host
mount --move . /
# Through a pipe: on the console itself, programs would take it for a terminal and draw.
{
  chroot . /bin/bash "$job/run.sh" </dev/null
  echo "$?" >"./$job/rc"
} 2>&1 | cat
sync
echo 0 >/proc/sys/kernel/printk
poweroff -f
