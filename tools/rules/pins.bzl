"""The versions this build runs with, for the test that compares them with the pins.

A pin says which Bazel (.bazelversion), rules_go and gazelle (MODULE.bazel) and
Go SDK (go.mod) the build uses; nothing else repeats them. This extension
records what actually runs, so //tools/rules:rules_test fails when a pin and
the running build disagree: say the offline toolchain (tools/offline_bazel)
holds another Bazel than .bazelversion names.
"""

def _running_impl(rctx):
    rctx.file("BUILD.bazel", 'exports_files(["running.txt"])\n')

    # native.bazel_version is the running Bazel's version.
    rctx.file("running.txt", "bazel %s\n" % native.bazel_version)

_running = repository_rule(
    implementation = _running_impl,
    # Rerun on every server start, so a different Bazel is seen at once.
    local = True,
)

def _pins_impl(_mctx):
    _running(name = "plugkit_running")

pins = module_extension(
    implementation = _pins_impl,
    doc = "The running Bazel's version, as @plugkit_running//:running.txt.",
)
