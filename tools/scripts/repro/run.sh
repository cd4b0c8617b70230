#!/usr/bin/env bash
# tools/scripts/repro/run.sh: proves that plugkit's build is reproducible and that its
# actions share a remote cache across checkouts.
#
#   1. Makes two copies of the repository in different directories (a git
#      clone of HEAD by default; --worktree copies the working tree instead).
#   2. Starts a local HTTP remote cache (tools/scripts/remote_cache/nginx.sh), unless
#      --remote-cache=URL (or PLUGKIT_REMOTE_CACHE) names one, and points both
#      copies at it through their user.bazelrc (`build:remote --remote_cache=`).
#   3. Build A: //... in copy A with its own output base, run locally; with
#      --config=remote it fills the cache.
#   4. Build B: //... in copy B with another output base, run locally again
#      without reading the cache: an independent rebuild.
#   5. Compares the sha256 of every plugin .so, every build record
#      (*.so.build.json) and every bindgen-generated bindings file of A and
#      B, and prints a diff of any mismatch.
#   6. Loads copy A's greeter plugins into copy B's host
#      (`tools/bazel run //host -- greet --plugins=<A's plugins>`).
#   7. Build C: //... in copy B with a third, empty output base and
#      --config=remote. Reports its "N processes: X remote cache hit, ..."
#      line, lists every action that ran locally though it could have come
#      from the cache, and checks C's files against A's too.
#   8. Checks that every action of C carried the offline toolchain's C toolchain
#      identity (the exec property plugkit-cc-toolchain), then cleans C's
#      output base and builds one action (//tools/offline_bazel:cache_key_probe)
#      twice more: with the same identity it must come from the cache, with
#      another (PLUGKIT_CC_TOOLCHAIN_ID) it must not. Skipped, and said so,
#      under a Bazel of your own, whose actions carry no identity.
#
# One output base is on disk at a time: each build's files are hashed (and
# A's greeters copied for step 6) before its output base is deleted, so the
# check needs about one output base and the cache (it says how much it has and
# needs before it starts) rather than three output bases.
#
# A build that hits the cache for everything downloads A's bytes, so its files
# match A's whatever the actions do; only B, which runs every action again,
# shows whether they are deterministic. C shows whether their cache keys are:
# a key that held a path or an environment value of copy A would miss in B.
#
# usage: tools/scripts/repro/run.sh [--worktree] [--keep] [--work-dir=DIR]
#                           [--remote-cache=URL] [--allow-misses]
#
#   --worktree          copy the working tree (tracked and untracked, not
#                       ignored files) instead of cloning HEAD
#   --keep              keep the copies, output bases, logs and cache
#   --work-dir=DIR      where to put them (default: a new folder under
#                       ${TMPDIR:-/tmp}); must not exist or be empty
#   --remote-cache=URL  use this cache (http://, grpc://...) instead of starting
#                       one; default: $PLUGKIT_REMOTE_CACHE, else a local nginx
#   --allow-misses      do not fail when build C runs cacheable actions locally
#
# Needs: git, sha256sum, and for the local cache nginx (installed with apt-get
# when missing, as root); about 12 GiB free under the work folder
# (PLUGKIT_REPRO_MIN_FREE_GIB changes the figure it checks). Build C's
# execution log is read by tools/scripts/repro/execlog, which the builds make.
# Takes two full builds and a cached one: about 20 minutes on 2 cores.
#
# Exit status: 0 when the files match, every cacheable action of build C was a
# remote cache hit, and A's plugins load into B's host; 1 otherwise; 2 on usage
# errors. The last line is "repro: OK: ..." or "repro: FAILED (...): ...".
set -euo pipefail

# This file is tools/scripts/repro/run.sh.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)
readonly ROOT

say() { printf 'repro: %s\n' "$*" >&2; }
die() {
	printf 'repro: error: %s\n' "$*" >&2
	exit 2
}
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

