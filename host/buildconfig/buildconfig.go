// Package buildconfig holds what the host expects of a plugin's build: the
// Go SDK, the build flag fingerprint and the module versions from go.mod.
//
// Under Bazel this file is replaced by one generated in the host's own
// configuration (tools/rules/plugin_manifest.bzl), from the same inputs as
// every plugin's build manifest. A plain `go build` compiles this file, whose
// empty values make the loader skip the checks that need them.
package buildconfig

// Generated is true in a build whose values came from Bazel.
const Generated = false

// GoVersion is the Go SDK the host was built with; "" means runtime.Version().
const GoVersion = ""

// BuildFlagsFingerprint is loader.FlagsFingerprint of the host's flag set;
// "" skips the comparison.
const BuildFlagsFingerprint = ""

// SharedDeps maps module path to the version in go.mod; nil skips the
// comparison.
var SharedDeps map[string]string
