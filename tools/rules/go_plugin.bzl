"""go_plugin builds a Go package as a plugin of a kind: its .so and build
record side by side, and its compatibility test.

Plugin authors write a normal Go package (go_plugin's `library`) that
exports the symbols of one kind declared in the contract (pluginapi); the
package main that -buildmode=plugin needs is generated from its source by
//tools/build/pluginmain. gazelle leaves go_plugin targets alone (it does not
generate this kind) and keeps managing the library.

BUILD files load this through //tools/rules:defs.bzl.
"""

load("@plugin_ids//:ids.bzl", "PLUGIN_IDS")
load("@plugkit_contract//:contract.bzl", "API_PACKAGE", "KINDS", "MODULE_PATH")
load("@rules_go//go:def.bzl", "GoArchive", "go_binary", "go_library", "go_test")
load(":bindings.bzl", "go_plugin_bindings")
load(":build_record.bzl", "go_plugin_build_record")

GoPluginInfo = provider(
    doc = "A built plugin, as plugin_dir, registries and tests consume it.",
    fields = {
        "so": "File: the plugin, beside its build record",
        "build_record": "File: the build record (<so>.build.json)",
        "isolated": "File: the plugin's executable (isolated mode), beside the .so without its .so; None for a plugin without a library",
        "isolated_build_record": "File: the executable's build record (<isolated>.build.json), or None",
        "kind": "string: the plugin's kind, one the contract declares",
        "name": "string: the plugin's name, its PluginManifest.Name",
        "plugin_path": "string: the plugin's path in the Go runtime",
        "library": "Target: the plugin's go_library, or None for a plugin built from a package main",
        "library_static": "Label: what a host links to have this plugin built in, or None",
    },
)

# The suffix of a build record's file name (internal/buildrecord.Suffix):
# <name>.so.build.json beside the .so, <name>.build.json beside the
# executable.
_RECORD_SUFFIX = ".build.json"

# Go flags a single target must not set: host and plugins share the one flag
# set in .bazelrc, or the runtime refuses the plugin.
_FORBIDDEN = ("gc_goopts", "gc_linkopts", "race", "msan", "pure", "static", "linkmode", "goos", "goarch", "gotags")

def go_sources(archive):
    """The .go files of a GoArchive; generated ones count, they export too.

    Args:
      archive: a GoArchive.

    Returns:
      A list of Files.
    """
    return [f for f in archive.data.srcs if f.extension == "go"]

def _plugin_main_impl(ctx):
    archive = ctx.attr.library[GoArchive]
    args = ctx.actions.args()
    args.add("main")

    # The library's source, and the import path of the plugin's copy of it.
    args.add("-importpath", ctx.attr.importpath)
    args.add("-out", ctx.outputs.out)
    args.add("-types-out", ctx.outputs.types_out)
    args.add_all(go_sources(archive))
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = go_sources(archive),
        outputs = [ctx.outputs.out, ctx.outputs.types_out],
        mnemonic = "GoPluginMain",
        progress_message = "Generating the plugin main of %{label}",
    )
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

_plugin_main = rule(
    implementation = _plugin_main_impl,
    doc = """The package main of a plugin, and the type aliases it needs.

The aliases file is compiled into the plugin's copy of its library, which
has the library's deps: the package main then imports that copy alone, so
it needs no deps of its own, whatever packages the exports' signatures
name (rules_go checks every import against a target's direct deps).""",
    attrs = {
        "importpath": attr.string(mandatory = True, doc = "the import path of the plugin's copy of the library"),
        "library": attr.label(mandatory = True, providers = [GoArchive]),
        "out": attr.output(mandatory = True),
        "types_out": attr.output(mandatory = True),
        "_tool": attr.label(default = "//tools/build/pluginmain", executable = True, cfg = "exec"),
    },
)

def _isolated_main_impl(ctx):
    archive = ctx.attr.library[GoArchive]
    args = ctx.actions.args()
    args.add("isolated")
    args.add("-importpath", archive.data.importpath)
    args.add("-rpc-importpath", ctx.attr.rpc_importpath)
    args.add("-out", ctx.outputs.out)
    args.add_all(go_sources(archive))
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = go_sources(archive),
        outputs = [ctx.outputs.out],
        mnemonic = "GoPluginIsolatedMain",
        progress_message = "Generating the executable's main of %{label}",
    )
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