source_mode=head keep=0 work='' cache_url=${PLUGKIT_REMOTE_CACHE:-} allow_misses=0
for arg in "$@"; do
	case $arg in
	-h | --help)
		usage
		exit 0
		;;
	--worktree) source_mode=worktree ;;
	--keep) keep=1 ;;
	--work-dir=*) work=${arg#*=} ;;
	--remote-cache=*) cache_url=${arg#*=} ;;
	--allow-misses) allow_misses=1 ;;
	*) die "unknown argument '$arg' (see --help)" ;;
	esac
done

# Flags every build shares. --config=ci for plain logs; all outputs downloaded
# so the comparison sees every file (--config=remote alone downloads top-level
# outputs only); no disk cache, so hits can only come from the remote one.
readonly COMMON_FLAGS=(--config=remote --config=ci --remote_download_outputs=all --disk_cache=)
# Build B: the same flags, but neither read nor write the cache.
readonly LOCAL_FLAGS=(--noremote_accept_cached --noremote_upload_local_results)

# --- setup ---------------------------------------------------------------------

if [[ -z $work ]]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/plugkit-repro.XXXXXX")
else
	mkdir -p "$work"
	[[ -z $(ls -A "$work") ]] || die "--work-dir $work is not empty"
	work=$(cd "$work" && pwd -P)
fi
# Different depths and names, so an absolute path leaking into an output or a
# cache key shows.
copy_a=$work/a/plugkit
copy_b=$work/b/checkout/plugkit-b
out_a=$work/a/output_base
out_b=$work/b/output_base
out_c=$work/c/output_base
cache_dir=$work/cache
started_cache=0

