package adder

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"example.com/plugkit/pluginapi"
)

func TestAddTwoInts(t *testing.T) {
	assert.Equal(t, 30, AddTwoInts(10, 20))
	assert.Equal(t, -1, AddTwoInts(2, -3))
}

func TestManifest(t *testing.T) {
	assert.Equal(t, pluginapi.Manifest{Name: "adder", Version: BuildVersion, APIVersion: pluginapi.APIVersion}, PluginManifest)
}
