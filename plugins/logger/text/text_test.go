package text

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"example.com/plugkit/pluginapi"
)

// The host binds &Logger: the pointer has the methods.
var _ pluginapi.Logger = &Logger

func TestLogger(t *testing.T) {
	var out bytes.Buffer
	prev := Logger.out
	Logger.out = &out
	t.Cleanup(func() { Logger.out = prev })
	Logger.Info("Hello world!", pluginapi.Labels{"user": "sample", "app": "plugkit"})
	Logger.Warn("careful", nil)
	Logger.Log("quote \"me\"", pluginapi.Labels{"k": "a b"})
	assert.Equal(t, "INFO Hello world! app=\"plugkit\" user=\"sample\"\n"+
		"WARN careful\n"+
		"LOG  quote \"me\" k=\"a b\"\n", out.String())
	assert.Equal(t, "logger/text", PluginManifest.Name)
}