_isolated_main = rule(
    implementation = _isolated_main_impl,
    doc = "The package main of a plugin's executable (isolated mode), which serves its kind.",
    attrs = {
        "library": attr.label(mandatory = True, providers = [GoArchive]),
        "out": attr.output(mandatory = True),
        "rpc_importpath": attr.string(mandatory = True),
        "_tool": attr.label(default = "//tools/build/pluginmain", executable = True, cfg = "exec"),
    },
)

def _plugin_files_impl(ctx):
    so = ctx.outputs.out
    ctx.actions.symlink(output = so, target_file = ctx.file.so)
    record = ctx.file.build_record
    if record.dirname != so.dirname or record.basename != so.basename + _RECORD_SUFFIX:
        fail("go_plugin %s: the build record %s is not beside %s" % (ctx.label.name, record.short_path, so.short_path))
    files = [so, record]
    isolated = None
    isolated_record = None
    if ctx.attr.isolated:
        isolated = ctx.actions.declare_file(so.basename[:-len(".so")], sibling = so)
        ctx.actions.symlink(output = isolated, target_file = ctx.file.isolated, is_executable = True)
        isolated_record = ctx.file.isolated_build_record
        if isolated_record.dirname != so.dirname or isolated_record.basename != isolated.basename + _RECORD_SUFFIX:
            fail("go_plugin %s: the executable's build record %s is not beside it" % (ctx.label.name, isolated_record.short_path))
        files += [isolated, isolated_record]
    return [
        DefaultInfo(files = depset(files), runfiles = ctx.runfiles(files = files)),
        GoPluginInfo(
            so = so,
            build_record = record,
            isolated = isolated,
            isolated_build_record = isolated_record,
            kind = ctx.attr.kind,
            name = ctx.attr.plugin_name,
            plugin_path = ctx.attr.plugin_path,
            library = ctx.attr.library,
            library_static = ctx.attr.library_static.label if ctx.attr.library_static else None,
        ),
    ]

_plugin_files = rule(
    implementation = _plugin_files_impl,
    doc = """A plugin's .so beside its build record, and its GoPluginInfo.

rules_go links a plugin in a configuration of its own, so the .so lands
under bazel-out/<cpu>-<mode>-ST-<hash>/bin while the record, written in
the target's configuration, lands under bazel-bin: a host given the built
.so would not find its record. This rule links the .so in beside it.""",
    attrs = {
        "build_record": attr.label(mandatory = True, allow_single_file = [".json"]),
        "isolated": attr.label(allow_single_file = True),
        "isolated_build_record": attr.label(allow_single_file = [".json"]),
        "kind": attr.string(mandatory = True),
        "library": attr.label(providers = [GoArchive]),
        "library_static": attr.label(providers = [GoArchive]),
        "out": attr.output(mandatory = True),
        "plugin_name": attr.string(mandatory = True),
        "plugin_path": attr.string(),
        "so": attr.label(mandatory = True, allow_single_file = [".so"]),
    },
)

def _check_kind(name, kind):
    if kind == None:
        fail("go_plugin %s: set kind, one of the kinds the contract declares: %s (each is a `type <Name>Kind struct` in %s/)" % (name, ", ".join(KINDS), API_PACKAGE))
    if kind not in KINDS:
        fail("go_plugin %s: kind %r is not declared; the contract (%s/) declares: %s. A new kind is one `type <Name>Kind struct` in %s/kinds.go" % (name, kind, API_PACKAGE, ", ".join(KINDS), API_PACKAGE))

def kind_library(kind):
    """The label of a kind's bindings library.

    Args:
      kind: a kind the contract declares.

    Returns:
      A label string.
    """
    return "//%s/kinds:%s" % (API_PACKAGE, kind)

