#!/usr/bin/env bash
# tools/cmd/fork/fork_test.sh: proves that a fork builds and passes its tests.
#
#   1. Builds //tools/cmd/fork and runs it on this work tree's tracked files:
#      --dest <work dir>/platform --module github.com/acme/platform
#      --name platform (the tool runs outside the launcher's root, so the copy
#      may live anywhere).
#   2. Checks that no text file of the copy names the old module path, and
#      makes the copy a git repository of its own (one commit), as a fork is.
#   3. Replaces the example plugins, as a team that forks the template does:
#      deletes every folder under plugins/, empties the PLUGINS list in
#      plugins/BUILD.bazel, and scaffolds a greeter (greeter/french) and a
#      logger (logger/syslog) with //tools/cmd/newplugin, which lists them there.
#      It then fills in their methods, as README's "Adding a plugin" says.
#   4. Runs `tools/bazel --output_base=<work dir>/output_base test //...` in
#      the copy: every test of the fork, with its own Bazel server, so new
#      plugins pass gazelle, buildifier and the compatibility suite under the
#      new module path, and nothing else needed the examples.
#   5. Runs `host greet --lang=french` and `host log` in the fork, with
#      //host (the plugins opened as .so files) and //host:static (linked
#      in), and checks what they print.
#
# It takes several minutes on 2 cores (the fork's output base starts empty)
# and needs the Go module proxy, as a first build does.
#
# usage: tools/cmd/fork/fork_test.sh [--keep] [--work-dir=DIR]
#                                [--module=PATH] [--name=NAME]
#
#   --keep          keep the copy, its output base and the logs
#   --work-dir=DIR  where to put them (default: a new folder under
#                   ${TMPDIR:-/tmp}); must not exist or be empty
#   --module=PATH   the fork's Go module path (default github.com/acme/platform)
#   --name=NAME     the fork's Bazel module name (default platform)
#
# Exit status: 0 when the fork's tests all pass, 1 otherwise, 2 on usage
# errors. The last line is "fork_test: OK ..." or "fork_test: FAILED ...".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)
readonly ROOT

say() { printf 'fork_test: %s\n' "$*" >&2; }
die() {
	printf 'fork_test: error: %s\n' "$*" >&2
	exit 2
}
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

keep=0 work= module=github.com/acme/platform name=platform
for arg in "$@"; do
	case $arg in
	-h | --help)
		usage
		exit 0
		;;
	--keep) keep=1 ;;
	--work-dir=*) work=${arg#*=} ;;
	--module=*) module=${arg#*=} ;;
	--name=*) name=${arg#*=} ;;
	*) die "unknown argument '$arg' (see --help)" ;;
	esac
done

if [[ -z $work ]]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/plugkit-fork.XXXXXX")
else
	mkdir -p "$work"
	[[ -z $(ls -A "$work") ]] || die "--work-dir $work is not empty"
	work=$(cd "$work" && pwd -P)
fi
copy=$work/$name
out=$work/output_base
started=$(date +%s)

