// This file is what a plain `go build` compiles. Under Bazel it is replaced
// by one generated in the host's own configuration
// (tools/rules/build_record.bzl, tools/build/buildrecord), from the same
// inputs as every plugin's build record. Its empty values make
// LoaderConfig fall back to what the running binary says of itself, and the
// loader skip the checks that need them.

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
