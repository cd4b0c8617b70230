package pluginapi

const (
	// ManifestSymbol is a string constant before the version.
	ManifestSymbol = "PluginManifest"
	// APIVersion is what buildrecord reads.
	APIVersion = "1.4.2"
)
