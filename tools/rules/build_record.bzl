"""Build records for plugins, and the host's matching expectations.

A build record is the JSON file beside each plugin, <name>.so.build.json
(and <name>.build.json beside its executable): how it was built, which the
host's loader compares with its own build before it opens the plugin. It is
not the PluginManifest the plugin exports. Both are computed by
//tools/build/buildrecord from the Go configuration of the target they
describe, so a plugin built through a transition (say, with -race) gets a
record that says so, and the host's loader names the difference before it
opens the plugin. See internal/buildrecord for the file format.
"""

load("@bazel_skylib//rules:common_settings.bzl", "BuildSettingInfo")
load("@plugkit_contract//:contract.bzl", "API_IMPORTPATH")
load("@rules_go//go:def.bzl", "GoArchive")

_GO_TOOLCHAIN = "@rules_go//go:toolchain"

# rules_go's build settings that change how shared packages compile. The
# rules read them directly rather than through go_context, which would also
# want a C toolchain it does not need here.
_SETTINGS = {
    "debug": "@rules_go//go/config:debug",
    "gc_goopts": "@rules_go//go/config:gc_goopts",
    "msan": "@rules_go//go/config:msan",
    "pure": "@rules_go//go/config:pure",
    "race": "@rules_go//go/config:race",
    "static": "@rules_go//go/config:static",
    "tags": "@rules_go//go/config:tags",
}

def go_build_flags(ctx):
    """The build settings that decide whether a plugin loads into a host.

    These are what the Go runtime's package hashes depend on. Stripping and
    the link mode are left out: a host and its plugins differ there by design.

    Args:
      ctx: the rule context of a rule with _COMMON_ATTRS.

    Returns:
      A list of strings, one per setting.
    """
    go = ctx.toolchains[_GO_TOOLCHAIN]
    setting = lambda name: getattr(ctx.attr, "_" + name)[BuildSettingInfo].value
    flags = ["GOOS=" + go.default_goos, "GOARCH=" + go.default_goarch]
    if setting("race"):
        flags.append("-race")
    if setting("msan"):
        flags.append("-msan")
    if setting("pure"):
        flags.append("CGO_ENABLED=0")
    if setting("static"):
        flags.append("-static")
    if setting("debug"):
        flags.append("-debug")
    if go.sdk.experiments:
        flags.append("GOEXPERIMENT=" + go.sdk.experiments)
    flags.extend(["-gcflags=" + opt for opt in setting("gc_goopts")])
    flags.extend(["-tags=" + tag for tag in setting("tags")])
    return flags

def _common_args(ctx, archives):
    args = ctx.actions.args()
    args.add("-go-version", ctx.toolchains[_GO_TOOLCHAIN].sdk.version)
    args.add_all(go_build_flags(ctx), before_each = "-flag")
    args.add("-go-mod", ctx.file._go_mod)
    inputs = [ctx.file._go_mod]
    importpaths = {}
    for archive in archives:
        for data in archive.transitive.to_list():
            importpaths[data.importpath] = True
            if data.importpath == API_IMPORTPATH:
                args.add_all(data.srcs, before_each = "-api-src")
                inputs.extend(data.srcs)
    args.add_all(sorted(importpaths.keys()), before_each = "-importpath")
    return args, inputs

_COMMON_ATTRS = dict({
    "_" + name: attr.label(default = label)
    for name, label in _SETTINGS.items()
}, **{
    "_go_mod": attr.label(default = "//:go.mod", allow_single_file = True),
    "_tool": attr.label(
        default = "//tools/build/buildrecord",
        executable = True,
        cfg = "exec",
    ),
})

def _go_plugin_build_record_impl(ctx):
    args, inputs = _common_args(ctx, [lib[GoArchive] for lib in ctx.attr.libs])
    args.add("-so", ctx.file.plugin)
    args.add("-name", ctx.attr.plugin_name)
    args.add("-kind", ctx.attr.kind)
    args.add("-out", ctx.outputs.out)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = ["plugin", args],
        inputs = inputs + [ctx.file.plugin],
        outputs = [ctx.outputs.out],
        mnemonic = "GoPluginBuildRecord",
        progress_message = "Writing the build record of %{label}",
    )
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

go_plugin_build_record = rule(
    implementation = _go_plugin_build_record_impl,
    doc = "Writes a plugin's build record (<plugin>.so.build.json, or <executable>.build.json).",
    attrs = dict(_COMMON_ATTRS, **{
        "kind": attr.string(mandatory = True, doc = "the plugin's kind, one the contract declares"),
        "libs": attr.label_list(providers = [GoArchive], doc = "the plugin's embedded libraries and deps"),
        "out": attr.output(mandatory = True),
        "plugin": attr.label(allow_single_file = True, mandatory = True, doc = "the .so, or the plugin's executable (isolated mode)"),
        "plugin_name": attr.string(mandatory = True, doc = "must equal the plugin's PluginManifest.Name"),
    }),
    toolchains = [_GO_TOOLCHAIN],
)

def _go_host_buildconfig_impl(ctx):
    args, inputs = _common_args(ctx, [])
    args.add("-package", ctx.attr.package)
    args.add("-out", ctx.outputs.out)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = ["host", args],
        inputs = inputs,
        outputs = [ctx.outputs.out],
        mnemonic = "GoHostBuildConfig",
        progress_message = "Writing the host's plugin expectations %{output}",
    )
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

go_host_buildconfig = rule(
    implementation = _go_host_buildconfig_impl,
    doc = "Writes Go source holding what the host expects of a plugin's build.",
    attrs = dict(_COMMON_ATTRS, **{
        "out": attr.output(mandatory = True),
        "package": attr.string(default = "buildconfig"),
    }),
    toolchains = [_GO_TOOLCHAIN],
)
