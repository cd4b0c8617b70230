package pluginapi

import (
	"context"
	"io"
	tm "time"
)

// FancyKind declares the kind fancy: everything at once.
type FancyKind struct {
	PluginManifest Manifest
	Store          Store
	// Other is a second store.
	Other   Store
	String  Store
	Run     func(ctx context.Context, p Point) (Point, error)
	Hook    Hook
	OnEvent func(string) `plugkit:"var"`
	Timeout tm.Duration
	Levels  []Level
	Sink    io.Writer
}

// PlainKind declares the kind plain.
type PlainKind struct {
	PluginManifest Manifest
}