cleanup() {
	local rc=$? pair
	set +e
	for pair in "$copy_a:$out_a" "$copy_b:$out_b" "$copy_b:$out_c"; do
		[[ -d ${pair%%:*} && -d ${pair#*:} ]] &&
			(cd "${pair%%:*}" && tools/bazel --output_base="${pair#*:}" shutdown >/dev/null 2>&1)
	done
	((started_cache)) && "$ROOT/tools/scripts/remote_cache/nginx.sh" stop "$cache_dir"
	chmod -R u+w "$work" 2>/dev/null
	if ((keep)); then
		say "kept $work"
	elif ((rc != 0)); then
		# Keep what explains the failure, not the gigabytes of output bases.
		mv "$copy_a"/.repro-*-exec.json "$copy_b"/.repro-*-exec.json "$work/" 2>/dev/null
		rm -rf "$work/a" "$work/b" "$work/c" "$cache_dir/data"
		say "logs kept in $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT

step() { printf '\n== repro: %s\n' "$*" >&2; }

make_copy() {
	local dest=$1
	mkdir -p "$(dirname "$dest")"
	case $source_mode in
	head)
		git clone -q --no-hardlinks --no-checkout "$ROOT" "$dest"
		git -C "$dest" checkout -q --detach "$(git -C "$ROOT" rev-parse HEAD)"
		;;
	worktree)
		mkdir -p "$dest"
		(cd "$ROOT" && git ls-files -z -c -o --exclude-standard |
			while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
			tar --null -T - -cf -) | tar -C "$dest" -xf -
		;;
	esac
}

# A full build's output base takes about 7.8 GiB, the cache 1.6 GiB; the
# check fails early, and says so, rather than on "No space left on device"
# twenty minutes in.
min_free_gib=${PLUGKIT_REPRO_MIN_FREE_GIB:-12}
free_gib=$(($(df -Pk "$work" | awk 'NR == 2 { print $4 }') / 1024 / 1024))
if ((free_gib < min_free_gib)); then
	echo "repro: FAILED (disk): $free_gib GiB free under $work, the check needs about $min_free_gib GiB (one output base and the cache); free some space, or point TMPDIR or --work-dir at a bigger disk"
	exit 1
fi

# usage_gib PATH: the size of a folder, for the log.
usage_gib() { du -sk "$1" 2>/dev/null | awk '{ printf "%.1f GiB", $1 / 1024 / 1024 }'; }

# discard LABEL OUTPUT_BASE: logs what a build holds on disk, then deletes its
# output base once its files are hashed; Bazel leaves read-only files and
# folders behind.
discard() {
	say "$1: output base $(usage_gib "$2"), cache $(usage_gib "$cache_dir"); $(df -Ph "$work" | awk 'NR == 2 { print $4 }') free"
	((keep)) && return 0
	chmod -R u+w "$2" 2>/dev/null || true
	rm -rf "$2"
}

step "1/8 copies of $(git -C "$ROOT" rev-parse --short HEAD) ($source_mode) in $work"
if [[ $source_mode == head && -n $(git -C "$ROOT" status --porcelain --untracked-files=no) ]]; then
	say "note: uncommitted changes in $ROOT are not part of the check (use --worktree to include them)"
fi
make_copy "$copy_a"
make_copy "$copy_b"
say "A: $copy_a"
say "B: $copy_b"

step "2/8 remote cache"
if [[ -z $cache_url ]]; then
	"$ROOT/tools/scripts/remote_cache/nginx.sh" install
	cache_url=$("$ROOT/tools/scripts/remote_cache/nginx.sh" start "$cache_dir")
	started_cache=1
else
	say "using the cache at $cache_url (not started here)"
fi
for copy in "$copy_a" "$copy_b"; do
	# The documented way to point a checkout at a cache (README.md).
	printf 'build:remote --remote_cache=%s\n' "$cache_url" >"$copy/user.bazelrc"
done

# build LABEL COPY OUTPUT_BASE [FLAGS...]: builds //..., prints the seconds it
# took. The execution log goes into the copy: Bazel may run in the offline
# launcher's chroot, which shares the workspace and the output base but not
# every host folder (no /var, /opt, ...: tools/offline_bazel).
build() {
	local label=$1 copy=$2 out=$3 start end rc=0
	shift 3
	local log=$work/$label-build.log
	local flags=("${COMMON_FLAGS[@]}" "$@" "--execution_log_json_file=$copy/.repro-$label-exec.json")
	say "$label: (cd $copy && tools/bazel --output_base=$out build //... ${flags[*]})"
	say "$label: log in $log"
	start=$(date +%s)
	(cd "$copy" && tools/bazel --output_base="$out" build //... "${flags[@]}") >"$log" 2>&1 || rc=$?
	end=$(date +%s)
	grep -E '^INFO: ([0-9,]+ processes|Elapsed time|Build completed)' "$log" | sed "s/^/repro: $label: /" >&2 || true
	if ((rc != 0)); then
		tail -n 30 "$log" >&2
		say "$label: build failed (exit $rc)"
		return 1
	fi
	printf '%s\n' "$((end - start))"
}

shutdown() { (cd "$1" && tools/bazel --output_base="$2" shutdown >/dev/null 2>&1) || true; }

# outputs OUTPUT_BASE: "<sha256>  <kind>  <path under bazel-out>" for every plugin
# .so, build record and bindings file, sorted by path.
outputs() {
	(
		cd "$1/execroot/_main/bazel-out"
		find . -path ./_tmp -prune -o -path '*/external' -prune -o -name '*.runfiles' -prune -o \
			-type f \( -name '*.so' -o -name '*.so.build.json' -o -name '*.go' \) -print |
			sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r f; do
			case $f in
			*.so) kind=plugin ;;
			*.so.build.json) kind=record ;;
			*.go)
				# bindgen's files say so on their first line.
				head -n 1 "$f" | grep -q '^// Code generated by "bindgen ' || continue
				kind=bindings
				;;
			esac
			printf '%s  %-8s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$kind" "$f"
		done
	)
}

