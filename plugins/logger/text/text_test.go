package text

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
	Logger.Log("quote \"me\"", pluginapi.Labels{"k": "a b"})
	assert.Equal(t, "INFO Hello world! app=\"plugkit\" user=\"sample\"\n"+
		"WARN careful\n"+
		"LOG  quote \"me\" k=\"a b\"\n", out.String())
	assert.Equal(t, "logger/text", PluginManifest.Name)
}
