/**
 * The machine's boot script, written to `<machine dir>/boot.sh` at every start so that what ran
 * can be read there. Kept as a string here so the build has no non-TypeScript asset to copy; shell
 * parameter expansions are escaped (a backslash before each dollar-brace) for the template literal.
 */

/** Units that make no sense in a machine (hardware, kernel-wide settings, consoles, host upkeep). */
export const MASKED_UNITS: readonly string[] = [
  // kernel-wide state shared with the host: never touch it from a machine
  'systemd-sysctl.service',
  'systemd-binfmt.service',
  'systemd-modules-load.service',
  'systemd-timesyncd.service',
  'systemd-pstore.service',
  'proc-sys-fs-binfmt_misc.automount',
  'proc-sys-fs-binfmt_misc.mount',
  'sys-kernel-debug.mount',
  'sys-kernel-tracing.mount',
  'sys-kernel-config.mount',
  'sys-fs-fuse-connections.mount',
  'dev-hugepages.mount',
  // devices and the root filesystem belong to the host
  'systemd-udevd.service',
  'systemd-udev-trigger.service',
  'systemd-udev-settle.service',
  'systemd-hwdb-update.service',
  'systemd-remount-fs.service',
  'systemd-random-seed.service',
  'systemd-firstboot.service',
  'systemd-machine-id-commit.service',
  'systemd-journal-flush.service',
  // consoles and waiting for a network the machine does not have
  'getty@.service',
  'serial-getty@.service',
  'console-getty.service',
  'container-getty@.service',
  'getty-static.service',
  'systemd-networkd-wait-online.service',
  'NetworkManager-wait-online.service',
  // host upkeep on timers
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer',
  'e2scrub_all.timer',
  'e2scrub_reap.service',
  'fstrim.timer',
  'man-db.timer',
  'logrotate.timer',
  'systemd-tmpfiles-clean.timer',
]

