package rules_test

// Every version is pinned once: Bazel in .bazelversion, rules_go and gazelle
// in MODULE.bazel's bazel_dep lines, the Go SDK in go.mod. These tests fail
// when what runs the build disagrees with a pin, when a second copy of a pin
// appears where the launcher or the rules could read it instead, and when the
// docs state a version other than the pinned one.

import (
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type pinSet struct {
	bazel, rulesGo, gazelle, goSDK string
}

func read(t *testing.T, rlocation string) string {
	t.Helper()
	path, err := runfiles.Rlocation(rlocation)
	require.NoError(t, err, rlocation)
	b, err := os.ReadFile(path)
	require.NoError(t, err, rlocation)
	return string(b)
}

func submatch(t *testing.T, re, text, what string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	require.NotNil(t, m, "no %s (pattern %s)", what, re)
	return m[1]
}

func readPins(t *testing.T) pinSet {
	module := read(t, "_main/MODULE.bazel")
	return pinSet{
		bazel:   strings.TrimSpace(read(t, "_main/.bazelversion")),
		rulesGo: submatch(t, `(?m)^bazel_dep\(name = "rules_go", version = "([^"]+)"\)`, module, "rules_go bazel_dep in MODULE.bazel"),
		gazelle: submatch(t, `(?m)^bazel_dep\(name = "gazelle", version = "([^"]+)"\)`, module, "gazelle bazel_dep in MODULE.bazel"),
		goSDK:   submatch(t, `(?m)^go (\d+\.\d+\.\d+)$`, read(t, "_main/go.mod"), "go line in go.mod"),
	}
}

// TestRunningBuildMatchesPins compares what runs this very test with the
// pins: the Bazel that analysed it (recorded by tools/rules/pins.bzl) and the
// Go SDK that compiled it.
func TestRunningBuildMatchesPins(t *testing.T) {
	pins := readPins(t)
	running := strings.TrimSpace(read(t, "plugkit_running/running.txt"))
	assert.Equal(t, "bazel "+pins.bazel, running,
		"the Bazel running this build is not .bazelversion's: an offline toolchain holding another Bazel, or a Bazel on PATH that tools/bazel should not have picked")
	assert.Equal(t, "go"+pins.goSDK, runtime.Version(),
		"the Go SDK Bazel compiled this test with is not go.mod's (tools/rules/go_sdk.bzl reads go.mod)")
}

// TestNoSecondPin fails when a version is written down again in a file that
// should read it from its pin.
func TestNoSecondPin(t *testing.T) {
	pins := readPins(t)
	readers := map[string]string{
		"tools/bazel":                       read(t, "_main/tools/bazel"),
		"tools/offline_bazel/offline_bazel": read(t, "_main/tools/offline_bazel/offline_bazel"),
	}
	for file, text := range readers {
		for name, v := range map[string]string{"Bazel": pins.bazel, "rules_go": pins.rulesGo, "gazelle": pins.gazelle, "Go": pins.goSDK} {
			assert.NotContains(t, text, v, "%s repeats the %s pin %s; read it from its pin instead", file, name, v)
		}
	}
	module := read(t, "_main/MODULE.bazel")
	wrap := submatch(t, `(?s)go_sdk\.wrap\((.*?)\)`, module, "go_sdk.wrap in MODULE.bazel")
	assert.NotContains(t, wrap, "version", "MODULE.bazel's go_sdk.wrap names a version: the SDK's version is go.mod's")
	sdk := read(t, "_main/tools/rules/go_sdk.bzl")
	assert.Contains(t, sdk, `"`+pins.goSDK+`": {`, "tools/rules/go_sdk.bzl has no sha256s for go.mod's Go %s", pins.goSDK)
}

// TestDocsStatePinnedVersions reads every "Bazel X.Y.Z", "rules_go X.Y.Z",
// "gazelle X.Y.Z" and "Go X.Y.Z" the docs state and wants the pinned one.
func TestDocsStatePinnedVersions(t *testing.T) {
	pins := readPins(t)
	want := map[string]string{"bazel": pins.bazel, "rules_go": pins.rulesGo, "gazelle": pins.gazelle, "go": pins.goSDK}
	mention := regexp.MustCompile(`(?i)\b(Bazel|rules_go|gazelle|Go) v?(\d+\.\d+\.\d+)\b`)
	docs := strings.Fields(os.Getenv("DOCS"))
	require.NotEmpty(t, docs, "DOCS names no file")
	seen := 0
	for _, doc := range docs {
		text := read(t, doc)
		for i, line := range strings.Split(text, "\n") {
			for _, m := range mention.FindAllStringSubmatch(line, -1) {
				seen++
				name := strings.ToLower(m[1])
				assert.Equal(t, want[name], m[2], "%s:%d states %s %s, but the pin is %s", doc, i+1, m[1], m[2], want[name])
			}
		}
	}
	assert.Positive(t, seen, "the docs state no version at all: is the pattern still right?")
}
