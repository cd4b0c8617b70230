#!/usr/bin/env bash
# Measures an incremental build: what `bazel build //...` executes after one
# plugin's source is edited. It appends a comment to the plugin's first .go
# file, builds with an execution log, restores the file (also on failure or
# Ctrl-C) and prints the executed actions by target and mnemonic.
#
#   tools/scripts/repro/incremental.sh plugins/greeter/chinese [more bazel flags]
#
# The workspace must be otherwise clean for the edited file; the build before
# the edit warms Bazel up and is not counted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
	sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
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
# where only the workspace and Bazel's cache are mounted.
log=$PWD/.incremental-exec.json
trap 'git checkout --quiet -- "$src"; rm -f "$log"' EXIT

echo "incremental: warm-up build" >&2
tools/bazel build //... "$@" >/dev/null 2>&1
echo "incremental: edit $src, rebuild" >&2
printf '\n// incremental.sh edit\n' >>"$src"
tools/bazel build //... --execution_log_json_file="$log" "$@" 2>&1 | grep -E '^INFO: (Elapsed|Build completed|[0-9]+ processes)' >&2

python3 - "$log" <<'EOF'
import collections, json, sys
text = open(sys.argv[1]).read()
dec, i, spawns = json.JSONDecoder(), 0, []
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    obj, i = dec.raw_decode(text, i)
    spawns.append(obj)
executed = [s for s in spawns if not s.get("remoteCacheHit")]
print(f"{len(executed)} actions executed")
by = collections.Counter((s.get("targetLabel", "?"), s.get("mnemonic", "?")) for s in executed)
for (label, mnemonic), n in sorted(by.items()):
    print(f"  {n:3d}  {mnemonic:<22} {label}")
EOF
