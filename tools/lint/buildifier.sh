#!/usr/bin/env bash
# Runs buildifier over every Starlark file of the workspace: BUILD,
# BUILD.bazel, *.bzl, MODULE.bazel, WORKSPACE (buildifier's own -r walk, which
# skips .git and does not follow the bazel-* symlinks).
#
#   buildifier.sh check BUILDIFIER MARKER  //tools/lint:buildifier_test
#   buildifier.sh fix BUILDIFIER           bazel run //tools/lint:buildifier
#
# Both modes use buildifier's default lint warnings, so what the test reports
# is what fix mode repairs or prints.
set -euo pipefail

mode=${1:?usage: buildifier.sh check|fix BUILDIFIER [MARKER]}
buildifier=$(readlink -f "${2:?no buildifier given}")

case $mode in
check)
	# MARKER is //:MODULE.bazel. The test's runfiles hold a symlink to it;
	# resolved, that symlink leads to the source tree, which is what is
	# checked. The BUILD file's comment says why the test reads the workspace
	# rather than declared inputs.
	workspace=$(dirname "$(readlink -f "${3:?no workspace marker given}")")
	if [[ ! -f $workspace/MODULE.bazel || ! -f $workspace/tools/lint/BUILD.bazel ]]; then
		echo "buildifier_test: $3 does not lead back to the workspace (got $workspace):" \
			"the test must run locally, unsandboxed (its tags say so)" >&2
		exit 1
	fi
	flags=(-mode=check -lint=warn)
	;;
fix)
	workspace=${BUILD_WORKSPACE_DIRECTORY:?run this with: bazel run //tools/lint:buildifier}
	flags=(-mode=fix -lint=fix)
	;;
*)
	echo "buildifier.sh: unknown mode $mode (want check or fix)" >&2
	exit 2
	;;
esac

cd "$workspace"
status=0
"$buildifier" "${flags[@]}" -r . || status=$?
case $mode:$status in
check:0) echo "buildifier: every Starlark file in $workspace is formatted and lint-clean" ;;
check:*) echo "buildifier: fix with: tools/bazel run //tools/lint:buildifier" \
	"(warnings it cannot fix automatically are fixed by hand)" >&2 ;;
fix:0) ;;
fix:*) echo "buildifier: the warnings above have no automatic fix; fix them by hand" >&2 ;;
esac
exit "$status"
