#!/bin/busybox sh
# socklab's VM's init (in its initramfs; see vm.sh): loads the modules, mounts the host's files
# and lays a layer of the guest's memory over them (what the guest writes stays in the guest: a
# grader's files are never touched, and qemu may run as any user), binds back the job's own
# folders (those writes reach the host), runs the job's script with the result as its root and a
# fresh /proc, /sys, /dev, /tmp and /run, leaves its exit status next to it, and powers off.
/bin/busybox mkdir -p /usr/bin /sbin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod "/lib/modules/$m.ko" 2>/dev/null || insmod /lib/modules/$(echo "$m" | tr _ -).ko; done
job="$(sed -n 's/.*socklab\.job=\([^ ]*\).*/\1/p' /proc/cmdline)"
warm="$(sed -n 's/.*socklab\.warm=\([^ ]*\).*/\1/p' /proc/cmdline)"
# What a root needs besides its files: the kernel's views, a /run and a /tmp of its own, cgroup
# v2 (what a jail's budget is made of: memory, processes, CPU on the vm backend).
system_mounts() { # root
  local root="$1" d
  for d in proc sys dev; do mount --rbind "/$d" "$root/$d" 2>/dev/null || mount -t "$d" "$d" "$root/$d"; done
  mount -t devpts devpts "$root/dev/pts" 2>/dev/null
  mount -t tmpfs tmpfs "$root/dev/shm" 2>/dev/null
  mount -t tmpfs tmpfs "$root/run"
  mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup" 2>/dev/null
  # /tmp in the VM's memory (unix sockets cannot live on 9p).
  mount -t tmpfs tmpfs "$root/tmp"
}
# The warm guest (vm.sh --warm-prepare): its root is the image on the first disk under a layer in
# memory, and vm-warm.sh in it does the rest; this machine's files come only once it is restored.
if [ -n "$warm" ]; then
  mkdir -p /image /layer /root
  # The disk appears once virtio_blk has probed it, a moment after its module is loaded.
  for _ in $(seq 1 50); do [ -b /dev/vda ] && break; sleep 0.1; done
  if ! mount -t ext4 -o ro /dev/vda /image; then
    echo "socklab-vm: cannot mount the warm guest's root image: $(dmesg | tail -n 2 | tr "\n" " ")"
    poweroff -f
  fi
  mount -t tmpfs tmpfs /layer
  mkdir -p /layer/upper /layer/work
  mount -t overlay overlay -o lowerdir=/image,upperdir=/layer/upper,workdir=/layer/work /root
  system_mounts /root
  # /tmp stays the root image's (under the layer, in memory already): a checkout under /tmp (a CI
  # clone) keeps socklab's package there, which a tmpfs over it would hide.
  umount /root/tmp && chmod 1777 /root/tmp
  ip link set lo up
  cd /root
  mount --move . /
  chroot . /bin/bash "$warm/scripts/vm-warm.sh" "$warm" </dev/null 2>&1 | cat
  sync
  echo 0 >/proc/sys/kernel/printk
  poweroff -f
fi
# msize: 9p's default 8 KiB makes every read of node_modules a crawl.
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose root /host; then
  echo "socklab-vm: cannot mount the host's files over 9p"
  poweroff -f
fi
# The root: the host's files under a layer in memory; the host's files as they are where overlayfs
# cannot be had (then the guest writes where its qemu may).
mkdir -p /layer /root
mount -t tmpfs tmpfs /layer
mkdir -p /layer/upper /layer/work
if mount -t overlay overlay -o lowerdir=/host,upperdir=/layer/upper,workdir=/layer/work /root 2>/dev/null; then
  root=/root
else
  root=/host
fi
system_mounts "$root"
# The job's folders are bound back from the host's files: its current directory, `# keep:` lines
# (what it reads and writes) and the job's own folder (all of them over the layer; only those
# under /tmp without it).
cwd="$(sed -n 's/^cd \(.*\) || exit 97$/\1/p' "/host$job/run.sh")"
keep="$(sed -n 's/^# keep: //p' "/host$job/run.sh")"
for p in $cwd $keep $job; do
  case "$root:$p" in
    /root:/*|/host:/tmp/*)
      mkdir -p "$root$p"
      mount --bind "/host$p" "$root$p"
      ;;
  esac
done
ip link set lo up
# The root becomes the root of this mount namespace (as switch_root does), not only this
# process's: a program that enters another mount namespace (nsenter -m, a jail of the netns
# backend) lands on it too, where a chroot alone would leave it in the initramfs.
cd "$root"
mount --move . /
# Through a pipe: on the console itself, programs would take it for a terminal and draw.
{
  chroot . /bin/bash "$job/run.sh" </dev/null
  echo "$?" >"./$job/rc"
} 2>&1 | cat
sync
echo 0 >/proc/sys/kernel/printk
poweroff -f
