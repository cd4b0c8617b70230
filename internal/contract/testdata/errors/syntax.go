package api

type SyntaxKind struct { // want `expected`
	PluginManifest Manifest
