// Package pluginapi holds the types that cross the plugin boundary: the
// interfaces plugins implement and the Manifest each plugin exports as
// PluginManifest. (The JSON file the build writes beside each plugin is
// something else, its build record: see internal/buildrecord.)
//
// The host and every plugin import this package. Go only treats a type in the
// host and the "same" type in a plugin as identical when both were compiled
// from the same source with the same toolchain and flags, so nothing in here
// may depend on build-time state.
//
// # Warnings
//
// A plugin can only be loaded by a host built with the same Go toolchain,
// the same GOOS/GOARCH/GOAMD64, the same build tags and flags (-race,
// -trimpath, -gcflags, ...) and the same bytes of every package both sides
// import, this one included. plugkit builds host and plugins with one pinned
// Go SDK and one flag set through Bazel; a plugin built any other way will be
// refused by the host's pre-open check, or, past it, by the Go runtime with
// "plugin was built with a different version of package".
//
// Plugins run in the host's process: a plugin cannot be unloaded, its init
// code runs inside plugin.Open, and a crash in a plugin is a crash of the host.
package pluginapi

// APIVersion is the semantic version of this package's contract. A host
// accepts a plugin whose PluginManifest names the same major version.
//
// Bump the major version on any change that breaks existing plugins (a
// method removed or changed); bump the minor version when adding.
const APIVersion = "1.0.0"

// ManifestSymbol is the name of the variable, of type Manifest, that every
// plugin exports. The host looks it up first, before any other symbol.
const ManifestSymbol = "PluginManifest"

// Manifest identifies a plugin. Each plugin exports one as the variable named
// by ManifestSymbol.
type Manifest struct {
	// Name is the plugin's unique name, e.g. "greeter/english".
	Name string
	// Version is the plugin's own version.
	Version string
	// APIVersion is the pluginapi.APIVersion the plugin was built against.
	APIVersion string
}

// Greeter says hello in one language, as the English and Chinese plugins of
// the "Playing around with Go 1.8 plugin system" greeter example do.
type Greeter interface {
	// Greet returns the greeting, without a trailing newline.
	Greet() string
}

// GreeterSymbol is the name of the Greeter a greeter plugin exports.
const GreeterSymbol = "Greeter"

// Labels are key-value pairs attached to a log message.
type Labels = map[string]string

// Logger is a logging driver, as in the article "Sharing compiled go code
// libraries", whose host loads every logger plugin of a folder. The host
// sends every message to all loaded loggers.
type Logger interface {
	Log(msg string, labels Labels)
	Info(msg string, labels Labels)
	Warn(msg string, labels Labels)
}

// LoggerSymbol is the name of the Logger a logger plugin exports.
const LoggerSymbol = "Logger"
