"""Build manifests for plugins, and the host's matching expectations.

Both are computed by //tools/pluginmanifest from the Go configuration of the
target they describe, so a plugin built through a transition (say, with
-race) gets a manifest that says so, and the host's loader names the
difference before it opens the plugin. See host/loader/manifest.go for the
file format.
"""

load("@rules_go//go:def.bzl", "GoArchive", "go_context")

_PLUGINAPI = "example.com/plugkit/pluginapi"

def go_build_flags(go):
    """The build settings that decide whether a plugin loads into a host.

    These are what the Go runtime's package hashes depend on. Stripping and
    the link mode are left out: a host and its plugins differ there by design.

    Args:
      go: a go_context.

    Returns:
      A list of strings, one per setting.
    """
    mode = go.mode
    flags = ["GOOS=" + mode.goos, "GOARCH=" + mode.goarch]
    if mode.amd64:
        flags.append("GOAMD64=" + mode.amd64)
    if mode.race:
        flags.append("-race")
    if mode.msan:
        flags.append("-msan")
    if mode.pure:
        flags.append("CGO_ENABLED=0")
    if mode.debug:
        flags.append("-debug")
    if go.sdk.experiments:
        flags.append("GOEXPERIMENT=" + go.sdk.experiments)
    flags.extend(["-gcflags=" + opt for opt in mode.gc_goopts])
    flags.extend(["-tags=" + tag for tag in mode.tags])
    return flags

def _common_args(ctx, go, archives):
    args = ctx.actions.args()
    args.add("-go-version", go.sdk.version)
    args.add_all(go_build_flags(go), before_each = "-flag")
    args.add("-go-mod", ctx.file._go_mod)
    inputs = [ctx.file._go_mod]
    importpaths = {}
    for archive in archives:
        for data in archive.transitive.to_list():
            importpaths[data.importpath] = True
            if data.importpath == _PLUGINAPI:
                args.add_all(data.srcs, before_each = "-api-src")
                inputs.extend(data.srcs)
    args.add_all(sorted(importpaths.keys()), before_each = "-importpath")
    return args, inputs

_COMMON_ATTRS = {
    "_go_context_data": attr.label(default = "@rules_go//:go_context_data"),
    "_go_mod": attr.label(default = "//:go.mod", allow_single_file = True),
    "_tool": attr.label(
        default = "//tools/pluginmanifest",
        executable = True,
        cfg = "exec",
    ),
}

def _go_plugin_manifest_impl(ctx):
    go = go_context(ctx)
    args, inputs = _common_args(ctx, go, [lib[GoArchive] for lib in ctx.attr.libs])
    args.add("-so", ctx.file.plugin)
    args.add("-name", ctx.attr.plugin_name)
    args.add("-out", ctx.outputs.out)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = ["plugin", args],
        inputs = inputs + [ctx.file.plugin],
        outputs = [ctx.outputs.out],
        mnemonic = "GoPluginManifest",
        progress_message = "Writing build manifest of %{label}",
    )
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

go_plugin_manifest = rule(
    implementation = _go_plugin_manifest_impl,
    doc = "Writes a plugin's build manifest (<plugin>.so.manifest.json).",
    attrs = dict(_COMMON_ATTRS, **{
        "libs": attr.label_list(providers = [GoArchive], doc = "the plugin's embedded libraries and deps"),
        "out": attr.output(mandatory = True),
        "plugin": attr.label(allow_single_file = [".so"], mandatory = True),
        "plugin_name": attr.string(mandatory = True, doc = "must equal the plugin's PluginManifest.Name"),
    }),
    toolchains = ["@rules_go//go:toolchain"],
)

def _go_host_buildconfig_impl(ctx):
    go = go_context(ctx)
    args, inputs = _common_args(ctx, go, [])
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
    toolchains = ["@rules_go//go:toolchain"],
)
