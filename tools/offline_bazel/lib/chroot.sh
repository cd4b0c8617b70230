#!/usr/bin/env bash
# chroot.sh ROOT COMMAND...: runs COMMAND inside the root filesystem ROOT with
# /proc and /dev mounted. offline_bazel runs it under `unshare -m`, so the
# mounts live in a private mount namespace and end with the command.
set -euo pipefail
root=$1
shift
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"
