#!/usr/bin/env bash
# namespace.sh ROOT: the first process of the toolchain's shared mount
# namespace (offline_bazel's ensure_namespace runs it under
# `unshare --mount=FILE`). It mounts what Bazel needs inside ROOT; the
# namespace outlives it, pinned by FILE.
set -euo pipefail
root=$1
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --rbind /sys "$root/sys"