# all_outputs OUTPUT_BASE: "<sha256>  <path>" for every other file the build
# wrote under bazel-out too, but for those that hold the output base's absolute
# path by Bazel's design and are never cached (runfiles manifests, written by
# Bazel itself), the workspace status files (--nostamp keeps them out of
# every action), and param files (<target>-N.params): Bazel writes those for a
# long command line of an action it runs itself, and not for one a cache
# answers, so they appear in A and not in C; they are an action's inputs.
all_outputs() {
	(
		cd "$1/execroot/_main/bazel-out"
		find . -path ./_tmp -prune -o -name testlogs -prune -o -name '*.runfiles' -prune -o \
			-type f ! -name '*.runfiles_manifest' ! -name '*-status.txt' ! -name '*-[0-9]*.params' -print0 |
			LC_ALL=C sort -z | xargs -0 -r sha256sum | sed 's|  \./|  |'
	)
}

# compare NAME1 NAME2 [SUFFIX [WHAT]]: diffs the lists $work/NAME1SUFFIX.sha256
# and $work/NAME2SUFFIX.sha256 (outputs, all_outputs), prints a verdict that
# calls their lines WHAT (default: files); false on a difference, or when
# NAME2's list is empty.
compare() {
	local x=$1 y=$2 suffix=${3:-} what=${4:-files} n
	n=$(wc -l <"$work/$y$suffix.sha256")
	if ((n == 0)); then
		say "$y: no $what under its bazel-out"
		return 1
	fi
	if ! diff -u --label "$x" --label "$y" "$work/$x$suffix.sha256" "$work/$y$suffix.sha256" >"$work/$x-$y$suffix.diff"; then
		cat "$work/$x-$y$suffix.diff" >&2
		say "$x vs $y: $(grep -c '^[-+][0-9a-f]' "$work/$x-$y$suffix.diff" || true) lines of the $n $what differ or exist in one build only (diff above)"
		return 1
	fi
	say "$x vs $y: all $n $what identical"
}

failed=()
fail() {
	echo "repro: FAILED ($1): see $work${2:+ and $2}"
	exit 1
}

step "3/8 build A: copy A, local, fills the cache"
secs_a=$(build A "$copy_a" "$out_a") || fail "build A" "$work/A-build.log"
say "A: ${secs_a}s"
# A's greeter plugins and their build records, for the cross-copy load in step 6.
greeters=()
for lang in english chinese; do
	mapfile -t -O "${#greeters[@]}" greeters < <(cd "$copy_a" && tools/bazel --output_base="$out_a" \
		cquery --output=files "${COMMON_FLAGS[@]}" "//plugins/greeter/$lang:plugin" 2>>"$work/A-cquery.log")
