"""The versions this build runs with, for the test that compares them with the pins.

A pin says which Bazel (.bazelversion), rules_go and gazelle (MODULE.bazel) and
Go SDK (go.mod) the build uses; nothing else repeats them. This extension
records what actually runs, so //tools/rules:rules_test fails when a pin and
the running build disagree: say the offline toolchain (tools/offline_bazel)
holds another Bazel than .bazelversion names.
"""

def _running_impl(rctx):
    rctx.file("BUILD.bazel", 'exports_files(["running.txt"])\n')

    # native.bazel_version is the running Bazel's release label. Debian's
    # Bazel (the offline toolchain's, tools/offline_bazel) is built without
    # one and keeps it in build-label.txt, which is the running Bazel's own:
    # Bazel runs inside that root.
    version = native.bazel_version
    label = rctx.path("/usr/share/bazel/build-label.txt")
    if not version and label.exists:
        version = rctx.read(label).strip()
    rctx.file("running.txt", "bazel %s\n" % (version or "of-unknown-version"))

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