cleanup() {
	local rc=$?
	set +e
	[[ -d $copy && -d $out ]] && (cd "$copy" && tools/bazel --output_base="$out" shutdown >/dev/null 2>&1)
	if ((keep)); then
		say "kept $work"
	else
		chmod -R u+w "$work" 2>/dev/null
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT

step() { printf '\n== fork_test: %s\n' "$*" >&2; }
fail() {
	echo "fork_test: FAILED ($1) after $(($(date +%s) - started)) s${2:+: $2}"
	exit 1
}

step "1/5 forking $ROOT as $module ($name) into $copy"
(cd "$ROOT" && tools/bazel build //tools/cmd/fork) >"$work/tool-build.log" 2>&1 || {
	tail -n 20 "$work/tool-build.log" >&2
	fail "building //tools/cmd/fork"
}
tool=$(cd "$ROOT" && tools/bazel cquery --output=files //tools/cmd/fork 2>/dev/null | head -n 1)
[[ -n $tool && -x $ROOT/$tool ]] || fail "finding //tools/cmd/fork's binary (cquery printed '$tool')"
"$ROOT/$tool" --src "$ROOT" --dest "$copy" --module "$module" --name "$name" >"$work/fork.log" 2>&1 || {
	cat "$work/fork.log" >&2
	fail "tools/cmd/fork"
}
grep -E '^(rewrote [0-9]|warning:)' "$work/fork.log" | sed 's/^/fork_test:   /' >&2

step "2/5 checking the copy"
old=$(sed -n 's/^module[[:space:]]*//p' "$ROOT/go.mod" | head -n 1)
if left=$(cd "$copy" && grep -rIl --fixed-strings -- "$old" .); then
	say "files that still name $old:"
	sed 's/^/fork_test:   /' <<<"$left" >&2
	fail "old module path left"
fi
say "no text file names $old"
git -C "$copy" init -q
git -C "$copy" add -A
git -C "$copy" -c user.name=fork_test -c user.email=fork_test@localhost commit -q -m "Fork as $module"
say "git repository with $(git -C "$copy" ls-files | wc -l) files"

bazel_in_copy() { (cd "$copy" && tools/bazel --output_base="$out" "$@"); }

step "3/5 replacing the example plugins with scaffolded ones (tools/cmd/newplugin)"
for d in "$copy"/plugins/*/; do
	rm -rf "$d"
	say "deleted plugins/$(basename "$d")"
done
# The one list: drop every entry; newplugin adds the new ones and formats it.
sed -i '/^PLUGINS = \[/,/^\]/{/^ *"\/\/plugins\//d}' "$copy/plugins/BUILD.bazel"
grep -q '"//plugins/' "$copy/plugins/BUILD.bazel" && fail "emptying PLUGINS in plugins/BUILD.bazel"
for plugin in greeter/french logger/syslog; do
	bazel_in_copy run --config=ci //tools/cmd/newplugin -- "$plugin" >"$work/newplugin.log" 2>&1 || {
		tail -n 20 "$work/newplugin.log" >&2
		fail "newplugin $plugin"
	}
	say "plugins/$plugin: $(cd "$copy/plugins/$plugin" && ls | tr '\n' ' ')"
done
# What a plugin author writes: the greeting, and a logger that prints. The
# builtin println needs no import, so the BUILD files stay as written.
fill() { # file, method, body: the method's TODO and zero return become body
	awk -v m="$2" -v body="$3" '
		$0 ~ "^func \\(.*\\) " m "\\(" { in_fn = 1; print; next }
		in_fn && /^\t\/\/ TODO/ { next }
		in_fn && /^\treturn/ { next }
		in_fn && /^}/ { print "\t" body; in_fn = 0 }
		{ print }
	' "$1" >"$1.new" && mv "$1.new" "$1"
}
fill "$copy/plugins/greeter/french/french.go" Greet "return \"Bonjour l'univers\""
for level in Log Info Warn; do
	fill "$copy/plugins/logger/syslog/syslog.go" "$level" "println(\"syslog $level:\", msg)"
done
grep -q "Bonjour" "$copy/plugins/greeter/french/french.go" || fail "filling in french.go's Greet"

step "4/5 tools/bazel --output_base=$out test //... (in $copy)"
log=$work/test.log
say "log in $log"
rc=0
bazel_in_copy test --config=ci //... >"$log" 2>&1 || rc=$?
grep -E '^INFO: (Elapsed time|Build completed|[0-9,]+ processes)|^Executed|tests? pass' "$log" | sed 's/^/fork_test: /' >&2 || true
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE|FAILED TO BUILD)' "$log" || true)
for t in //plugins/greeter/french:plugin_compat_test //plugins/logger/syslog:plugin_compat_test //host:host_test //:gazelle_test //tools/lint:buildifier_test //tools/cmd/fork:fork_test; do
	grep -qE "^$t +(\(cached\) )?PASSED" "$log" || {
		say "$t did not pass"
		rc=1
	}
done
secs=$(($(date +%s) - started))
if ((rc != 0 || failed > 0 || passed == 0)); then
	grep -E '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE|FAILED TO BUILD)|^ERROR' "$log" | head -n 30 >&2 || true
	fail "tools/bazel test //... in the fork" "$passed passed, $failed failed, exit $rc, see $log (--keep keeps it)"
fi

step "5/5 the fork's hosts, through the scaffolded plugins"
expect() { # want, bazel run args...
	local want=$1 got
	shift
	# Bazel writes its own messages to standard error.
	got=$(bazel_in_copy run --config=ci "$@" 2>"$work/run.log") || {
		tail -n 20 "$work/run.log" >&2
		fail "bazel run $*"
	}
	[[ $got == "$want" ]] || fail "bazel run $*" "printed '$got', want '$want'"
	say "bazel run $*: $got"
}
for host in //host //host:static; do
	expect "Bonjour l'univers" "$host" -- greet --lang=french
done
# The scaffolded plugin, run as its own executable.
expect "Bonjour l'univers" //host -- greet --isolated --lang=french
# The signed path (docs/signing.md), in a folder outside the workspace: install,
# make a key, and greet in production mode, refused until the plugins are signed.
run_quiet() { bazel_in_copy run --config=ci "$@" >"$work/run.log" 2>&1 || { tail -n 20 "$work/run.log" >&2; fail "bazel run $*"; }; }
run_quiet //plugins:install -- "$work/installed"
run_quiet //tools/cmd/sign -- keygen --comment=fork_test "$work/ci"
if bazel_in_copy run --config=ci //host -- greet --lang=french --plugins="$work/installed" --trust="$work/ci.pub" >"$work/run.log" 2>&1; then
	fail "greet --trust with unsigned plugins" "it greeted"
fi
grep -q "plugin build record not signed" "$work/run.log" || fail "greet --trust with unsigned plugins" "$(tail -n 3 "$work/run.log")"
say "bazel run //host -- greet --trust: unsigned plugins refused"
run_quiet //tools/cmd/sign -- sign --key="$work/ci.key" "$work/installed"
expect "Bonjour l'univers" //host -- greet --lang=french --plugins="$work/installed" --trust="$work/ci.pub"
# println writes to standard error; the host's own output is empty.
for host in //host //host:static; do
	got=$(bazel_in_copy run --config=ci "$host" -- log --level=warn --msg=disk 2>&1 | grep '^syslog' || true)
	[[ $got == "syslog Warn: disk" ]] || fail "bazel run $host -- log" "printed '$got', want 'syslog Warn: disk'"
	say "bazel run $host -- log: $got"
done
secs=$(($(date +%s) - started))
echo "fork_test: OK: the fork as $module ($name), its example plugins replaced by scaffolded ones, passes all $passed tests of tools/bazel test //..., and both hosts greet and log through the new plugins (in-process, isolated, linked in, and signed in a folder outside the workspace), in $secs s"
