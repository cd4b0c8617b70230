"""Offline stand-in for package_metadata's rule."""

load("//providers:package_metadata_info.bzl", "PackageMetadataInfo")

def _package_metadata_impl(ctx):
    metadata = ctx.actions.declare_file(ctx.label.name + ".package-metadata.json")
    ctx.actions.write(metadata, json.encode({"purl": ctx.attr.purl}))
    return [
        DefaultInfo(files = depset([metadata])),
        PackageMetadataInfo(metadata = metadata, purl = ctx.attr.purl),
    ]

_package_metadata = rule(
    implementation = _package_metadata_impl,
    attrs = {
        "attributes": attr.label_list(),
        "purl": attr.string(),
    },
)

def package_metadata(name, purl = "", attributes = [], visibility = None, **kwargs):
    """Declares a package's metadata, as the real module's macro does.

    Args:
      name: the target's name.
      purl: the package URL.
      attributes: further metadata targets.
      visibility: the target's visibility.
      **kwargs: passed to the rule.
    """

    # Without an empty applicable_licenses the target depends on itself
    # through the package's default metadata: a dependency cycle.
    _package_metadata(
        name = name,
        purl = purl,
        attributes = attributes,
        applicable_licenses = [],
        visibility = visibility,
        **kwargs
    )
