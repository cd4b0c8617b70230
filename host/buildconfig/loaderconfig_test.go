package buildconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"example.com/plugkit/host/loader"
)

func TestLoaderConfig(t *testing.T) {
	cfg := LoaderConfig()
	if !Generated {
		// go build: what the binary says of itself, and nothing stricter.
		assert.Equal(t, loader.HostConfig(), cfg)
		assert.False(t, cfg.RequireBuildRecord)
		return
	}
	want := loader.HostConfig()
	want.GoVersion = GoVersion
	want.BuildFlagsFingerprint = BuildFlagsFingerprint
	want.SharedDeps = SharedDeps
	want.RequireBuildRecord = true
	assert.Equal(t, want, cfg)
	// The generated values are real ones, not the fallback's blanks.
	assert.NotEmpty(t, cfg.GoVersion)
	assert.NotEmpty(t, cfg.BuildFlagsFingerprint)
	assert.NotEmpty(t, cfg.SharedDeps)
}

// TestLoaderConfigIsACopy: a caller that changes its Config changes neither
// the generated values nor the next caller's Config.
func TestLoaderConfigIsACopy(t *testing.T) {
	first := LoaderConfig()
	first.RequireBuildRecord = !first.RequireBuildRecord
	if first.SharedDeps == nil {
		first.SharedDeps = map[string]string{}
	}
	first.SharedDeps["example.com/injected"] = "v9.9.9"

	second := LoaderConfig()
	assert.Equal(t, Generated, second.RequireBuildRecord)
	assert.NotContains(t, second.SharedDeps, "example.com/injected")
	assert.NotContains(t, SharedDeps, "example.com/injected")
}
