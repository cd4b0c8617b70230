package api

import (
	t "time"
)

// ZedKind declares the kind zed, from another file.
type ZedKind struct {
	PluginManifest Manifest
	Labels         Labels
	Since          t.Time
	Greeter        Greeter
}
