"""plugin_variant builds a go_plugin with other build settings.

For compatibility tests: a plugin built with -race, through a Bazel
transition, must be refused by a host built without it, with a typed error
rather than the runtime's "different version of package" string. The .so and
its build record (written in the variant's own configuration) land in
<name>/, side by side.
"""

_RACE = "@rules_go//go/config:race"

def _variant_transition_impl(_settings, attr):
    return {_RACE: attr.race}

_variant_transition = transition(
    implementation = _variant_transition_impl,
    inputs = [],
    outputs = [_RACE],
)

def _plugin_variant_impl(ctx):
    so = None
    files = []
    for f in ctx.attr.plugin[0][DefaultInfo].files.to_list():
        out = ctx.actions.declare_file(ctx.label.name + "/" + f.basename)
        ctx.actions.symlink(output = out, target_file = f)
        files.append(out)
        if f.extension == "so":
            so = out
    if not so:
        fail("plugin_variant %s: %s provides no .so" % (ctx.label.name, ctx.attr.plugin[0].label))
    return [DefaultInfo(files = depset([so]), runfiles = ctx.runfiles(files = files))]

plugin_variant = rule(
    implementation = _plugin_variant_impl,
    doc = "A go_plugin (its .so and build record) built with -race on or off.",
    attrs = {
        "plugin": attr.label(mandatory = True, cfg = _variant_transition),
        "race": attr.bool(default = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
