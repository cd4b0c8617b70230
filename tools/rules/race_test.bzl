"""race_test runs a test, and everything it depends on, with -race.

rules_go's go_test(race = "on") leaves data dependencies alone, so plugins
the test loads would stay non-race, and a race host cannot load them. This
rule sets the race flag above the test instead, as --@rules_go//go/config:race
on the command line would, so the test binary and every plugin in its data
share it: host and plugins keep one flag set.
"""

_RACE = "@rules_go//go/config:race"

def _race_transition_impl(_settings, _attr):
    return {_RACE: True}

_race_transition = transition(
    implementation = _race_transition_impl,
    inputs = [],
    outputs = [_RACE],
)

def _race_test_impl(ctx):
    test = ctx.attr.test[0]
    info = test[DefaultInfo]
    exe = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = exe, target_file = info.files_to_run.executable, is_executable = True)
    providers = [DefaultInfo(
        executable = exe,
        runfiles = ctx.runfiles(files = [exe]).merge(info.default_runfiles),
    )]
    if RunEnvironmentInfo in test:
        providers.append(test[RunEnvironmentInfo])
    return providers

race_test = rule(
    implementation = _race_test_impl,
    doc = "Runs `test` built, with all its dependencies and data, under -race.",
    attrs = {
        "test": attr.label(mandatory = True, cfg = _race_transition, executable = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    test = True,
)
