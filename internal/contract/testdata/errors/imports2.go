package api

import x "example.com/two"

type Imports2Kind struct {
	PluginManifest Manifest
	Two            x.T // want `field Two: import name x means "example.com/two" here and "example.com/one" at .*imports.go:9:17: use one name per package`
}
