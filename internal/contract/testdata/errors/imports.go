package api

import (
	x "example.com/one"
)

type ImportsKind struct {
	PluginManifest Manifest
	One            x.T
	Two            y.T // want `field Two: y in y.T is not an imported package`
}
