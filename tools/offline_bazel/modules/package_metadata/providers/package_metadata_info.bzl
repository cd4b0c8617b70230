"""Offline stand-in for package_metadata's provider."""

PackageMetadataInfo = provider(
    doc = "Metadata about a package: a JSON file holding its purl.",
    fields = {"metadata": "File: JSON with a purl", "purl": "string"},
)
