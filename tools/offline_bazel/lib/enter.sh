#!/usr/bin/env bash
# enter.sh ROOT CWD N DIR... M ENV... BAZEL_ARG...: runs inside the toolchain's
# mount namespace (offline_bazel's run_offline enters it with nsenter). It
# bind-mounts each DIR at its own path inside ROOT, then runs bazel in ROOT,
# in CWD, with exactly the environment ENV...
set -euo pipefail
root=$1 cwd=$2 n=$3
shift 3
dirs=("${@:1:n}")
shift "$n"
m=$1
shift
envs=("${@:1:m}")
shift "$m"

# A folder deleted on the host stays mounted here, as "<path>//deleted".
# Drop those, so a new clone at an old path is not shadowed by its deleted
# predecessor (Bazel then dies with "getcwd() failed").
awk '$4 ~ /\/\/deleted$/ { print $5 }' /proc/self/mountinfo |
	while IFS= read -r mnt; do umount -l "$(printf '%b' "$mnt")" 2>/dev/null || true; done

for d in "${dirs[@]}"; do
	if mountpoint -q "$root$d"; then
		# Mounted already, but maybe from a folder since replaced.
		[[ $(stat -c %d:%i "$d") == $(stat -c %d:%i "$root$d") ]] && continue
		umount -l "$root$d"
	fi
	mount --bind "$d" "$root$d"
done

# shellcheck disable=SC2016 # $0 and $@ belong to the inner shell.
exec chroot "$root" /usr/bin/env -i "${envs[@]}" /bin/sh -c 'cd "$0" && exec bazel "$@"' "$cwd" "$@"
