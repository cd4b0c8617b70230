"""go_plugin_bindings runs bindgen on a plugin .so inside the build.

It is a genrule on purpose (the design card asks for one), with bindgen in
srcs rather than tools: srcs are built in the genrule's own configuration, the
plugin's, so bindgen has the plugin's toolchain and flags and can plugin.Open
it to read its types. A bindgen built for the exec configuration could not.
"""

load("@rules_go//go:def.bzl", "go_library")

def go_plugin_bindings(
        name,
        plugin,
        package = "bindings",
        output_name = "PluginAPI",
        opts = [],
        record_package = None,
        importpath = None,
        deps = [],
        out = None,
        **kwargs):
    """Typed bindings for a plugin: a Go file, and a go_library if importpath is set.

    Args:
      name: the go_library's name, or the genrule's when importpath is None.
      plugin: a .so target, e.g. //plugins/greeter/english:plugin_so.
      package: the Go package of the generated file.
      output_name: the bound type, Bind<output_name>(path) (bindgen -output-name).
      opts: more bindgen flags: -dereference-vars, -hide-vars, -interface, -sha256.
      record_package: the package path the bindings record instead of the
        plugin's own (bindgen -record-package); go_plugin passes the plugin
        path without its build id.
      importpath: the go_library's import path; None makes only the file.
      deps: the go_library's deps: the packages of the types the plugin exports.
      out: the generated file's name; default <name>.go.
      **kwargs: common attributes (visibility, testonly, ...).
    """
    out = out or name + ".go"
    gen = name + "_src" if importpath else name
    native.genrule(
        name = gen,
        srcs = [plugin, "//tools/build/bindgen"],
        outs = [out],
        cmd = " ".join([
            "$(execpath //tools/build/bindgen)",
            "-plugin-path $(execpath %s)" % plugin,
            "-output-path $@",
            "-output-package " + package,
            "-output-name " + output_name,
        ] + (["-record-package " + record_package] if record_package else []) + opts),
        message = "Generating bindings for " + plugin,
        **kwargs
    )
    if importpath:
        go_library(
            name = name,
            srcs = [":" + gen],
            importpath = importpath,
            deps = deps,
            **kwargs
        )
