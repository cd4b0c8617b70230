package pluginapi

const APIVersion =
