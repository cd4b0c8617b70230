"""go_plugin builds a Go package as a plugin .so, with its build manifest and
typed bindings; go_static_registry links plugins into a host instead.

Plugin authors write a normal Go package (go_plugin's `library`); the package
main that -buildmode=plugin needs is generated from its source by
//tools/pluginmain. gazelle leaves go_plugin targets alone (it does not
generate this kind) and keeps managing the library.
"""

load("@plugin_ids//:ids.bzl", "PLUGIN_IDS")
load("@rules_go//go:def.bzl", "GoArchive", "go_binary", "go_library", "go_test")
load(":bindings.bzl", "go_plugin_bindings")
load(":plugin_manifest.bzl", "go_plugin_manifest")

# The Go module path of this repository; tools/fork rewrites it.
MODULE_PATH = "example.com/plugkit"

# Go flags a single target must not set: host and plugins share the one flag
# set in .bazelrc, or the runtime refuses the plugin.
_FORBIDDEN = ("gc_goopts", "gc_linkopts", "race", "msan", "pure", "static", "linkmode", "goos", "goarch", "gotags")

def _go_sources(archive):
    # Generated sources count too; only .go files describe exports.
    return [f for f in archive.data.srcs if f.extension == "go"]

def _plugin_main_impl(ctx):
    archive = ctx.attr.library[GoArchive]
    args = ctx.actions.args()
    args.add("main")
    args.add("-importpath", archive.data.importpath)
    args.add("-out", ctx.outputs.out)
    args.add_all(_go_sources(archive))
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = _go_sources(archive),
        outputs = [ctx.outputs.out],
        mnemonic = "GoPluginMain",
        progress_message = "Generating the plugin main of %{label}",
    )
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

_plugin_main = rule(
    implementation = _plugin_main_impl,
    attrs = {
        "library": attr.label(mandatory = True, providers = [GoArchive]),
        "out": attr.output(mandatory = True),
        "_tool": attr.label(default = "//tools/pluginmain", executable = True, cfg = "exec"),
    },
)