export const BOOT_SCRIPT = `#!/bin/sh
# niso machine boot script: systemd as PID 1 in new namespaces over an overlay of the host's /.
# Written by "niso machine start"; see docs/machine.md.
#
#   boot.sh enter   in the host's namespaces: join the machine's cgroups, then unshare
#   boot.sh init    PID 1 of the new pid/mount/uts/ipc/net/cgroup namespaces: build the root
#                   (overlay, private /dev, /proc, /sys, cgroups, /run, /tmp, binds), pivot into
#                   it, exec systemd
#
# Inputs, from the environment (lists are one item a line, fields split by a tab):
#   NISO_MACHINE_NAME            host name of the machine
#   NISO_MACHINE_DIR             host directory for this run (pid file, continue fifo, mount anchor)
#   NISO_MACHINE_UPPER           persistent overlay directory (holds upper/ and work/), or empty: tmpfs
#   NISO_MACHINE_TARGET          the unit systemd boots (basic.target, multi-user.target)
#   NISO_MACHINE_CGROUPS         host dir <tab> dir under /sys/fs/cgroup <tab> fstype <tab> options <tab> aliases
#   NISO_MACHINE_BINDS           host path <tab> path inside <tab> ro|rw
#   NISO_MACHINE_MASK            units to mask (runtime masks, in /run/systemd/system)
set -eu
set -f
nl='
'
tab='	'

case "\${1:-}" in
enter)
  IFS=$nl
  for line in $NISO_MACHINE_CGROUPS; do
    echo $$ > "\${line%%"$tab"*}/cgroup.procs"
  done
  unset IFS
  exec unshare --pid --fork --kill-child --mount --uts --ipc --net --cgroup -- /bin/sh "$0" init
  ;;
init) ;;
*)
  echo "usage: $0 enter|init" >&2
  exit 2
  ;;
esac

name=$NISO_MACHINE_NAME
dir=$NISO_MACHINE_DIR
# /proc is still the host's: field 1 is this process's host PID, field 4 the unshare parent's.
read -r hostpid _ _ supervisor _ < /proc/self/stat

# Nothing below propagates back to the host.
mount --make-rprivate /

# The root: an overlay whose lower layer is the host's /, upper on a tmpfs or a persistent dir.
mount -t tmpfs -o mode=0700 "niso-machine-$name" "$dir/mnt"
if [ -n "$NISO_MACHINE_UPPER" ]; then
  upper=$NISO_MACHINE_UPPER/upper
  work=$NISO_MACHINE_UPPER/work
else
  upper=$dir/mnt/upper
  work=$dir/mnt/work
fi
mkdir -p "$upper" "$work" "$dir/mnt/root"
r=$dir/mnt/root
mount -t overlay -o "lowerdir=/,upperdir=$upper,workdir=$work" "niso-machine-$name" "$r"

# /dev: a private tmpfs with the basic nodes and a private devpts. Never the host's /dev:
# systemd writes there (nodes, symlinks, permissions).
mount -t tmpfs -o mode=0755,nosuid niso-dev "$r/dev"
for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  node=\${spec%%:*}
  nums=\${spec#*:}
  mknod -m 0666 "$r/dev/$node" c "\${nums%%:*}" "\${nums#*:}"
done
mkdir -p "$r/dev/net" "$r/dev/pts" "$r/dev/shm"
mknod -m 0666 "$r/dev/net/tun" c 10 200
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$r/dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"
ln -s /proc/self/fd/2 "$r/dev/stderr"

# /proc of the new pid namespace. Kernel-wide sysctls stay read-only; /proc/sys/net belongs to
# the machine's own network namespace and stays writable.
mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
mount --bind "$r/proc/sys" "$r/proc/sys"
mount --bind "$r/proc/sys/net" "$r/proc/sys/net"
mount -o remount,bind,ro "$r/proc/sys"
if [ -e "$r/proc/sysrq-trigger" ]; then
  mount --bind "$r/proc/sysrq-trigger" "$r/proc/sysrq-trigger"
  mount -o remount,bind,ro "$r/proc/sysrq-trigger"
fi

# /sys read-only (sysfs of the new network namespace), and the machine's own cgroup hierarchies,
# mounted from inside its cgroup namespace so each is rooted at the machine's cgroup.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
IFS=$nl
set -- $NISO_MACHINE_CGROUPS
unset IFS
first=\${1:-}
case "$first" in
  *"\${tab}.\${tab}"*) ;;
  *) mount -t tmpfs -o mode=0755,nosuid,nodev,noexec niso-cgroup "$r/sys/fs/cgroup" ;;
esac
for line in "$@"; do
  rest=\${line#*"$tab"}
  sub=\${rest%%"$tab"*}
  rest=\${rest#*"$tab"}
  fstype=\${rest%%"$tab"*}
  rest=\${rest#*"$tab"}
  opts=\${rest%%"$tab"*}
  aliases=\${rest#*"$tab"}
  target=$r/sys/fs/cgroup/$sub
  mkdir -p "$target"
  if [ "$fstype" = cgroup2 ]; then
    mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$target"
  else
    mount -t cgroup -o "nosuid,nodev,noexec,$opts" cgroup "$target"
  fi
  for alias in $aliases; do
    [ "$alias" = "$sub" ] || ln -s "$sub" "$r/sys/fs/cgroup/$alias"
  done
done

mount -t tmpfs -o mode=0755,nosuid,nodev niso-run "$r/run"
mount -t tmpfs -o mode=1777,nosuid,nodev niso-tmp "$r/tmp"

# Host paths shared with the machine (the niso install, --bind), mounted last so that a path
# under /tmp or /run lands on the machine's own tmpfs.
IFS=$nl
for line in $NISO_MACHINE_BINDS; do
  src=\${line%%"$tab"*}
  rest=\${line#*"$tab"}
  dst=$r\${rest%%"$tab"*}
  mode=\${rest#*"$tab"}
  if [ -d "$src" ]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")" && touch "$dst"; fi
  mount --rbind "$src" "$dst"
  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$dst"; fi
done
unset IFS

# Identity and configuration of this boot.
echo "$name" > "$r/etc/hostname"
if [ ! -s "$upper/etc/machine-id" ]; then
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$r/etc/machine-id"
  echo >> "$r/etc/machine-id"
fi
mkdir -p "$r/run/systemd/system" "$r/run/systemd/journald.conf.d"
for unit in $NISO_MACHINE_MASK; do
  ln -s /dev/null "$r/run/systemd/system/$unit"
done
printf '[Journal]\\nStorage=volatile\\nRuntimeMaxUse=64M\\n' > "$r/run/systemd/journald.conf.d/niso-machine.conf"
if command -v ip > /dev/null; then ip link set lo up; fi

# Tell niso the host PIDs of PID 1 and of its parent, and wait until niso has moved that parent
# into <cgroup>/supervisor: the machine's root cgroup must hold no process of its own once
# systemd runs (cgroup v2 delegates controllers only to such cgroups). PIDs outside this PID
# namespace cannot be named from inside it, so niso does the move.
mkfifo -m 0600 "$dir/continue"
echo "$hostpid $supervisor" > "$dir/pid.tmp"
mv "$dir/pid.tmp" "$dir/pid"
read -r _ < "$dir/continue"

# Switch roots (the old one is stacked on the new and detached) and become systemd.
cd "$r"
pivot_root . .
umount -l .
cd /
exec env -i container=niso /lib/systemd/systemd --system --unit="$NISO_MACHINE_TARGET"
`
