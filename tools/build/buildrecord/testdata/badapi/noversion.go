package pluginapi

// Version is not the name buildrecord looks for.
const Version = "1.0.0"