def go_plugin(
        name,
        library = None,
        out = None,
        plugin_name = None,
        manifest = True,
        bindings = True,
        bindings_deps = ["//pluginapi"],
        visibility = None,
        **kwargs):
    """A Go plugin: a .so, its build manifest, and its typed bindings.

    With a library, the plugin path is <module>/<package>/<name>-<id> and
    the library is compiled again under <module>/<package>/<name>-<id>/lib,
    where <id> is the content id of the package's files (plugin_ids.bzl):
    every build of a plugin differs in both, so a host that loaded one build
    can load the next.

    Targets:
      <name>: the .so and its manifest, for data dependencies.
      <name>_so: the .so alone, for $(rlocationpath).
      <name>_manifest: the build manifest alone.
      <name>_bindings: a go_library of bindings generated from the .so by
        bindgen, import path <module>/<package>/<name>_bindings, type
        PluginAPI, bound with BindPluginAPI(path) or BindPluginAPITo(p, ...).
      <name>_compat_test: the compatibility check (tools/compat): the plugin
        loads into a host built with the same flags, its build manifest
        matches that host, its bindings match its exports.

    Args:
      name: target name.
      library: the plugin's go_library, a normal package whose exported
        variables and functions the plugin exports. Without it, kwargs must
        give a package main (srcs or embed), as test fixtures do.
      out: the plugin file; default <last package folder>.so with a
        library, else <name>.so.
      plugin_name: the plugin's PluginManifest.Name; by default the package
        path below plugins/, e.g. "greeter/english".
      manifest: False for test fixtures that are not plugkit plugins (they
        export no pluginapi.Manifest); <name> is then the .so alone, and
        no bindings are made.
      bindings: False to skip the bindings, e.g. for a plugin whose init
        is meant to fail (bindgen opens the plugin to read its types).
      bindings_deps: the packages of the types the plugin exports, for the
        bindings library and the generated package main.
      visibility: visibility of the targets.
      **kwargs: go_binary attributes (srcs, embed, deps, ...), Go flags
        excepted.
    """
    for attr in _FORBIDDEN:
        if attr in kwargs:
            fail("go_plugin %s: %s would give this plugin flags the host does not have; set Go flags in .bazelrc for every target" % (name, attr))
    pkg = native.package_name()
    if manifest and plugin_name == None:
        if not pkg.startswith("plugins/"):
            fail("go_plugin %s: set plugin_name (it must equal the plugin's PluginManifest.Name)" % name)
        plugin_name = pkg[len("plugins/"):]
    if not out:
        # One library plugin per package, named after it; fixtures, several
        # to a package, after their targets.
        out = (pkg.split("/")[-1] if library else name) + ".so"

    libs = kwargs.get("embed", []) + kwargs.get("deps", [])
    if library:
        # A process loads a plugin path once, and a package's import path
        # with one content only. The plugin's next build must differ in both
        # to load beside this one, so the package main and a private copy of
        # the library carry the package's content id (plugin_ids.bzl).
        build_id = PLUGIN_IDS.get(pkg)
        if build_id == None:
            fail("go_plugin %s: no build id for package %s; //tools/rules:plugin_ids.bzl finds plugins by the text \"go_plugin(\" in a package's BUILD file or its own .bzl files, so call go_plugin from there" % (name, pkg))
        lib_path = "%s/%s/%s-%s/lib" % (MODULE_PATH, pkg, name, build_id)
        go_library(
            name = name + "_lib",
            embed = [library],
            importpath = lib_path,
            # An embedding library keeps the embedded one's importmap, the
            # path its symbols get. Symbols with the old names would bind,
            # through the dynamic linker, to the first build's code.
            importmap = lib_path,
            visibility = ["//visibility:private"],
        )
        _plugin_main(
            name = name + "_main",
            library = ":" + name + "_lib",
            out = name + "_main.go",
        )
        kwargs["srcs"] = [":" + name + "_main"]
        kwargs["deps"] = [":" + name + "_lib"] + bindings_deps + kwargs.get("deps", [])

        # One plugin path per target and content: two plugins never share
        # one, and neither do two builds of one plugin.
        kwargs.setdefault("importpath", "%s/%s/%s-%s" % (MODULE_PATH, pkg, name, build_id))
        libs = kwargs["deps"]

    go_binary(
        name = name + "_so",
        linkmode = "plugin",
        out = out,
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
        bindings_importpath = "%s/%s/%s_bindings" % (MODULE_PATH, pkg, name)
        go_plugin_bindings(
            name = name + "_bindings",
            importpath = bindings_importpath,
            plugin = ":" + name + "_so",
            # Without the build id: bindings, and the hosts that import
            # them, change only when the plugin's exports do.
            record_package = "%s/%s/%s" % (MODULE_PATH, pkg, name) if library else None,
            deps = bindings_deps,
            visibility = visibility,
        )
        _compat_test(name, bindings_importpath, package_files = bool(library))
    go_plugin_manifest(
        name = name + "_manifest",
        libs = libs,
        out = out + ".manifest.json",
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

_COMPAT_TEST = """// Code generated by go_plugin; DO NOT EDIT.

package compat_test

import (
	"testing"

	bindings "%s"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/tools/compat"
)

func TestCompatibility(t *testing.T) {
	compat.Check(t, compat.Plugin{
		Env:             "PLUGIN_SO",
		PackageFilesEnv: "%s",
		Exports:         bindings.PluginAPIExports,
		Bind: func(p *loader.Plugin) error {
			_, err := bindings.BindPluginAPITo(p, p.Path, p.SHA256, p.Size)
			return err
		},
	})
}
"""

def _compat_test(name, bindings_importpath, package_files):
    src = name + "_compat_test.go"
    native.genrule(
        name = name + "_compat_test_src",
        outs = [src],
        cmd = "cat > $@ <<'EOF'\n" + (_COMPAT_TEST % (bindings_importpath, "PLUGIN_PACKAGE_FILES" if package_files else "")) + "EOF",
    )
    data = [
        ":" + name,
        ":" + name + "_so",
    ]
    env = {"PLUGIN_SO": "$(rlocationpath :%s_so)" % name}
    if package_files:
        # What plugin_ids.bzl hashes into the plugin path: the package
        # folder's files (a glob of "*" sees the same ones).
        native.filegroup(
            name = name + "_package_files",
            srcs = native.glob(["*"]),
            visibility = ["//visibility:private"],
        )
        data.append(":" + name + "_package_files")
        env["PLUGIN_PACKAGE_FILES"] = "$(rlocationpaths :%s_package_files)" % name
    go_test(
        name = name + "_compat_test",
        size = "small",
        srcs = [":" + src],
        data = data,
        env = env,
        deps = [
            ":" + name + "_bindings",
            "//host/loader",
            "//tools/compat",
        ],
    )

def _static_registry_impl(ctx):
    args = ctx.actions.args()
    args.add("static")
    args.add("-package", ctx.attr.package)
    args.add("-out", ctx.outputs.out)
    inputs = []
    for lib, name in ctx.attr.plugins.items():
        archive = lib[GoArchive]
        srcs = _go_sources(archive)
        inputs.extend(srcs)
        args.add("-plugin", "%s=%s:%s" % (name, archive.data.importpath, ",".join([f.path for f in srcs])))
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = inputs,
        outputs = [ctx.outputs.out],
        mnemonic = "GoStaticRegistry",
        progress_message = "Generating the static plugin registry %{output}",
    )
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

go_static_registry = rule(
    implementation = _static_registry_impl,
    doc = """Generates Go source that links plugin libraries into a host.

The file sets the host's `staticPlugins` (map of plugin name to a table of
what plugin.Lookup would return) in an init function, as caddy's modules
register themselves; compile it into the host's package main with the
libraries as deps.""",
    attrs = {
        "out": attr.output(mandatory = True),
        "package": attr.string(default = "main"),
        "plugins": attr.label_keyed_string_dict(
            mandatory = True,
            providers = [GoArchive],
            doc = "plugin library -> plugin name (its PluginManifest.Name)",
        ),
        "_tool": attr.label(default = "//tools/pluginmain", executable = True, cfg = "exec"),
    },
)
