"""go_plugin builds a Go package main as a plugin .so.

gazelle writes go_plugin instead of go_binary under plugins/ (the map_kind
directive in plugins/BUILD.bazel), so `bazel run //:gazelle` keeps plugin
targets intact.
"""

load("@rules_go//go:def.bzl", "go_binary")

def go_plugin(name, **kwargs):
    """A Go plugin, written to <package>/<name>.so.

    Args:
      name: target name; the plugin file is <name>.so.
      **kwargs: go_binary attributes (embed, deps, visibility, ...). Go flags
        are not among them: host and plugins share the one flag set in
        .bazelrc.
    """
    for attr in ("gc_goopts", "gc_linkopts", "race", "msan", "pure", "static", "linkmode", "goos", "goarch", "gotags"):
        if attr in kwargs:
            fail("go_plugin %s: %s would give this plugin flags the host does not have; set Go flags in .bazelrc for every target" % (name, attr))
    go_binary(
        name = name,
        linkmode = "plugin",
        out = name + ".so",
        **kwargs
    )
