package english

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"example.com/plugkit/pluginapi"
)

func TestGreeter(t *testing.T) {
	assert.Equal(t, "Hello Universe", Greeter.Greet())
	assert.Equal(t, pluginapi.Manifest{Name: "greeter/english", Version: "1.0.0", APIVersion: pluginapi.APIVersion}, PluginManifest)
}
