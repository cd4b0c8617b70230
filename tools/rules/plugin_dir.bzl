"""plugin_dir gathers plugins, with their build manifests, into one folder.

A host that loads "every plugin in a folder" (seed 004) gets that folder as
<package>/<name>/, in its runfiles too.
"""

def _plugin_dir_impl(ctx):
    outs = {}
    for target in ctx.attr.plugins:
        for f in target[DefaultInfo].files.to_list():
            if f.basename in outs:
                fail("plugin_dir %s: two plugins provide %s; rename one go_plugin target" % (ctx.label.name, f.basename))
            out = ctx.actions.declare_file(ctx.label.name + "/" + f.basename)
            ctx.actions.symlink(output = out, target_file = f)
            outs[f.basename] = out
    files = [outs[k] for k in sorted(outs.keys())]
    return [DefaultInfo(files = depset(files), runfiles = ctx.runfiles(files = files))]

plugin_dir = rule(
    implementation = _plugin_dir_impl,
    doc = "Links go_plugin targets' .so and manifest files into <name>/.",
    attrs = {
        "plugins": attr.label_list(mandatory = True, doc = "go_plugin targets"),
    },
)
