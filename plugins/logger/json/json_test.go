package json

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"example.com/plugkit/pluginapi"
)

func TestLogger(t *testing.T) {
	var out bytes.Buffer
	prev := Output
	Output = &out
	t.Cleanup(func() { Output = prev })
	Logger.Info("Hello world!", pluginapi.Labels{"user": "sample", "app": "plugkit"})
	Logger.Warn("careful", nil)
	Logger.Log("plain", pluginapi.Labels{})
	assert.Equal(t, "[INFO]\tHello world!\n\t{\"app\":\"plugkit\",\"user\":\"sample\"}\n"+
		"[WARN]\tcareful\n\tnull\n"+
		"[LOG]\tplain\n\t{}\n", out.String())
	assert.Equal(t, "logger/json", PluginManifest.Name)
	assert.Equal(t, pluginapi.APIVersion, PluginManifest.APIVersion)
}
