package pluginapi

// APIVersion is a string, but no semantic version.
const APIVersion = "v1"