def go_plugin(
        name,
        kind = None,
        library = None,
        out = None,
        plugin_name = None,
        build_record = True,
        extra_exports = [],
        compat_test = True,
        bindings = False,
        bindings_deps = None,
        isolated = True,
        visibility = None,
        **kwargs):
    """A Go plugin of a kind: a .so beside its build record, and its checks.

    With a library, the plugin path is <module>/<package>/<name>-<id> and
    the library is compiled again under <module>/<package>/<name>-<id>/lib,
    where <id> is the content id of the package's files (plugin_ids.bzl):
    every build of a plugin differs in both, so a host that loaded one build
    can load the next.

    Targets:
      <name>: <name>/<out>, the .so, and <name>/<out>.build.json, its build
        record (internal/buildrecord: how it was built, which the host's
        loader checks before opening it), beside it; it provides
        GoPluginInfo, which plugin_dir, registries and tests read.
        `bazel build` leaves both in bazel-bin/<package>/<name>/.
      <name>/<out>: that .so alone, for $(rlocationpath).
      <name>_so: the .so as rules_go links it, without its build record.
      <name>_build_record: the build record alone.
      <name>_static: the library, for a host that links the plugin in.
      <name>_isolated: the plugin's executable (isolated mode), a normal Go
        binary whose generated main serves the kind over hashicorp/go-plugin;
        <name> links it in beside the .so, without .so, with its own build
        record <name>_isolated_build_record (with a library only).
      <name>_compat_test: the compatibility check (internal/compat): the plugin
        exports exactly its kind's symbols, with their types; its build
        record matches a host built with the same flags; it loads there and
        binds through the kind's bindings.
      <name>_bindings (bindings = True): per-plugin bindings generated from
        the .so by bindgen, for plugins that export functions of their own,
        importpath <module>/<package>/<name>_bindings.

    Args:
      name: target name.
      kind: the plugin's kind, one the contract declares (pluginapi/kinds.go).
      library: the plugin's go_library, a normal package whose exported
        variables and functions the plugin exports. Without it, kwargs must
        give a package main (srcs or embed), as test fixtures do.
      out: the plugin file; default <last package folder>.so with a
        library, else <name>.so.
      plugin_name: the plugin's PluginManifest.Name; by default the package
        path below plugins/, e.g. "greeter/english".
      build_record: False for test fixtures that are not plugkit plugins (no
        kind, no pluginapi.Manifest), so no build record is written; <name>
        is then the .so alone.
      extra_exports: exported symbols the kind does not declare, allowed on
        purpose; the compatibility test fails on any other extra export.
      compat_test: False for fixtures that are broken on purpose.
      bindings: True to also generate per-plugin bindings with bindgen.
      bindings_deps: the go_libraries of the types the plugin's exports
        name, for the per-plugin bindings; default the contract package.
      isolated: False to skip the executable (isolated mode), for fixtures
        that only ever load in-process; it needs a library.
      visibility: visibility of the targets.
      **kwargs: go_binary attributes (srcs, embed, deps, ...), Go flags
        excepted.
    """
    for attr in _FORBIDDEN:
        if attr in kwargs:
            fail("go_plugin %s: %s would give this plugin flags the host does not have; set Go flags in .bazelrc for every target" % (name, attr))
    if "manifest" in kwargs:
        # Else go_binary would report an unknown attribute, which does not
        # say what to write instead.
        fail("go_plugin %s: manifest is now build_record (the JSON file beside the .so is its build record, <name>.so.build.json)" % name)
    pkg = native.package_name()
    if build_record:
        _check_kind(name, kind)
        if plugin_name == None:
            if not pkg.startswith("plugins/"):
                fail("go_plugin %s: set plugin_name (it must equal the plugin's PluginManifest.Name)" % name)
            plugin_name = pkg[len("plugins/"):]
    if not out:
        # One library plugin per package, named after it; fixtures, several
        # to a package, after their targets.
        out = (pkg.split("/")[-1] if library else name) + ".so"
    api = "//" + API_PACKAGE
    if bindings_deps == None:
        bindings_deps = [api]

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
        _plugin_main(
            name = name + "_main",
            importpath = lib_path,
            library = library,
            out = name + "_main.go",
            types_out = name + "_types.go",
        )
        go_library(
            name = name + "_lib",
            srcs = [":" + name + "_types.go"],
            embed = [library],
            importpath = lib_path,
            # An embedding library keeps the embedded one's importmap, the
            # path its symbols get. Symbols with the old names would bind,
            # through the dynamic linker, to the first build's code.
            importmap = lib_path,
            visibility = ["//visibility:private"],
        )
        kwargs["srcs"] = [":" + name + "_main.go"]
        kwargs["deps"] = [":" + name + "_lib"] + kwargs.get("deps", [])

        # One plugin path per target and content: two plugins never share
        # one, and neither do two builds of one plugin.
        kwargs.setdefault("importpath", "%s/%s/%s-%s" % (MODULE_PATH, pkg, name, build_id))
        libs = kwargs["deps"]
        native.alias(
            name = name + "_static",
            actual = library,
            visibility = visibility,
        )

    go_binary(
        name = name + "_so",
        linkmode = "plugin",
        # In a folder of its own: two plugins of a package may share a
        # file name (a plugin and its rebuild, both hello.so).
        out = name + "_so/" + out,
        visibility = visibility,
        **kwargs
    )
    if not build_record:
        native.alias(
            name = name,
            actual = ":" + name + "_so",
            visibility = visibility,
        )
        return
    base = out[:-len(".so")] if out.endswith(".so") else out
    isolated = isolated and library != None
    if isolated:
        # The same source as a normal executable: none of the rules of .so
        # plugins (one toolchain, private copies, build ids) apply to it.
        _isolated_main(
            name = name + "_isolated_main",
            library = library,
            out = name + "_isolated_main.go",
            rpc_importpath = "%s/%s/kinds/%srpc" % (MODULE_PATH, API_PACKAGE, kind),
        )
        go_binary(
            name = name + "_isolated",
            srcs = [":" + name + "_isolated_main.go"],
            out = name + "_isolated/" + base,
            deps = [library, "//%s/kinds:%srpc" % (API_PACKAGE, kind)],
            visibility = visibility,
        )
        go_plugin_build_record(
            name = name + "_isolated_build_record",
            kind = kind,
            libs = [library],
            out = name + "/" + base + _RECORD_SUFFIX,
            plugin = ":" + name + "_isolated",
            plugin_name = plugin_name,
            visibility = visibility,
        )
    go_plugin_build_record(
        name = name + "_build_record",
        kind = kind,
        libs = libs,
        out = name + "/" + out + _RECORD_SUFFIX,
        plugin = ":" + name + "_so",
        plugin_name = plugin_name,
        visibility = visibility,
    )
    _plugin_files(
        name = name,
        kind = kind,
        library = library,
        library_static = (":" + name + "_static") if library else None,
        build_record = ":" + name + "_build_record",
        isolated = (":" + name + "_isolated") if isolated else None,
        isolated_build_record = (":" + name + "_isolated_build_record") if isolated else None,
        out = name + "/" + out,
        plugin_name = plugin_name,
        plugin_path = kwargs.get("importpath", ""),
        so = ":" + name + "_so",
        visibility = visibility,
    )
    if bindings:
        go_plugin_bindings(
            name = name + "_bindings",
            importpath = "%s/%s/%s_bindings" % (MODULE_PATH, pkg, name),
            plugin = ":" + name + "_so",
            # Without the build id: bindings, and the hosts that import
            # them, change only when the plugin's exports do.
            record_package = "%s/%s/%s" % (MODULE_PATH, pkg, name) if library else None,
            deps = bindings_deps,
            visibility = visibility,
        )
    if compat_test:
        _compat_test(name, name + "/" + out, kind, extra_exports, package_files = bool(library))

