#!/usr/bin/env bash
# Measures an incremental build: what `bazel build //...` executes after one
# plugin's source is edited. It appends a comment to the plugin's first .go
# file, builds with an execution log, restores the file (also on failure or
# Ctrl-C) and prints the executed spawns by target and mnemonic
# (tools/scripts/repro/execlog executed).
#
#   tools/scripts/repro/incremental.sh plugins/greeter/chinese [more bazel flags]
#
# The workspace must be otherwise clean for the edited file; the build before
# the edit warms Bazel up and is not counted.
set -euo pipefail
# This file is tools/scripts/repro/incremental.sh.
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
	[[ $# -ge 1 ]] && exit 0 || exit 2
fi
pkg=${1%/}
shift
src=$(find "$pkg" -maxdepth 1 -name '*.go' ! -name '*_test.go' | sort | head -n 1)
[[ -n $src ]] || { echo "incremental: no Go source in $pkg" >&2; exit 2; }
if ! git diff --quiet -- "$src"; then
	echo "incremental: $src has uncommitted changes; commit or stash them first" >&2
	exit 2
fi

# The log must be on a path Bazel sees: tools/bazel may run it in a chroot
# that shares the workspace but not every host folder (tools/offline_bazel).
log=$PWD/.incremental-exec.json
out=$(mktemp)
trap 'git checkout --quiet -- "$src"; rm -f "$log" "$out"' EXIT

# build LABEL FLAGS...: builds //..., showing Bazel's last lines if it fails.
build() {
	local label=$1
	shift
	if ! tools/bazel build //... "$@" >"$out" 2>&1; then
		tail -n 30 "$out" >&2
		echo "incremental: the $label build failed" >&2
		exit 1
	fi
}

echo "incremental: warm-up build" >&2
build warm-up "$@"
echo "incremental: edit $src, rebuild" >&2
printf '\n// incremental.sh edit\n' >>"$src"
build incremental --execution_log_json_file="$log" "$@"
grep -E '^INFO: (Elapsed|Build completed|[0-9,]+ processes)' "$out" >&2 || true

# The same flags as the build, so Bazel keeps its analysis; //... has just
# built execlog, and `bazel run` runs it where Bazel runs (tools/bazel's
# chroot, if any), which sees the workspace and so the log.
tools/bazel run "$@" --ui_event_filters=-info,-stdout,-stderr --noshow_progress \
	//tools/scripts/repro/execlog -- executed "$log"
