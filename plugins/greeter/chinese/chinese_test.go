package chinese

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"example.com/plugkit/pluginapi"
)

func TestGreeter(t *testing.T) {
	assert.Equal(t, "你好宇宙", Greeter.Greet())
	assert.Equal(t, pluginapi.Manifest{Name: "greeter/chinese", Version: "1.0.0", APIVersion: pluginapi.APIVersion}, PluginManifest)
}