_COMPAT_TEST = """// Code generated by go_plugin; DO NOT EDIT.

package compat_test

import (
	"testing"

	"{module}/host/loader"
	kind "{module}/{api}/kinds/{kind}"
	"{module}/internal/compat"
)

func TestCompatibility(t *testing.T) {{
	compat.Check(t, compat.Plugin{{
		Env:             "PLUGIN_SO",
		PackageFilesEnv: "{package_files}",
		Kind:            kind.Spec,
		ExtraExports:    []string{{{extra}}},
		Bind: func(p *loader.Plugin) error {{
			_, err := kind.Bind(p)
			return err
		}},
	}})
}}
"""

def _compat_test(name, so, kind, extra_exports, package_files):
    src = name + "_compat_test.go"
    native.genrule(
        name = name + "_compat_test_src",
        outs = [src],
        cmd = "cat > $@ <<'EOF'\n" + _COMPAT_TEST.format(
            module = MODULE_PATH,
            api = API_PACKAGE,
            kind = kind,
            package_files = "PLUGIN_PACKAGE_FILES" if package_files else "",
            extra = ", ".join(['"%s"' % e for e in sorted(extra_exports)]),
        ) + "EOF",
    )
    data = [":" + name, ":" + so]
    env = {"PLUGIN_SO": "$(rlocationpath :%s)" % so}
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
            kind_library(kind),
            "//host/loader",
            "//internal/compat",
        ],
    )
