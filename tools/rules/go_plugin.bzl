"""go_plugin builds a Go package main as a plugin .so, with its build manifest.

gazelle leaves go_plugin targets alone (it does not generate this kind), so
`bazel run //:gazelle` never clobbers them; it keeps managing the go_library
the plugin embeds.
"""

load("@rules_go//go:def.bzl", "go_binary")
load(":bindings.bzl", "go_plugin_bindings")
load(":plugin_manifest.bzl", "go_plugin_manifest")

# The Go module path of this repository; tools/fork rewrites it.
MODULE_PATH = "example.com/plugkit"

# Go flags a single target must not set: host and plugins share the one flag
# set in .bazelrc, or the runtime refuses the plugin.
_FORBIDDEN = ("gc_goopts", "gc_linkopts", "race", "msan", "pure", "static", "linkmode", "goos", "goarch", "gotags")

def go_plugin(name, plugin_name = None, manifest = True, bindings = True, bindings_deps = ["//pluginapi"], visibility = None, **kwargs):
    """A Go plugin: <name>.so, its build manifest, and its typed bindings.

    Targets:
      <name>: the .so and its manifest, for data dependencies.
      <name>_so: the .so alone, for $(rlocationpath).
      <name>_manifest: the build manifest alone.
      <name>_bindings: a go_library of bindings generated from the .so by
        bindgen, import path <module>/<package>/<name>_bindings, type
        PluginAPI, bound with BindPluginAPI(path) or BindPluginAPITo(p, ...).

    Args:
      name: target name; the plugin file is <name>.so.
      plugin_name: the plugin's PluginManifest.Name; by default the package
        path below plugins/, e.g. "greeter/english".
      manifest: False for test fixtures that are not plugkit plugins (they
        export no pluginapi.Manifest); <name> is then the .so alone, and
        no bindings are made.
      bindings: False to skip the bindings, e.g. for a plugin whose init
        is meant to fail (bindgen opens the plugin to read its types).
      bindings_deps: the packages of the types the plugin exports, for the
        bindings library.
      visibility: visibility of the targets.
      **kwargs: go_binary attributes (embed, srcs, deps, ...), Go flags
        excepted.
    """
    for attr in _FORBIDDEN:
        if attr in kwargs:
            fail("go_plugin %s: %s would give this plugin flags the host does not have; set Go flags in .bazelrc for every target" % (name, attr))
    if manifest and plugin_name == None:
        pkg = native.package_name()
        if not pkg.startswith("plugins/"):
            fail("go_plugin %s: set plugin_name (it must equal the plugin's PluginManifest.Name)" % name)
        plugin_name = pkg[len("plugins/"):]

    go_binary(
        name = name + "_so",
        linkmode = "plugin",
        out = name + ".so",
        visibility = visibility,
        **kwargs
    )
    if not manifest:
        native.alias(
            name = name,
            actual = ":" + name + "_so",
            visibility = visibility,
        )
        return
    if bindings:
        go_plugin_bindings(
            name = name + "_bindings",
            importpath = "%s/%s/%s_bindings" % (MODULE_PATH, native.package_name(), name),
            plugin = ":" + name + "_so",
            deps = bindings_deps,
            visibility = visibility,
        )
    go_plugin_manifest(
        name = name + "_manifest",
        libs = kwargs.get("embed", []) + kwargs.get("deps", []),
        out = name + ".so" + ".manifest.json",
        plugin = ":" + name + "_so",
        plugin_name = plugin_name,
        visibility = visibility,
    )
    native.filegroup(
        name = name,
        srcs = [
            ":" + name + "_so",
            ":" + name + "_manifest",
        ],
        visibility = visibility,
    )
