package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/host/buildconfig"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/signing"
)

// TestLoaderConfig: the probe measures the loader a host configures, so its
// Config is the host's (buildconfig.LoaderConfig) but for the trusted keys
// it signs its copies with. A probe that assembled its own Config dropped
// RequireBuildRecord once, and measured a laxer loader than a host's.
func TestLoaderConfig(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	keys := []loader.TrustedKey{signing.NewPublicKey(pub, "probe test")}

	want := buildconfig.LoaderConfig()
	want.TrustedKeys = keys
	got := newLoader(keys).Config()
	assert.Equal(t, loader.New(want).Config(), got)
	assert.Equal(t, buildconfig.Generated, got.RequireBuildRecord)
}
