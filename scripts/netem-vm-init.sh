#!/bin/busybox sh
# The netem VM's init (in its initramfs; see netem-vm.sh): loads the modules, mounts the host's
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
  echo "netem-vm: cannot mount the host's files over 9p"
  poweroff -f
fi
for d in proc sys dev; do mount --rbind "/$d" "/host/$d" 2>/dev/null || mount -t "$d" "$d" "/host/$d"; done
mount -t devpts devpts /host/dev/pts 2>/dev/null
mount -t tmpfs tmpfs /host/dev/shm 2>/dev/null
mount -t tmpfs tmpfs /host/run
# /tmp in the VM's memory (unix sockets cannot live on 9p); a checkout under /tmp is bound back.
cwd="$(sed -n 's/^cd \(.*\) || exit 97$/\1/p' "/host$job/run.sh")"
case "$cwd" in
  /tmp/*)
    mkdir -p /checkout
    mount --bind "/host$cwd" /checkout
    mount -t tmpfs tmpfs /host/tmp
    mkdir -p "/host$cwd"
    mount --bind /checkout "/host$cwd"
    ;;
  *) mount -t tmpfs tmpfs /host/tmp ;;
esac
ip link set lo up
# Through a pipe: on the console itself, programs would take it for a terminal and draw.
{
  chroot /host /bin/bash "$job/run.sh" </dev/null
  echo "$?" >"/host$job/rc"
} 2>&1 | cat
sync
echo 0 >/proc/sys/kernel/printk
poweroff -f
