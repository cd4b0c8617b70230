package pluginapi

const major = "1"

// APIVersion is computed: buildrecord reads source, not values.
const APIVersion = major + ".0.0"
