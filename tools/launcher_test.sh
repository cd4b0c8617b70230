#!/usr/bin/env bash
# Tests tools/bazel's choices, the offline toolchain's reading of the pins, and
# their one-line errors, without provisioning: every case stops before
# anything is installed or downloaded.
set -euo pipefail

launcher=${TEST_SRCDIR:?run with bazel test}/_main/tools/bazel
workspace=$(dirname "$launcher")/..
pinned=$(tr -d '[:space:]' <"$workspace/.bazelversion")
other=${pinned%.*}.99 # a Bazel one patch line away from the pin
recipe=$(sed -n 's/^readonly RECIPE=//p' "$workspace/tools/offline_bazel/offline_bazel")
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/launcher.XXXXXX")
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect NAME WANT_CODE WANT_SUBSTRING -- COMMAND...: runs COMMAND and checks
# its exit code and that its output (stdout+stderr) contains WANT_SUBSTRING.
expect() {
	local name=$1 want_code=$2 want=$3
	shift 4
	local out code=0
	out=$("$@" 2>&1) || code=$?
	if [[ $code != "$want_code" ]]; then
		fail "$name: exit $code, want $want_code; output: $out"
	elif [[ $out != *"$want"* ]]; then
		fail "$name: output lacks '$want': $out"
	else
		echo "ok: $name"
	fi
	LAST_OUTPUT=$out
}

# copy_workspace DIR: the files the launcher reads, in DIR, which a test may
# then change.
copy_workspace() {
	mkdir -p "$1/tools"
	cp -rL "$workspace/tools/bazel" "$workspace/tools/offline_bazel" "$1/tools/"
	cp -L "$workspace/.bazelversion" "$workspace/MODULE.bazel" "$workspace/go.mod" "$1/"
	chmod -R u+w,a+rX "$1"
}

# fake_toolchain CACHE VERSION: a provisioned toolchain in CACHE whose Bazel
# reports VERSION, as far as the launcher's checks before running it look.
fake_toolchain() {
	local dir=$1/bazel-$pinned-r$recipe
	mkdir -p "$dir/rootfs"
	printf '%s\n' "$2" >"$dir/bazel-version"
	touch "$dir/ready"
}

expect help 0 "usage: tools/bazel" -- "$launcher" --plugkit-help
[[ $LAST_OUTPUT == *"a bazel $pinned on PATH"* ]] || fail "help: the version on PATH reads wrong: $LAST_OUTPUT"

# A Bazel launcher hands over the real binary in BAZEL_REAL.
cat >"$tmp/real" <<'SH'
#!/bin/sh
echo "real bazel got: $*"
SH
chmod +x "$tmp/real"
expect bazel_real 0 "real bazel got: build //... --config=ci" -- \
	env BAZEL_REAL="$tmp/real" "$launcher" build //... --config=ci

# A bazel of .bazelversion's version on PATH is used as is; another version,
# even one patch line away, is not.
mkdir -p "$tmp/bin_pinned" "$tmp/bin_other"
for v in pinned other; do
	cat >"$tmp/bin_$v/bazel" <<SH
#!/bin/sh
[ "\$1" = --version ] && { echo "bazel ${!v}"; exit 0; }
echo "$v bazel got: \$*"
SH
	chmod +x "$tmp/bin_$v/bazel"
done
expect path_bazel 0 "pinned bazel got: test //host/..." -- \
	env -u BAZEL_REAL PATH="$tmp/bin_pinned:$PATH" "$launcher" test //host/...
expect path_bazel_wrong_version_skipped 0 "" -- \
	env -u BAZEL_REAL PATH="$tmp/bin_other:$tmp/bin_pinned:$PATH" "$launcher" info
[[ $LAST_OUTPUT == *"pinned bazel got: info"* && $LAST_OUTPUT != *"other bazel"* ]] ||
	fail "path_bazel_wrong_version_skipped: used the wrong bazel: $LAST_OUTPUT"