done
shutdown "$copy_a" "$out_a"
# What steps 5 to 7 need of A: its hashes and its greeters.
outputs "$out_a" >"$work/A.sha256"
all_outputs "$out_a" >"$work/A-all.sha256"
plugins_dir=$copy_b/repro-plugins-from-a # inside copy B, so the launcher mounts it
for f in "${greeters[@]}"; do
	[[ $f == bazel-out/* ]] || continue
	name=$(basename "$f")
	lang=${name%%.*}
	mkdir -p "$plugins_dir/greeter/$lang"
	cp "$out_a/execroot/_main/$f" "$plugins_dir/greeter/$lang/$name"
done
discard A "$out_a"

step "4/8 build B: copy B, local again, cache not read"
secs_b=$(build B "$copy_b" "$out_b" "${LOCAL_FLAGS[@]}") || fail "build B" "$work/B-build.log"
say "B: ${secs_b}s"

step "5/8 reproducibility: A's files against B's"
outputs "$out_b" >"$work/B.sha256"
count=$(wc -l <"$work/A.sha256")
for kind in plugin record bindings; do
	say "$(grep -c "  $kind  " "$work/A.sha256" || true) $kind files"
done
compare A B "" "plugin, build record and bindings files" || failed+=("A and B differ")
sed 's/^/repro:   /' "$work/A.sha256" >&2
all_outputs "$out_b" >"$work/B-all.sha256"
all_count=$(wc -l <"$work/A-all.sha256")
compare A B -all "outputs in all (objects, archives, binaries, ...)" || failed+=("A and B outputs differ")

step "6/8 loading A's plugins into B's host"
load_ok=0
if [[ ! -d $plugins_dir/greeter ]]; then
	say "found no greeter plugins in A (see $work/A-cquery.log)"
	failed+=("cross-copy load")
else
	(cd "$plugins_dir" && find . -type f | LC_ALL=C sort | sed 's|^\./|repro:   from A: |' >&2)
	load_ok=1
	for lang in english chinese; do
		if greeting=$(cd "$copy_b" && tools/bazel --output_base="$out_b" run "${COMMON_FLAGS[@]}" "${LOCAL_FLAGS[@]}" \
			--ui_event_filters=-info,-stdout,-stderr --noshow_progress \
			//host -- greet --lang="$lang" --plugins="$plugins_dir" 2>"$work/B-run-$lang.log"); then
			say "B's host, A's greeter/$lang: $greeting"
		else
			tail -n 15 "$work/B-run-$lang.log" >&2
			say "B's host refused A's greeter/$lang (above)"
			load_ok=0
		fi
	done
	((load_ok)) || failed+=("cross-copy load")
fi
shutdown "$copy_b" "$out_b"
discard B "$out_b"

step "7/8 build C: copy B, empty output base, through the cache"
secs_c=$(build C "$copy_b" "$out_c") || fail "build C" "$work/C-build.log"
say "C: ${secs_c}s"
procs=$(grep -oE '^INFO: [0-9,]+ processes: .*' "$work/C-build.log" | tail -n 1 || true)
procs=${procs#INFO: }
procs=${procs%.}
say "C: $procs"
# Bazel's execution log names every spawn, whether it was a cache hit, and
# whether it could have been one (tags such as no-remote-cache say no);
# execlog reads it. It runs through `bazel run` in copy B on C's output base,
# with C's flags: the server is still up and C's //... has just fetched the
# binary, so this builds nothing, and under tools/bazel's offline toolchain it
# runs inside the toolchain's root like every build action, with copy B, which
# holds the log, mounted. A host-side bazel-bin path would lean on the binary
# running outside that root, `go run` on a Go on the host. It is HEAD's
# execlog (the working tree's with --worktree), as everything else checked.
misses=$(cd "$copy_b" && tools/bazel --output_base="$out_c" run "${COMMON_FLAGS[@]}" \
	--ui_event_filters=-info,-stdout,-stderr --noshow_progress \
	//tools/scripts/repro/execlog -- cache "$copy_b/.repro-C-exec.json" 2>"$work/C-execlog.log") || {
	tail -n 15 "$work/C-execlog.log" >&2
	fail "reading build C's execution log" "$work/C-execlog.log"
}
# The last line is "spawns N cacheable N misses N" (execlog --help).
[[ $(tail -n 1 <<<"$misses") =~ ^spawns\ ([0-9]+)\ cacheable\ ([0-9]+)\ misses\ ([0-9]+)$ ]] ||
	fail "reading build C's execution log: execlog printed no counts" "$work/C-execlog.log"
spawns=${BASH_REMATCH[1]} cacheables=${BASH_REMATCH[2]} miss_count=${BASH_REMATCH[3]}
grep '^uncacheable ' <<<"$misses" | sed 's/^uncacheable /repro:   not cacheable (tags): /' >&2 || true
grep '^miss ' <<<"$misses" | sed 's/^miss /repro:   ran locally: /' >&2 || true
if ((spawns == 0)); then
	# An empty output base caches nothing locally, so every action of C is
	# a spawn in the log; none means the log is not C's.
	say "C: its execution log lists no spawn"
	failed+=("empty execution log")
elif ((miss_count > 0)); then
	say "C: $miss_count of $cacheables cacheable actions ran locally instead of hitting the cache (above)"
	((allow_misses)) || failed+=("$miss_count cache misses")
else
	say "C: all $cacheables cacheable actions were remote cache hits ($((spawns - cacheables)) of $spawns not cacheable)"
fi
outputs "$out_c" >"$work/C.sha256"
compare A C "" "plugin, build record and bindings files" || failed+=("A and C differ")
all_outputs "$out_c" >"$work/C-all.sha256"
compare A C -all "outputs in all" || failed+=("A and C outputs differ")

step "8/8 the C toolchain's identity is in every action's key"
# The offline toolchain (tools/offline_bazel) gives every action the exec
# property plugkit-cc-toolchain, a digest of the packages its gcc and glibc
# come from, because those are no action's inputs. Every spawn of C must
# carry it; then one action built again after a clean must come from the
# cache with the same identity, and must not with another.
execlog() {
	(cd "$copy_b" && tools/bazel --output_base="$out_c" run "${COMMON_FLAGS[@]}" \
		--ui_event_filters=-info,-stdout,-stderr --noshow_progress \
		//tools/scripts/repro/execlog -- "$@")
}
# probe NAME [ID]: cleans C's output base and builds the probe action with the
# toolchain's identity, or with ID instead; sets probed to Bazel's process
# count line.
probe() {
	(cd "$copy_b" && tools/bazel --output_base="$out_c" clean &&
		PLUGKIT_CC_TOOLCHAIN_ID=${2:-} tools/bazel --output_base="$out_c" build "${COMMON_FLAGS[@]}" \
			//tools/offline_bazel:cache_key_probe) >"$work/probe-$1.log" 2>&1 ||
		fail "building the cache key probe ($1)" "$work/probe-$1.log"
	probed=$(grep -oE '^INFO: [0-9,]+ processes: .*' "$work/probe-$1.log" | tail -n 1) || true
}
cc_ids=$(execlog platform "$copy_b/.repro-C-exec.json" 2>"$work/C-platform.log" | sed -n 's/^plugkit-cc-toolchain=//p') ||
	fail "reading build C's execution platforms" "$work/C-platform.log"
identity=checked
if [[ -z $cc_ids ]]; then
	# A Bazel of the user's own (BAZEL_REAL, or one on PATH) uses the
	# machine's C toolchain, and the key names none (README.md, "Remote cache").
	say "no action carries plugkit-cc-toolchain: not the offline toolchain, nothing to check"
	identity="not the offline toolchain"
elif ! execlog platform --require=plugkit-cc-toolchain "$copy_b/.repro-C-exec.json" >/dev/null 2>"$work/C-platform.log"; then
	head -n 20 "$work/C-platform.log" >&2
	say "C: some actions lack the C toolchain identity (above)"
	failed+=("actions without the C toolchain identity")
	identity=failed
elif (($(wc -l <<<"$cc_ids") != 1)); then
	say "C: the actions carry several C toolchain identities: $(paste -sd' ' <<<"$cc_ids")"
	failed+=("several C toolchain identities")
	identity=failed
else
	say "every action of C carries plugkit-cc-toolchain=$cc_ids"
	probe fill
	probe same
	same=$probed
	probe other "$cc_ids-changed"
	other=$probed
	say "same identity after a clean: $same"
	say "another identity after a clean: $other"
	if [[ $same != *"1 remote cache hit"* ]]; then
		failed+=("the probe missed the cache with the same C toolchain identity")
		identity=failed
	fi
	if [[ $other == *"remote cache hit"* ]]; then
		failed+=("the probe hit the cache with another C toolchain identity")
		identity=failed
	fi
fi
shutdown "$copy_b" "$out_c"

# --- summary -------------------------------------------------------------------

printf '\n' >&2
summary="build A ${secs_a}s, build B ${secs_b}s (independent), build C ${secs_c}s ($procs); $count plugin/build record/bindings files and $all_count outputs in all compared; A's plugins in B's host: $( ((load_ok)) && echo loaded || echo failed); C toolchain identity in the keys: $identity"
if ((${#failed[@]})); then
	echo "repro: FAILED ($(
		IFS=,
		echo "${failed[*]}"
	)): $summary"
	exit 1
fi
echo "repro: OK: $summary"