# The offline toolchain reads the pins and refuses to run when they disagree
# with what it holds.
offline=(env -u BAZEL_REAL PLUGKIT_OFFLINE=1 GOPROXY=http://127.0.0.1:9/unused)
fake_toolchain "$tmp/stale" "$other"
expect offline_bazel_disagrees 1 "holds Bazel $other, but .bazelversion pins $pinned" -- \
	"${offline[@]}" PLUGKIT_CACHE="$tmp/stale" "$launcher" build //...
ws=$tmp/ws_bad_version
copy_workspace "$ws"
echo "${pinned%.*}" >"$ws/.bazelversion"
expect bazelversion_malformed 1 ".bazelversion must hold one Bazel version, MAJOR.MINOR.PATCH" -- \
	"${offline[@]}" PLUGKIT_CACHE="$tmp/none" "$ws/tools/bazel" build //...
ws=$tmp/ws_no_rules_go
copy_workspace "$ws"
sed -i '/^bazel_dep(name = "rules_go"/d' "$ws/MODULE.bazel"
fake_toolchain "$tmp/nomod" "$pinned"
expect module_pin_missing 1 "MODULE.bazel has no bazel_dep(name = \"rules_go\"" -- \
	"${offline[@]}" PLUGKIT_CACHE="$tmp/nomod" "$ws/tools/bazel" build //...

# Provisioning stops with one line, a reason and a remedy.
offline=(env -u BAZEL_REAL PLUGKIT_OFFLINE=1 PLUGKIT_CACHE="$tmp/cache")
if [[ $(id -u) != 0 ]]; then
	expect not_root 1 "needs root" -- "${offline[@]}" "$launcher" build //...
else
	if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		# A copy of the workspace files the launcher reads, where an
		# unprivileged user can reach them.
		ws=$(mktemp -d /tmp/launcher-ws.XXXXXX)
		copy_workspace "$ws"
		chmod a+rx "$ws"
		expect not_root 1 "plugkit: error: provisioning the offline Bazel needs root" -- \
			setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$ws" \
			"${offline[@]}" PLUGKIT_CACHE="$ws/cache" "$ws/tools/bazel" build //...
		rm -rf "$ws"
	fi
	# No Go module proxy: GOPROXY unset and `go env GOPROXY` says off.
	mkdir -p "$tmp/gooff"
	printf '#!/bin/sh\necho off\n' >"$tmp/gooff/go"
	chmod +x "$tmp/gooff/go"
	expect no_proxy 1 "plugkit: error: no Go module proxy: set GOPROXY" -- \
		env -u GOPROXY PATH="$tmp/gooff:$PATH" "${offline[@]}" "$launcher" build //...
	if ! command -v go >/dev/null; then
		expect no_go 1 "plugkit: error: no 'go' on PATH" -- "${offline[@]}" "$launcher" build //...
	fi
	# An error is one line, the last.
	[[ $(grep -c 'error' <<<"$LAST_OUTPUT") == 1 && $(tail -n 1 <<<"$LAST_OUTPUT") == "plugkit: error: "* ]] ||
		fail "error is not one last line: $LAST_OUTPUT"
fi
[[ ! -e $tmp/cache/bazel-$pinned-r$recipe/rootfs ]] || fail "a failed check still started provisioning"

# --plugkit-uninstall: nothing there is no error; a toolchain folder goes,
# read-only parts included (the real one holds a root filesystem).
expect uninstall_nothing 0 "nothing to remove" -- \
	env -u BAZEL_REAL PLUGKIT_CACHE="$tmp/none" "$launcher" --plugkit-uninstall
expect uninstall_extra_argument 1 "plugkit: error: --plugkit-uninstall takes no other argument" -- \
	env -u BAZEL_REAL PLUGKIT_CACHE="$tmp/none" "$launcher" --plugkit-uninstall build
if [[ $(id -u) == 0 ]]; then
	fake=$tmp/installed/bazel-$pinned-r$recipe
	mkdir -p "$fake/rootfs/usr/bin" "$fake/ns"
	echo x >"$fake/rootfs/usr/bin/bazel"
	touch "$fake/ready"
	chmod a-w "$fake/rootfs/usr/bin/bazel" "$fake/rootfs/usr/bin"
	expect uninstall 0 "plugkit: removed $fake" -- \
		env -u BAZEL_REAL PLUGKIT_CACHE="$tmp/installed" "$launcher" --plugkit-uninstall
	[[ ! -e $fake ]] || fail "uninstall: $fake is still there"
fi

((failures == 0)) || exit 1
echo PASS
